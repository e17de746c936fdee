"""Ctrl-C and the progress display: the CLI as a child process, signalled or on a terminal."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import threading
import time

import pytest

from replicate_async.testing import Fault

from .support import ROOT, TOKEN, Served

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and pty are POSIX")


class Child:
    """The CLI in a child process; stderr collected line by line on a thread."""

    def __init__(self, served: Served, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "replicate_async", *args],
            cwd=ROOT,
            env=served.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def wait_for(self, pattern: str, timeout: float = 20) -> re.Match[str]:
        """Wait for a stderr line matching `pattern` (a hang guard, not a timing assertion)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.lines):
                found = re.search(pattern, line)
                if found:
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        self.process.kill()
        raise AssertionError(f"no {pattern!r} on stderr:\n{''.join(self.lines)}")

    def finish(self) -> int:
        try:
            code = self.process.wait(20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        self._pump.join(5)
        return code

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


def test_ctrl_c_cancels_the_prediction_and_says_so(served: Served) -> None:
    child = Child(served, "run", "demo/sleep", "seconds=120")
    pid = child.wait_for(r"^prediction (\S+) processing").group(1)
    child.process.send_signal(signal.SIGINT)
    code = child.finish()
    assert code == 130, child.stderr
    assert served.emulator.prediction(pid)["status"] == "canceled"
    assert f"replicate_async: interrupted; canceling prediction {pid}" in child.stderr
    assert "Traceback" not in child.stderr
    assert "replicate-async: interrupted" not in child.stderr  # said once, by the client
    assert TOKEN not in child.stderr


def test_second_ctrl_c_leaves_the_prediction_running(served: Served) -> None:
    held = served.emulator.faults.add(
        Fault.delay(30, route="POST /predictions/{id}/cancel", times=1)
    )
    try:
        child = Child(served, "run", "demo/sleep", "seconds=120")
        pid = child.wait_for(r"^prediction (\S+) processing").group(1)
        child.process.send_signal(signal.SIGINT)
        child.wait_for("interrupted; canceling")
        child.process.send_signal(signal.SIGINT)
        code = child.finish()
    finally:
        served.emulator.faults.remove(held)
    assert code == 130, child.stderr
    assert f"replicate_async: left running: prediction {pid}" in child.stderr
    assert served.emulator.prediction(pid)["status"] == "processing"
    served.client.predictions.cancel(pid)


def _read_pty(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    return b"".join(chunks)


def test_progress_redraws_in_place_on_a_terminal(served: Served) -> None:
    main, secondary = os.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "replicate_async", "run", "demo/sleep", "seconds=1"],
            cwd=ROOT,
            env=served.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=secondary,
        )
        os.close(secondary)
        screen = _read_pty(main, process)
        assert process.wait(20) == 0
        assert process.stdout is not None
        assert process.stdout.read() == b"slept 1 seconds\n"
    finally:
        os.close(main)
    text = screen.decode()
    redraws = text.split("\r\x1b[K")
    assert len(redraws) >= 3, repr(text)  # the status line was drawn, then redrawn, in place
    assert any(re.search(r"\S+  processing  [\d.]+s", r) for r in redraws), repr(text)
    final = [line for line in text.replace("\r\x1b[K", "\n").splitlines() if line.strip()]
    assert re.fullmatch(r"prediction \S+ succeeded \([\d.]+s\)", final[-1]), repr(text)
    # Nothing but the final line ends with a newline: the status never scrolled.
    assert text.count("\n") == 1, repr(text)


def test_plain_lines_when_not_a_terminal(served: Served) -> None:
    result = served.cli("run", "demo/sleep", "seconds=0.3").ok()
    assert "\r" not in result.err and "\x1b" not in result.err
    lines = result.err.splitlines()
    assert lines[0] == "running demo/sleep"
    statuses = [line.split()[-1] for line in lines[1:]]
    assert statuses[-1] == "succeeded", lines
    assert "processing" in statuses, lines
