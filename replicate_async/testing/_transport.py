"""httpx transports that talk to the emulator in process: no sockets, streaming included.

`AsyncEmulatorTransport` serves requests in the caller's event loop (asyncio or trio) when the
emulator runs there; otherwise it forwards them to the emulator's own loop thread.
`EmulatorTransport` (sync) always forwards to that thread through a blocking portal. Both apply
the connection-level faults: a drop before the request is read raises ``httpx.ConnectError``, a
drop after it ``httpx.RemoteProtocolError``; a delay longer than the request's read timeout
raises ``httpx.ReadTimeout`` (at once with a virtual clock); a broken stream raises
``httpx.RemoteProtocolError`` mid-body; reading a stalled stream times out with
``httpx.ReadTimeout`` after the read timeout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, cast

import anyio
import anyio.lowlevel
import anyio.to_thread
import httpx

from ._app import Request, Response
from ._core import DELIVERY_HOST, IN_PROCESS
from ._events import StreamBrokenError

if TYPE_CHECKING:
    from anyio.from_thread import BlockingPortal

    from ._emulator import Emulator

__all__ = ["AsyncEmulatorTransport", "EmulatorTransport", "fault_route", "normalise_path"]

_BROKEN = "peer closed connection without sending complete message body (incomplete chunked read)"


def normalise_path(host: str, path: str) -> str:
    """The app path of an in-process request: delivery-host paths live under /delivery/."""
    if host == DELIVERY_HOST:
        return "/delivery" + path
    return path


def fault_route(path: str) -> str:
    """The path a fault route template is matched against (API paths without /v1)."""
    if path == "/v1" or path.startswith("/v1/"):
        return path[3:] or "/"
    return path


def _headers(request: httpx.Request) -> dict[str, str]:
    found: dict[str, str] = {}
    for raw_key, raw_value in request.headers.raw:
        key = raw_key.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        found[key] = f"{found[key]}, {value}" if key in found else value
    return found


def _read_timeout(request: httpx.Request) -> float | None:
    timeout: Any = request.extensions.get("timeout")
    if isinstance(timeout, dict):
        value = cast("dict[str, float | None]", timeout).get("read")
        return float(value) if value is not None else None
    return None


class _Served:
    """A response produced on the emulator's loop, with its stream still to be read there."""

    __slots__ = ("body", "headers", "status", "stream")

    def __init__(self, response: Response) -> None:
        self.status = response.status
        self.headers = response.headers
        self.body = response.body
        self.stream = response.stream


async def serve_httpx(emulator: Emulator, request: httpx.Request, body: bytes | None) -> _Served:
    """Serve one httpx request on the emulator's loop; `body` None means read it here."""
    core = emulator.core
    await anyio.lowlevel.checkpoint()  # like network I/O, every request lets other tasks run
    url = request.url
    host = url.host
    path = normalise_path(host, url.path)
    fired = core.faults.match(request.method, fault_route(path))
    if fired.delay > 0:
        read_timeout = _read_timeout(request)
        too_slow = read_timeout is not None and fired.delay > read_timeout
        if core.clock.virtual:
            await anyio.lowlevel.checkpoint()
        else:
            await anyio.sleep(
                min(fired.delay, read_timeout) if too_slow and read_timeout else fired.delay
            )
        if too_slow:
            raise httpx.ReadTimeout(
                "timed out (a slow answer injected by an emulator fault)", request=request
            )
    if fired.drop_before:
        raise httpx.ConnectError(
            "connection dropped by an emulator fault before the request was read", request=request
        )
    if body is None:
        body = await request.aread()
    if fired.response is not None:
        status, headers, raw = fired.response
        response = Response(status, list(headers), raw)
    else:
        surface = IN_PROCESS
        app_request = Request(
            request.method, path, url.query.decode("latin-1"), _headers(request), body, surface
        )
        # The answer must come within the read timeout, as over a socket; a hold or a slow
        # model past it leaves the server-side work done and the client with ReadTimeout.
        answer: Response | None = None
        with anyio.move_on_after(_read_timeout(request)):
            answer = await emulator.app.handle(app_request, fired)
        if answer is None:
            raise httpx.ReadTimeout("timed out waiting for the emulator's answer", request=request)
        response = answer
    if fired.drop_after:
        if response.stream is not None:
            await _aclose(response.stream)
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response (an emulator fault).",
            request=request,
        )
    return _Served(response)


