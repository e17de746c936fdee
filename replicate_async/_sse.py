r"""Replicate stream semantics on top of the SSE decoder (pure: no I/O, no colour).

`replicate_async._sse_decoder` turns bytes into `ServerSentEvent` objects (framing, comments,
multi-line ``data:`` joined with ``\n``, ``id:`` and ``retry:`` fields). This module decides
what they mean for a Replicate prediction stream:

* `to_event` maps one `ServerSentEvent` to a typed event (`OutputEvent`, `LogsEvent`,
  `ErrorEvent`, `DoneEvent`, `UnknownEvent`), or to None for a keep-alive that carries nothing.
  Unknown event names and malformed ``done``/``error`` payloads never raise.
* `EventIds` remembers the ids already delivered, so a resumed stream that replays from the
  start delivers nothing twice (only a replay after a reconnection is dropped, never an event
  of a live connection), and says which id to send as ``Last-Event-ID``.
* `ReconnectBudget` bounds reconnection attempts and honours the server's ``retry:`` hint.
* `undelivered_chunks` computes, from a prediction's output, the chunks a caller has not seen
  yet, so that a stream finished by polling loses nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, cast

from .types.events import DoneEvent, ErrorEvent, LogsEvent, OutputEvent, StreamEvent, UnknownEvent

if TYPE_CHECKING:
    from ._sse_decoder import ServerSentEvent

__all__ = [
    "MAX_RETRY_HINT",
    "RECONNECT_ATTEMPTS",
    "EventIds",
    "ReconnectBudget",
    "done_reason",
    "error_detail",
    "event_id_order",
    "reason_for_status",
    "to_event",
    "undelivered_chunks",
]

RECONNECT_ATTEMPTS: Final = 5
"""Reconnection attempts without progress before a stream falls back to polling."""

MAX_RETRY_HINT: Final = 60.0
"""The longest ``retry:`` hint (seconds) honoured; a longer one is capped to this."""

_UNKNOWN_ERROR = "the prediction failed (the stream sent no detail)"


def to_event(sse: ServerSentEvent) -> StreamEvent | None:
    """Return the typed event for `sse`, or None for an event that carries nothing.

    An unnamed event (SSE type ``message``) with no data is what a keep-alive comment followed
    by a blank line, or a lone ``retry:`` field, dispatches: it is not an event of the
    prediction. Any other unnamed or unknown event becomes an `UnknownEvent`.
    """
    name = sse.event
    data = sse.data
    event_id = sse.id or None
    if name == "output":
        return OutputEvent(data=data, id=event_id)
    if name == "logs":
        return LogsEvent(data=data, id=event_id)
    if name == "done":
        return DoneEvent(reason=done_reason(data), id=event_id)
    if name == "error":
        return ErrorEvent(detail=error_detail(data), id=event_id)
    if name == "message" and not data:
        return None
    return UnknownEvent(event=name, data=data, id=event_id)


def _loads(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return _NOT_JSON


_NOT_JSON: Final = object()


def done_reason(data: str) -> str | None:
    """The reason of a ``done`` event: None for ``{}``, else the ``reason`` it names.

    Tolerates anything: an empty body, a JSON string, a bare word, an object without a reason.
    """
    text = data.strip()
    if not text:
        return None
    value = _loads(text)
    if value is _NOT_JSON:
        return text
    if isinstance(value, dict):
        reason = cast("dict[str, object]", value).get("reason")
        return str(reason) if reason not in (None, "") else None
    if isinstance(value, str):
        return value or None
    return None


def error_detail(data: str) -> str:
    """The message of an ``error`` event: its JSON ``detail``, else the raw data."""
    text = data.strip()
    if not text:
        return _UNKNOWN_ERROR
    value = _loads(text)
    if isinstance(value, dict):
        detail = cast("dict[str, object]", value).get("detail")
        if detail not in (None, ""):
            return detail if isinstance(detail, str) else json.dumps(detail)
        return text
    if isinstance(value, str) and value:
        return value
    return text


def reason_for_status(status: str) -> str | None:
    """The ``done`` reason matching a terminal status (None for ``succeeded``)."""
    if status == "succeeded":
        return None
    if status == "failed":
        return "error"
    return status


def event_id_order(event_id: str) -> tuple[int, ...] | None:
    """The sort key of an event id made of integers, such as Replicate's ``1690212292:0``.

    Integers separated by ``:``, ``-`` or ``.`` compare as tuples (``"5:10"`` after ``"5:9"``).
    Any other id has no order: None.
    """
    parts = event_id.replace("-", ":").replace(".", ":").split(":")
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts)


class EventIds:
    """The ids of delivered events, for de-duplication and ``Last-Event-ID``.

    Only a replay is dropped: after a reconnection that sent ``Last-Event-ID: X``, the server
    may send again the events up to X. While the new connection replays, an event at or below
    X is dropped: by order when both ids are ordered (`event_id_order`), else when its id was
    delivered before. The first event that is not a replay ends the replay, and from then on
    every event is delivered, even one whose id repeats on the same live connection.

    The decoder follows the SSE rule that an event without an ``id:`` line inherits the previous
    event's id, so within one connection an id equal to the previous one means "no id of its
    own". Such events are always delivered, but they make a resumed stream unfaithful (a replay
    of them could not be recognised), which `faithful` reports; so do events with no id at all.
    """

    __slots__ = ("_previous", "_replay_until", "_seen", "faithful", "last")

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._previous = ""
        self._replay_until: str | None = None
        self.last: str | None = None
        """The last id delivered: the ``Last-Event-ID`` of a reconnection."""
        self.faithful = True
        """False once an event without an id of its own was delivered."""

    def new_connection(self) -> None:
        """A connection opened, with ``Last-Event-ID`` set to `last` when that is not None.

        It starts without an inherited id, and replays until its first new event.
        """
        self._previous = ""
        self._replay_until = self.last

    def is_replay(self, event_id: str) -> bool:
        """Whether `event_id` is at or below the ``Last-Event-ID`` of the replaying connection."""
        sent = self._replay_until
        if sent is None or not event_id:
            return False
        mine, theirs = event_id_order(event_id), event_id_order(sent)
        if mine is not None and theirs is not None:
            return mine <= theirs
        return event_id in self._seen

    def admit(self, event_id: str) -> bool:
        """Whether an event with `event_id` (``""`` for none) is new and should be delivered."""
        if self._replay_until is not None:
            if self.is_replay(event_id):
                self._previous = event_id
                return False
            self._replay_until = None  # the replay is over: this event is new
        if event_id == self._previous or not event_id:
            self.faithful = False
            return True
        self._previous = event_id
        self._seen.add(event_id)
        self.last = event_id
        return True

    def note_carrier(self, event_id: str) -> None:
        """Track the inherited id of an event that carries nothing (a keep-alive)."""
        self._previous = event_id

    @property
    def delivered_any(self) -> bool:
        """Whether any event has been admitted since the first connection."""
        return bool(self._seen) or not self.faithful


class ReconnectBudget:
    """At most `limit` reconnections in a row without progress; delays from hints or backoff."""

    __slots__ = ("_hint", "limit", "used")

    def __init__(self, limit: int = RECONNECT_ATTEMPTS) -> None:
        self.limit = limit
        self.used = 0
        self._hint: float | None = None

    def note_retry(self, milliseconds: int | None) -> None:
        """Remember the server's ``retry:`` field (milliseconds); garbage is ignored."""
        if milliseconds is None:
            return
        seconds = milliseconds / 1000.0
        if math.isfinite(seconds) and seconds >= 0:
            self._hint = min(seconds, MAX_RETRY_HINT)

    @property
    def hint(self) -> float | None:
        """The server's reconnection delay in seconds, if it sent one."""
        return self._hint

    def progressed(self) -> None:
        """A reconnected stream delivered something new: the budget is whole again."""
        self.used = 0

    def next_delay(self, backoff: Callable[[int], float]) -> float | None:
        """The delay before the next reconnection, or None when the budget is spent.

        `backoff(attempt)` supplies the delay when the server sent no ``retry:`` hint.
        """
        if self.used >= self.limit:
            return None
        attempt = self.used
        self.used += 1
        return self._hint if self._hint is not None else backoff(attempt)


