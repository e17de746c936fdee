"""What every command gets: the lazy client, the output streams and the global flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from ._display import Console, Status

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._sync.client import Client
    from ..types import Prediction, Training

__all__ = ["CommandError", "Context", "outcome_message"]

_LOG_LINES = 5


class CommandError(Exception):
    """A command failed in a way already explained by its message.

    Args:
        message: The one-line explanation (further lines may follow).
        code: The exit status (1: the API or the model failed; 2: usage).
    """

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
        """The exit status."""


@dataclass
class Context:
    """The state shared by the commands of one invocation."""

    get_client: Callable[[], Client]
    """Returns the client, made on first use."""
    out: TextIO
    """Where results go (stdout)."""
    console: Console
    """Where progress, notes and errors go (stderr)."""
    json: bool = False
    """``--json``: print API objects as JSON."""
    quiet: bool = False
    """``--quiet``: no progress display."""
    verbose: int = 0
    """``-v`` count: notes and request logs on stderr."""
    async_factory: Callable[[], AsyncClient] | None = None
    """Makes an async client of the same API (set for the emulator, whose transport a copy of
    the sync client's settings cannot carry); used by ``batch``."""
    statuses: list[Status] = field(default_factory=list[Status])
    """The live status displays, stopped at once by Ctrl-C."""

    def note(self, message: str) -> None:
        """Write a note on stderr when ``--verbose`` is on."""
        if self.verbose:
            self.console.write(f"note: {message}\n")

    def status(self, label: str) -> Status:
        """Start a status display (nothing shows with ``--quiet``)."""
        status = Status(self.console, label, enabled=not self.quiet)
        self.statuses.append(status)
        return status

    def stop_statuses(self) -> None:
        """Stop every status display (from the SIGINT handler, among others)."""
        for status in self.statuses:
            status.stop()


def outcome_message(job: Prediction | Training, verb: str) -> str:
    """Say how a prediction or training ended: its error, then its last log lines."""
    kind = "training" if type(job).__name__ == "Training" else "prediction"
    text = f"{kind} {job.id}"
    if job.model:
        text += f" of {job.model}"
    text += f" {verb}"
    if job.error:
        text += f": {' '.join(str(job.error).split())}"
    lines = [line.rstrip() for line in (job.logs or "").splitlines() if line.strip()]
    if lines:
        text += "\nlast log lines:\n" + "\n".join(f"  {line}" for line in lines[-_LOG_LINES:])
    return text
