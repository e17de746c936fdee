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

__all__ = ["SSEDecoder", "ServerSentEvent"]


class ServerSentEvent:
    """One dispatched event: its type, data, the last event id and a ``retry`` field if any."""

    __slots__ = ("data", "event", "id", "retry")

    def __init__(self, event: str, data: str, id: str, retry: int | None) -> None:
        self.event = event
        """The event type (``message`` when the stream named none)."""
        self.data = data
        """The data lines, joined with newlines."""
        self.id = id
        """The last event id the stream set (``""`` before any)."""
        self.retry = retry
        """The reconnection time the event asked for, in milliseconds."""

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r})"


class SSEDecoder:
    """Turns the chunks of an event-stream body into `ServerSentEvent` objects."""

    __slots__ = ("_data", "_event", "_fresh", "_last_id", "_partial", "_retry", "_trailing_cr")

    def __init__(self) -> None:
        self._partial: bytes = b""
        self._trailing_cr: bool = False
        self._fresh: bool = True
        self._event: str = ""
        self._data: list[str] = []
        self._last_id: str = ""
        self._retry: int | None = None

    @property
    def last_event_id(self) -> str:
        """The last event id the stream set (``""`` before any)."""
        return self._last_id

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode `chunk` and return the events it completes (often none).

        The complete lines of the chunk are decoded at once (a line break is never inside a
        UTF-8 sequence) and walked in one loop: this is the hot path of every stream.
        """
        if not chunk:
            return []
        if self._trailing_cr:
            # A CR ended the previous chunk: an LF starting this one belongs to it.
            self._trailing_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        buffer = self._partial + chunk if self._partial else chunk
        if self._fresh:
            if len(buffer) < 3 and b"\xef\xbb\xbf".startswith(buffer):
                self._partial = buffer
                return []
            self._fresh = False
            if buffer.startswith(b"\xef\xbb\xbf"):
                buffer = buffer[3:]
        cut = max(buffer.rfind(b"\n"), buffer.rfind(b"\r"))
        if cut < 0:
            self._partial = buffer
            return []
        self._partial = buffer[cut + 1 :]
        if buffer[cut] == 13 and not self._partial:  # ends with CR: an LF may follow
            self._trailing_cr = True
        text = buffer[: cut + 1].decode("utf-8", "replace")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        lines.pop()  # the empty piece after the last line break
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(
                        ServerSentEvent(
                            event=self._event or "message",
                            data="\n".join(data),
                            id=self._last_id,
                            retry=self._retry,
                        )
                    )
                    data = self._data = []
                elif self._retry is not None:
                    # A lone retry: field still tells the reader how long to wait; it carries
                    # no data, so it is handed on as an empty keep-alive, never as output.
                    events.append(
                        ServerSentEvent(
                            event="message", data="", id=self._last_id, retry=self._retry
                        )
                    )
                self._event = ""
                self._retry = None
                continue
            if line[0] == ":":
                continue
            field, colon, value = line.partition(":")
            if colon and value[:1] == " ":
                value = value[1:]
            if field == "data":
                data.append(value)
            elif field == "event":
                self._event = value
            elif field == "id" and "\0" not in value:
                self._last_id = value
            elif field == "retry" and value.isascii() and value.isdigit():
                self._retry = int(value)
        return events

    def close(self) -> list[ServerSentEvent]:
        """The body ended: an unterminated last event is discarded, as the standard says."""
        self._partial = b""
        self._data = []
        self._event = ""
        return []