def _string_chunks(output: object) -> list[str] | None:
    if isinstance(output, str):
        return [output]
    if isinstance(output, list):
        items: list[Any] = output  # pyright: ignore[reportUnknownVariableType]
        if all(isinstance(item, str) for item in items):
            return items
    return None


def undelivered_chunks(delivered: Sequence[str], output: object) -> list[str]:
    """The output chunks not yet delivered, given the chunks that were (in order).

    `output` is a prediction's output: a list of strings (a token stream, file URLs) or a
    string. Other shapes carry no text chunks and give ``[]``. Alignment is by chunk when the
    delivered chunks are a prefix of the output's, else by text: a chunk the stream cut
    differently is split where the delivered text ends. Empty chunks are never returned.
    """
    chunks = _string_chunks(output)
    if not chunks:
        return []
    count = len(delivered)
    if count <= len(chunks) and all(a == b for a, b in zip(chunks, delivered, strict=False)):
        return [c for c in chunks[count:] if c]
    sent = "".join(delivered)
    total = "".join(chunks)
    if total.startswith(sent):
        rest: list[str] = []
        position = 0
        boundary = len(sent)
        for chunk in chunks:
            end = position + len(chunk)
            if end > boundary:
                piece = chunk[max(0, boundary - position) :]
                if piece:
                    rest.append(piece)
            position = end
        return rest
    # The texts diverge: no alignment is trustworthy, so go by count (nothing lost).
    return [c for c in chunks[count:] if c]
