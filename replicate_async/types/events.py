"""Typed server-sent events of a prediction stream."""

from __future__ import annotations

from typing import Literal, TypeAlias

from attrs import frozen

__all__ = [
    "DoneEvent",
    "ErrorEvent",
    "LogsEvent",
    "OutputEvent",
    "StreamEvent",
    "UnknownEvent",
]


@frozen(kw_only=True)
class OutputEvent:
    """A piece of output: one token or chunk for text models, a file URL for file models."""

    data: str
    """The text of the chunk, exactly as sent (multi-line data joined with newlines)."""
    id: str | None = None
    """The event id (``<unix>:<n>``), when the server sent one."""

    def __str__(self) -> str:
        return self.data


@frozen(kw_only=True)
class LogsEvent:
    """A piece of the model's log output."""

    data: str
    """The log text."""
    id: str | None = None
    """The event id, when the server sent one."""

    def __str__(self) -> str:
        return ""


@frozen(kw_only=True)
class ErrorEvent:
    """The prediction failed; `detail` says why."""

    detail: str
    """The error message."""
    id: str | None = None
    """The event id, when the server sent one."""

    def __str__(self) -> str:
        return ""


@frozen(kw_only=True)
class DoneEvent:
    """The last event of a stream."""

    reason: Literal["canceled", "error"] | str | None = None
    """None on success, else why the stream ended (``canceled``, ``error`` or a newer value)."""
    id: str | None = None
    """The event id, when the server sent one."""
    synthetic: bool = False
    """True when replicate_async made this event after finishing the prediction by polling."""

    def __str__(self) -> str:
        return ""


@frozen(kw_only=True)
class UnknownEvent:
    """An event whose name replicate_async does not know; kept, never fatal."""

    event: str
    """The event name."""
    data: str
    """The raw data."""
    id: str | None = None
    """The event id, when the server sent one."""

    def __str__(self) -> str:
        return ""


StreamEvent: TypeAlias = OutputEvent | LogsEvent | ErrorEvent | DoneEvent | UnknownEvent
"""Any event of a prediction stream."""
