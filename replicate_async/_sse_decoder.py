r"""Incremental server-sent-event decoding from bytes, by the HTML specification (pure).

`SSEDecoder.feed` takes the body's chunks as they arrive and returns the events they complete,
so the stream reader regains control after every chunk, a keep-alive comment included: idle
checks and deadlines see a stream that pings but says nothing.

The rules followed (HTML Living Standard, "Interpreting an event stream"):

* lines end with CRLF, LF or CR, and nothing else (not the other Unicode line breaks);
* a leading UTF-8 byte-order mark is dropped; text is decoded as UTF-8 with replacement;
* a line starting with ``:`` is a comment; ``field: value`` drops one space after the colon;
* ``data`` appends its value and a newline to the data buffer; ``event`` sets the type;
  ``id`` sets the last event id unless the value contains NUL (and it persists across events);
  ``retry`` takes ASCII digits only;
* a blank line dispatches: when the data buffer is empty nothing is dispatched (and the type is
  reset), otherwise the trailing newline is removed and the event carries the last event id.
"""

from __future__ import annotations

import re

from httpx_sse import ServerSentEvent

__all__ = ["SSEDecoder"]

_LINE_END = re.compile(rb"\r\n|\r|\n")


class SSEDecoder:
    """Turns the chunks of an event-stream body into `ServerSentEvent` objects."""

    __slots__ = ("_data", "_event", "_fresh", "_last_id", "_partial", "_retry", "_trailing_cr")

    def __init__(self) -> None:
        self._partial = b""
        self._trailing_cr = False
        self._fresh = True
        self._event = ""
        self._data: list[str] = []
        self._last_id = ""
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str:
        """The last event id the stream set (``""`` before any)."""
        return self._last_id

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode `chunk` and return the events it completes (often none)."""
        if not chunk:
            return []
        if self._trailing_cr:
            # A CR ended the previous chunk: an LF starting this one belongs to it.
            self._trailing_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buffer = self._partial + chunk if self._partial else chunk
        if self._fresh:
            if len(buffer) < 3 and b"\xef\xbb\xbf".startswith(buffer):
                self._partial = buffer
                return []
            self._fresh = False
            if buffer.startswith(b"\xef\xbb\xbf"):
                buffer = buffer[3:]
        pieces = _LINE_END.split(buffer)
        self._partial = pieces.pop()
        if not pieces:
            return []
        if not self._partial and buffer.endswith(b"\r"):
            self._trailing_cr = True
        events: list[ServerSentEvent] = []
        for raw in pieces:
            event = self._line(raw.decode("utf-8", "replace"))
            if event is not None:
                events.append(event)
        return events

    def close(self) -> list[ServerSentEvent]:
        """The body ended: an unterminated last event is discarded, as the standard says."""
        self._partial = b""
        self._data = []
        self._event = ""
        return []

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            return None
        field, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._event = value
        elif field == "id" and "\0" not in value:
            self._last_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event, retry = self._data, self._event, self._retry
        self._data = []
        self._event = ""
        self._retry = None
        if not data:
            if retry is not None:
                # A lone retry: field still tells the reader how long to wait; it carries
                # no data, so it is handed on as an empty keep-alive, never as output.
                return ServerSentEvent(event="message", data="", id=self._last_id, retry=retry)
            return None
        return ServerSentEvent(
            event=event or "message", data="\n".join(data), id=self._last_id, retry=retry
        )