async def _aclose(stream: AsyncIterator[bytes]) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        with anyio.CancelScope(shield=True):
            await close()


async def next_chunk(
    stream: AsyncIterator[bytes], read_timeout: float | None, request: httpx.Request
) -> bytes | None:
    """The next chunk of a response stream (None at the end), mapping failures to httpx's."""
    try:
        with anyio.fail_after(read_timeout):
            return await stream.__anext__()
    except StopAsyncIteration:
        return None
    except TimeoutError:
        await _aclose(stream)
        raise httpx.ReadTimeout("timed out reading the response body", request=request) from None
    except StreamBrokenError:
        raise httpx.RemoteProtocolError(_BROKEN, request=request) from None


def _response(served: _Served, request: httpx.Request, stream: Any) -> httpx.Response:
    headers = list(served.headers)
    if stream is None:
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("content-length", str(len(served.body))))
        return httpx.Response(served.status, headers=headers, content=served.body, request=request)
    return httpx.Response(served.status, headers=headers, stream=stream, request=request)


class _Body:
    """An answer's body being read: the app's chunks, with the request's read timeout."""

    def __init__(self, stream: AsyncIterator[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request
        self._timeout = _read_timeout(request)

    async def next(self) -> bytes | None:
        """The next chunk, or None at the end."""
        return await next_chunk(self._stream, self._timeout, self._request)

    async def aclose(self) -> None:
        """Stop reading."""
        await _aclose(self._stream)


class _AsyncLocalStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterator[bytes], request: httpx.Request) -> None:
        self._body = _Body(stream, request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (chunk := await self._body.next()) is not None:
            yield chunk

    async def aclose(self) -> None:
        await self._body.aclose()


class _AsyncForwardedStream(httpx.AsyncByteStream):
    def __init__(
        self, portal: BlockingPortal, stream: AsyncIterator[bytes], request: httpx.Request
    ) -> None:
        self._portal = portal
        self._body = _Body(stream, request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while (
            chunk := await anyio.to_thread.run_sync(self._portal.call, self._body.next)
        ) is not None:
            yield chunk

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(self._portal.call, self._body.aclose)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` serving requests from an `Emulator` in process.

    Entering the httpx client (``async with httpx.AsyncClient(transport=t)``) enters the
    emulator too, so its models run as tasks of the current event loop. Without that the
    emulator is started on its own thread at the first request.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._entered = 0

    async def __aenter__(self) -> AsyncEmulatorTransport:
        await self._emulator.__aenter__()
        self._entered += 1
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        if self._entered:
            self._entered -= 1
            await self._emulator.__aexit__(exc_type, exc, tb)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request."""
        emulator = self._emulator
        if emulator.runs_here():
            served = await serve_httpx(emulator, request, None)
            local = None if served.stream is None else _AsyncLocalStream(served.stream, request)
            return _response(served, request, local)
        body = await request.aread()
        portal = await anyio.to_thread.run_sync(emulator.portal)
        served = await anyio.to_thread.run_sync(portal.call, serve_httpx, emulator, request, body)
        stream = (
            None if served.stream is None else _AsyncForwardedStream(portal, served.stream, request)
        )
        return _response(served, request, stream)

    async def aclose(self) -> None:
        """Nothing to release (the emulator outlives its transports)."""


class _SyncStream(httpx.SyncByteStream):
    def __init__(
        self, portal: BlockingPortal, stream: AsyncIterator[bytes], request: httpx.Request
    ) -> None:
        self._portal = portal
        self._body = _Body(stream, request)

    def __iter__(self) -> Iterator[bytes]:
        while (chunk := self._portal.call(self._body.next)) is not None:
            yield chunk

    def close(self) -> None:
        self._portal.call(self._body.aclose)


class EmulatorTransport(httpx.BaseTransport):
    """An ``httpx.BaseTransport`` (sync) serving requests from an `Emulator` in process.

    The emulator runs on its own event-loop thread (started on first use); each request blocks
    the calling thread until the emulator answers, so ``Prefer: wait`` holds and streams work.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve one request."""
        body = request.read()
        portal = self._emulator.portal()
        served = portal.call(serve_httpx, self._emulator, request, body)
        stream = None if served.stream is None else _SyncStream(portal, served.stream, request)
        return _response(served, request, stream)

    def close(self) -> None:
        """Nothing to release (the emulator outlives its transports)."""
