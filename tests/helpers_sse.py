"""Colour-free helpers for the streaming tests: SSE bodies, a scripted fake API, interrupts.

`tests/_async/test_streaming.py` and its generated twin `tests/_sync/test_streaming.py` share
these. Everything here works for both colours: `SSEBody` is a sync *and* async httpx byte
stream, and `AsyncInterrupt` / `Interrupt` are the two colours of one helper (the sync
generator renames the first into the second).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

import anyio
import anyio.lowlevel
import httpx

__all__ = [
    "API",
    "STREAM_URL",
    "AsyncEmulated",
    "AsyncInterrupt",
    "Drop",
    "Emulated",
    "FakeAPI",
    "Interrupt",
    "SSEBody",
    "Silence",
    "Stall",
    "break_stream",
    "prediction_body",
    "sse",
    "streaming_emulator",
]

API = "https://api.replicate.com/v1"
STREAM_URL = "https://stream.replicate.test/v1/streams/abc123"
"""A stream URL off the API origin (so no token may be sent to it)."""


def sse(
    event: str | None = None,
    data: str | None = None,
    *,
    id: str | None = None,
    retry: int | None = None,
    newline: str = "\n",
) -> bytes:
    """One SSE frame; `data` is split into one ``data:`` line per line, as servers do."""
    lines: list[str] = []
    if event is not None:
        lines.append(f"event: {event}")
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    if data is not None:
        lines.extend(f"data: {line}" for line in data.split("\n"))
    return (newline.join(lines) + newline + newline).encode()


class Drop:
    """Break the connection here (a reset: `httpx.ReadError` by default)."""

    def __init__(self, error: type[httpx.TransportError] = httpx.ReadError) -> None:
        self.error = error


class Silence:
    """The socket stays silent past its read timeout: `httpx.ReadTimeout`."""


class Stall:
    """Wait `seconds` before the next chunk (real time; keep it short)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


Part = bytes | Drop | Silence | Stall
"""One step of a scripted body (scripts are typed loosely, as ``Sequence[object]``)."""


class SSEBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A scripted response body for both client colours; records whether it was closed."""

    def __init__(self, parts: Sequence[object], interrupt: _InterruptBase | None = None) -> None:
        self.parts: list[Part] = []
        for part in parts:
            if not isinstance(part, bytes | Drop | Silence | Stall):
                raise TypeError(f"not a body part: {part!r}")
            self.parts.append(part)
        self.interrupt = interrupt
        self.closed = False
        self.sent = 0

    def _raise(self, part: Drop | Silence) -> None:
        if isinstance(part, Silence):
            raise httpx.ReadTimeout("timed out while reading")
        raise part.error("connection reset by peer")

    def __iter__(self) -> Iterator[bytes]:
        for part in self.parts:
            if self.interrupt is not None and self.interrupt.triggered:
                raise KeyboardInterrupt
            if isinstance(part, Stall):
                time.sleep(part.seconds)
            elif isinstance(part, bytes):
                self.sent += 1
                yield part
            else:
                self._raise(part)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            await anyio.lowlevel.checkpoint()  # a checkpoint, as a real socket read would be
            if isinstance(part, Stall):
                await anyio.sleep(part.seconds)
            elif isinstance(part, bytes):
                self.sent += 1
                yield part
            else:
                self._raise(part)

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def prediction_body(
    status: str = "starting",
    *,
    id: str = "p1",
    stream: str | None = STREAM_URL,
    **extra: Any,
) -> dict[str, Any]:
    """A prediction as the API returns it; `stream=None` for a model that does not stream."""
    urls: dict[str, str] = {
        "get": f"{API}/predictions/{id}",
        "cancel": f"{API}/predictions/{id}/cancel",
    }
    if stream is not None:
        urls["stream"] = stream
    body: dict[str, Any] = {
        "id": id,
        "model": "acme/llm",
        "version": "hidden",
        "input": {"prompt": "hi"},
        "logs": "",
        "error": None,
        "status": status,
        "created_at": "2024-10-04T12:00:00.123Z",
        "urls": urls,
    }
    body.update(extra)
    return body


StreamScript = Sequence[object] | int | httpx.Response


class FakeAPI:
    """A scripted Replicate API for `httpx.MockTransport`, usable by both client colours.

    * ``POST .../predictions`` answers `created` (a prediction body, 201).
    * ``GET /predictions/{id}`` answers the next of `states` (the last one repeats).
    * ``POST /predictions/{id}/cancel`` answers the prediction as canceled.
    * ``GET`` of the stream URL answers the next of `streams`: a list of parts (an SSE body),
      a status code, or a ready response.
    """

    def __init__(
        self,
        *,
        created: dict[str, Any] | None = None,
        states: Sequence[dict[str, Any]] = (),
        streams: Sequence[StreamScript] = (),
        interrupt: _InterruptBase | None = None,
    ) -> None:
        self.created = created if created is not None else prediction_body()
        self.states = list(states)
        self.streams = list(streams)
        self.interrupt = interrupt
        self.requests: list[httpx.Request] = []
        self.sent_before: list[int] = []
        """For each request, how many body parts all SSE bodies had sent before it."""
        self.bodies: list[SSEBody] = []
        self._last = self.created

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        self.sent_before.append(sum(body.sent for body in self.bodies))
        url = str(request.url)
        if url.startswith(STREAM_URL) or request.headers.get("accept") == "text/event-stream":
            return self._stream()
        path = request.url.path
        if request.method == "POST" and path.endswith("/cancel"):
            return httpx.Response(200, json={**self._last, "status": "canceled"})
        if request.method == "POST":
            return httpx.Response(201, json=self.created)
        if request.method == "GET" and path.startswith("/v1/predictions/"):
            return httpx.Response(200, json=self._next_state())
        return httpx.Response(404, json={"detail": f"no route for {request.method} {path}"})

    def _next_state(self) -> dict[str, Any]:
        if self.states:
            self._last = self.states[0]
            if len(self.states) > 1:
                self.states.pop(0)
        return self._last

    def _stream(self) -> httpx.Response:
        if not self.streams:
            raise AssertionError("no more stream connections were scripted")
        script = self.streams.pop(0)
        if isinstance(script, httpx.Response):
            return script
        if isinstance(script, int):
            return httpx.Response(script, json={"detail": "stream refused"})
        body = SSEBody(script, self.interrupt)
        self.bodies.append(body)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=body)

    # -- views for assertions ----------------------------------------------------------------

    def paths(self) -> list[str]:
        """``METHOD path`` of each request, the stream URL shown as ``GET <stream>``."""
        shown: list[str] = []
        for r in self.requests:
            if str(r.url).startswith(STREAM_URL):
                shown.append("GET <stream>")
            else:
                shown.append(f"{r.method} {r.url.path}")
        return shown

    def stream_requests(self) -> list[httpx.Request]:
        """The requests made to the stream URL."""
        return [r for r in self.requests if str(r.url).startswith(STREAM_URL)]

    def cancels(self) -> int:
        """How many cancel requests were made."""
        return sum(1 for r in self.requests if r.url.path.endswith("/cancel"))

    def create_body(self) -> dict[str, Any]:
        """The JSON body of the create request."""
        for r in self.requests:
            if r.method == "POST" and not r.url.path.endswith("/cancel"):
                result: dict[str, Any] = json.loads(r.content)
                return result
        raise AssertionError("no create request was made")


class _InterruptBase:
    triggered = False

    def trigger(self) -> None:
        """Ask for the interruption; it lands at the stream's next read."""
        self.triggered = True


