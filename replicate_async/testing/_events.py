"""Server-sent event streams of predictions.

Each streaming prediction keeps an event log (``output``, ``logs``, ``error``, ``done``) whose
ids are ``"<unix>:<n>"``, n being the event's index. A stream request replays the log from the
start, or from just after ``Last-Event-ID`` (``sse_resume="after-id"``, the default; with
``"replay"`` the id is ignored and everything is replayed, as the real server may do), then
follows new events until ``done``. A value with newlines is sent as several ``data:`` lines.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import anyio

from ._faults import Fired
from ._state import Job, Renderer

if TYPE_CHECKING:
    from ._core import Core

__all__ = ["StreamBrokenError", "encode_event", "resume_index", "stream_events"]

_LINES = re.compile(r"\r\n|\r|\n")

COMMENT = b": hi\n\n"


class StreamBrokenError(Exception):
    """A fault asked for the stream's connection to break here."""


def encode_event(event_id: str, event: str, data: str) -> bytes:
    """Frame one event; multi-line data becomes several ``data:`` lines."""
    lines = "".join(f"data: {line}\n" for line in _LINES.split(data))
    return f"id: {event_id}\nevent: {event}\n{lines}\n".encode()


def resume_index(job: Job, last_event_id: str | None, mode: str) -> int:
    """The index of the first event to send to a client that last saw `last_event_id`."""
    if not last_event_id or mode == "replay":
        return 0
    _, _, number = last_event_id.strip().rpartition(":")
    if not (number.isascii() and number.isdigit()):
        return 0
    index = int(number)
    if index < len(job.events) and job.events[index].id == last_event_id.strip():
        return index + 1
    return 0


async def stream_events(
    core: Core, job: Job, renderer: Renderer, last_event_id: str | None, fired: Fired
) -> AsyncIterator[bytes]:
    """The body of a stream response."""
    if core.options.sse_comment:
        yield COMMENT
    position = resume_index(job, last_event_id, core.options.sse_resume)
    limit = fired.break_after if fired.break_after is not None else fired.stall_after
    sent = 0
    while True:
        if limit is not None and sent >= limit:
            if fired.break_after is not None:
                raise StreamBrokenError("stream broken by a fault")
            await anyio.sleep_forever()
        if job.data_removed:
            done = job.events[-1] if job.events and job.events[-1].event == "done" else None
            if done is not None:
                yield encode_event(done.id, done.event, renderer.event_data(done))
            return
        if position < len(job.events):
            event = job.events[position]
            position += 1
            sent += 1
            yield encode_event(event.id, event.event, renderer.event_data(event))
            if event.event == "done":
                return
            continue
        await job.wait_changed()
