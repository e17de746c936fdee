"""Progress on stderr: a status line redrawn in place on a terminal, plain lines otherwise.

`Console` stands in for ``sys.stderr`` while a command runs, so that anything else written
there (the client's own Ctrl-C notices, ``--verbose`` log lines, warnings) first wipes the
status line instead of being glued to it. `Status` follows one prediction or training: its id,
status, the progress bar the model printed (tqdm style) and the elapsed time.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..types import Prediction, Training

__all__ = ["Console", "Status"]

_CLEAR = "\r\x1b[K"
_SPINNER = "|/-\\"


class Console(io.TextIOBase):
    """A text stream over the real stderr that knows about the status line."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        """Wrap `stream`.

        Args:
            stream: The real stderr.
            tty: Whether to redraw in place (default: ``stream.isatty()``).
        """
        super().__init__()
        self._stream = stream
        self._lock = threading.RLock()
        self._drawn = False
        self.tty = stream.isatty() if tty is None else tty
        """Whether the status line is redrawn in place."""
        self.client_spoke = False
        """Whether the client wrote a notice of its own (``replicate_async: ...``)."""

    def writable(self) -> bool:
        """Always True."""
        return True

    def isatty(self) -> bool:
        """Whether the real stream is a terminal."""
        return self.tty

    def write(self, text: str) -> int:
        """Write `text`, wiping the status line first."""
        with self._lock:
            if text.startswith("replicate_async: "):
                self.client_spoke = True
            self._wipe()
            self._stream.write(text)
            self._stream.flush()
        return len(text)

    def flush(self) -> None:
        """Flush the real stream."""
        self._stream.flush()

    def _wipe(self) -> None:
        if self._drawn:
            self._stream.write(_CLEAR)
            self._drawn = False

    def draw(self, line: str) -> None:
        """Show `line` as the status: redrawn in place on a terminal, else one plain line."""
        with self._lock:
            if self.tty:
                width = max(20, shutil.get_terminal_size().columns - 1)
                self._stream.write(_CLEAR + line[:width])
                self._drawn = True
            else:
                self._stream.write(line + "\n")
            self._stream.flush()

    def wipe(self) -> None:
        """Remove the status line (a terminal only)."""
        with self._lock:
            self._wipe()
            self._stream.flush()


def _bar(fraction: float, width: int = 20) -> str:
    filled = round(fraction * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


class Status:
    """The status display of one prediction (or training) on a `Console`.

    Call `update` with each new state (it fits ``on_progress=``); `finish` wipes the line. On
    a terminal a thread redraws the line five times a second (spinner, elapsed time); otherwise
    a line is printed only when the status or the progress changes.
    """

    def __init__(self, console: Console, label: str, *, enabled: bool = True) -> None:
        """Start the display.

        Args:
            console: Where to draw.
            label: What is being run, shown until the id is known (``demo/image``).
            enabled: False shows nothing (``--quiet``).
        """
        self._console = console
        self._label = label
        self._enabled = enabled
        self._started = time.monotonic()
        self._job: Prediction | Training | None = None
        self._last_plain: str | None = None
        self._tick = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if enabled and console.tty:
            self._draw()
            self._thread = threading.Thread(target=self._run, name="cli-status", daemon=True)
            self._thread.start()
        elif enabled:
            console.draw(f"running {label}")

    @property
    def job(self) -> Prediction | Training | None:
        """The latest state seen."""
        return self._job

    def update(self, job: Prediction | Training) -> None:
        """Take a new state of the prediction or training and show it."""
        self._job = job
        if not self._enabled:
            return
        if self._console.tty:
            self._draw()
            return
        line = self._plain(job)
        if line != self._last_plain:
            self._last_plain = line
            self._console.draw(line)

    def _plain(self, job: Prediction | Training) -> str:
        kind = "training" if _is_training(job) else "prediction"
        line = f"{kind} {job.id} {job.status}"
        progress = _progress(job)
        if progress is not None:
            line += f" {round(progress[0] * 100)}% ({progress[1]}/{progress[2]})"
        return line

    def _draw(self) -> None:
        if self._stop.is_set():
            return
        elapsed = time.monotonic() - self._started
        spin = _SPINNER[self._tick % len(_SPINNER)]
        job = self._job
        if job is None:
            line = f"{spin} {self._label}: creating  {elapsed:.1f}s"
        else:
            line = f"{spin} {job.id}  {job.status}"
            progress = _progress(job)
            if progress is not None:
                line += f"  {_bar(progress[0])} {round(progress[0] * 100)}%"
            line += f"  {elapsed:.1f}s"
            last = _last_log_line(job.logs)
            if last:
                line += f"  {last}"
        self._console.draw(line)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._tick += 1
            self._draw()

    def stop(self) -> None:
        """Stop drawing and wipe the line (safe to call more than once, from a signal handler)."""
        already = self._stop.is_set()
        self._stop.set()
        if self._enabled and self._console.tty and not already:
            self._console.wipe()

    def finish(self, job: Prediction | Training | None = None) -> float:
        """Stop the display and, given the final state, say how it ended; return the seconds.

        On a terminal the status line gives way to one final line; otherwise the final line is
        printed unless the last plain line already said the same.
        """
        self.stop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1)
        elapsed = time.monotonic() - self._started
        if job is not None:
            self._job = job
            if self._enabled:
                line = self._plain(job)
                if self._console.tty or line != self._last_plain:
                    self._last_plain = line
                    self._console.write(f"{line} ({elapsed:.1f}s)\n")
        return elapsed


def _is_training(job: Prediction | Training) -> bool:
    from ..types import Training

    return isinstance(job, Training)


def _progress(job: Prediction | Training) -> tuple[float, int, int] | None:
    from ..types import Prediction

    if not isinstance(job, Prediction):
        return None
    progress = job.progress
    if progress is None:
        return None
    return progress.percentage, progress.current, progress.total


def _last_log_line(logs: str | None) -> str:
    if not logs:
        return ""
    for line in reversed(logs.splitlines()):
        text = line.strip().rsplit("\r", 1)[-1].strip()
        if text:
            return text
    return ""