class AsyncInterrupt(_InterruptBase):
    """Runs a body that task cancellation interrupts once the body calls `trigger()`."""

    def __init__(self) -> None:
        self._scope: anyio.CancelScope | None = None

    def trigger(self) -> None:
        super().trigger()
        assert self._scope is not None
        self._scope.cancel()

    async def run(self, body: Callable[[], Awaitable[None]]) -> bool:
        """Run `body`; return whether it was interrupted (the cancellation is absorbed)."""
        with anyio.CancelScope() as scope:
            self._scope = scope
            await body()
        return scope.cancelled_caught


class Interrupt(_InterruptBase):
    """The sync twin: the next read of a `SSEBody` raises KeyboardInterrupt (Ctrl-C)."""

    def run(self, body: Callable[[], None]) -> bool:
        """Run `body`; return whether Ctrl-C interrupted it (the KeyboardInterrupt is absorbed)."""
        try:
            body()
        except KeyboardInterrupt:
            return True
        return False


# -- the emulator, in both colours -------------------------------------------------------------


def streaming_emulator(*, sse_resume: str = "after-id") -> Any:
    """An emulator (real clock) with ``acme/llm``, streaming one chunk per word of `prompt`.

    A prompt word ``fail`` makes the model raise after the words before it. Skips the test when
    ``replicate_async.testing`` is not available.
    """
    import pytest

    pytest.importorskip("replicate_async.testing")
    from replicate_async.testing import Emulator, Log, sleep

    emu = Emulator(sse_resume="replay" if sse_resume == "replay" else "after-id", clock="real")

    @emu.model("acme/llm")
    async def llm(prompt: str) -> AsyncIterator[Any]:
        yield Log("loading")
        for word in prompt.split(" "):
            await sleep(0.01)
            if word == "fail":
                raise RuntimeError("the model gave up")
            yield word + " "

    return emu


def break_stream(emu: Any, *, after_events: int) -> Any:
    """Break the next event stream of `emu` after `after_events` events (once)."""
    import replicate_async.testing as testing

    return emu.faults.add(testing.Fault.break_stream(after_events=after_events, times=1))


class AsyncEmulated:
    """``async with AsyncEmulated(emu) as client``: an `AsyncClient` on the emulator."""

    def __init__(self, emu: Any, **options: Any) -> None:
        self._manager = emu.async_client(**options)

    async def __aenter__(self) -> Any:
        return await self._manager.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        await self._manager.__aexit__(*exc)


class Emulated:
    """``with Emulated(emu) as client``: a sync `Client` on the emulator (its own thread)."""

    def __init__(self, emu: Any, **options: Any) -> None:
        self._emu = emu
        self._manager = emu.client(**options)

    def __enter__(self) -> Any:
        return self._manager.__enter__()

    def __exit__(self, *exc: Any) -> None:
        try:
            self._manager.__exit__(*exc)
        finally:
            self._emu.close()
