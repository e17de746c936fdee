"""Real sockets: the emulator as an ASGI app served by uvicorn on the emulator's own thread.

uvicorn comes with the ``replicate-async[emulator]`` extra and is imported here only, lazily.
One origin serves everything: the API under ``/v1``, event streams under ``/v1/streams/``,
output files under ``/delivery/`` (no token needed) and prediction pages under ``/p/``.
Connection faults close the socket without an answer (a drop before the request body is read
happens before it is read); a broken stream closes it mid-body.
"""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio

from ._app import Request, Response
from ._core import socket_surface
from ._events import StreamBrokenError
from ._transport import fault_route

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["EmulatorServer", "asgi_app", "start_server"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _abort(send: Send) -> bool:
    """Close the connection under uvicorn without an answer (True when it could)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    abort = getattr(transport, "abort", None)
    if abort is None:
        return False
    abort()
    return True


def asgi_app(emulator: Emulator) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The emulator as an ASGI 3 application (its URLs use the socket surface)."""
    core = emulator.core

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        surface = core.socket
        if surface is None:
            server = scope.get("server") or ("127.0.0.1", 0)
            surface = socket_surface(str(server[0]), int(server[1]))
        method: str = scope["method"]
        path: str = scope["path"]
        fired = core.faults.match(method, fault_route(path))
        if fired.delay > 0:
            await anyio.sleep(fired.delay)
        if fired.drop_before:
            if _abort(send):
                return
            raise ConnectionAbortedError("dropped by an emulator fault")
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        headers: dict[str, str] = {}
        for raw_key, raw_value in scope["headers"]:
            key = raw_key.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if fired.response is not None:
            status, extra, raw = fired.response
            response = Response(status, list(extra), raw)
        else:
            request = Request(
                method,
                path,
                scope["query_string"].decode("latin-1"),
                headers,
                b"".join(chunks),
                surface,
            )
            response = await emulator.app.handle(request, fired)
        if fired.drop_after:
            if response.stream is not None:
                await _close(response.stream)
            if _abort(send):
                return
            raise ConnectionAbortedError("dropped by an emulator fault")
        head = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
        if response.stream is None:
            if not any(k == b"content-length" for k, _ in head):
                head.append((b"content-length", str(len(response.body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": head})
            await send({"type": "http.response.body", "body": response.body})
            return
        await send({"type": "http.response.start", "status": response.status, "headers": head})
        await _send_stream(response, receive, send)

    return app


async def _close(stream: Any) -> None:
    close = getattr(stream, "aclose", None)
    if close is not None:
        with anyio.CancelScope(shield=True):
            await close()


async def _send_stream(response: Response, receive: Receive, send: Send) -> None:
    stream = response.stream
    assert stream is not None
    broken = False
    async with anyio.create_task_group() as group:

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    group.cancel_scope.cancel()
                    return

        group.start_soon(watch)
        try:
            async for chunk in stream:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except StreamBrokenError:
            broken = True
        finally:
            await _close(stream)
            group.cancel_scope.cancel()
    if broken and not _abort(send):
        raise ConnectionAbortedError("stream broken by an emulator fault")


class EmulatorServer:
    """A running socket server of an `Emulator`; ``close()`` stops it."""

    def __init__(self, emulator: Emulator, host: str, port: int, server: Any) -> None:
        self._emulator = emulator
        self._server = server
        self.host: str = host
        """The bound interface."""
        self.port: int = port
        """The bound port."""
        self.base_url: str = socket_surface(host, port).api_base
        """The API base URL, ``http://127.0.0.1:<port>/v1``."""
        self.delivery_url: str = socket_surface(host, port).delivery_base
        """The prefix of output-file URLs on this server."""
        self.api_token: str = emulator.api_token
        """The token the emulator accepts."""
        self._done: anyio.Event | None = None

    def close(self) -> None:
        """Stop serving (open connections are closed)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._emulator.forget_server(self)
        if self._emulator.core.socket is not None and self._emulator.core.socket.api_base == (
            self.base_url
        ):
            self._emulator.core.socket = None
        portal = self._emulator.portal()

        async def stop() -> None:
            server.should_exit = True
            if self._done is not None:
                with anyio.move_on_after(5):
                    await self._done.wait()

        portal.call(stop)

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmulatorServer(base_url={self.base_url!r})"


def start_server(emulator: Emulator, *, host: str, port: int) -> EmulatorServer:
    """Start uvicorn for `emulator` on its own thread and return once it listens."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "serving the emulator over sockets needs uvicorn: pip install "
            "'replicate-async[emulator]'"
        ) from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, a response's head and body go out as two
    # segments and Nagle plus delayed ACKs add about 40 ms to every request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    bound_port = int(sock.getsockname()[1])
    emulator.core.socket = socket_surface(host, bound_port)
    config = uvicorn.Config(
        asgi_app(emulator),
        lifespan="off",
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        server_header=False,
        date_header=True,
        http="auto",
        ws="none",
        timeout_keep_alive=30,
        backlog=2048,
    )
    server = uvicorn.Server(config)
    handle = EmulatorServer(emulator, host, bound_port, server)
    portal = emulator.portal()

    async def launch() -> None:
        handle._done = anyio.Event()  # pyright: ignore[reportPrivateUsage]
        done = handle._done  # pyright: ignore[reportPrivateUsage]

        async def run() -> None:
            try:
                await server.serve(sockets=[sock])
            finally:
                done.set()

        emulator.core.spawn(run)
        while not server.started and not done.is_set():  # noqa: ASYNC110 - uvicorn offers no event
            await anyio.sleep(0.005)
        if not server.started:
            raise RuntimeError("uvicorn failed to start")

    portal.call(launch)
    return handle
