"""Fixtures for the client over the aiohttp transport (extra ``replicate-async[aiohttp]``).

Every test here runs on asyncio only (the transport's one event loop) against servers on
127.0.0.1: the emulator served over a socket, the hostile server of the deadline tests, and a
small recording server that plays another origin. The tests skip when aiohttp is not installed
(``nox -s tests_aiohttp`` installs it): each module skips itself, since a
conftest that skips would stop pytest.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from replicate_async import AsyncClient
from replicate_async._aiohttp import AiohttpTransport  # imports aiohttp only when used
from replicate_async.testing import Emulator, EmulatorServer
from tests.hostile import HostileServer

NEEDS_AIOHTTP = "the aiohttp extra: pip install 'replicate-async[aiohttp]'"

WORDS = [f"w{i}" for i in range(40)]
"""What the streaming model says, one output event per word."""


class CountingTransport(AiohttpTransport):
    """The aiohttp transport, counting the requests it sends (proof that it carried them)."""

    def __init__(self, *, max_connections: int) -> None:
        super().__init__(max_connections=max_connections)
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await super().handle_async_request(request)


@pytest.fixture
def anyio_backend() -> str:
    """aiohttp runs on asyncio only."""
    return "asyncio"


@pytest.fixture
def transport() -> CountingTransport:
    return CountingTransport(max_connections=16)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = Emulator()

    @emulator.model("acme/echo")
    def echo(text: str = "") -> str:
        return text

    @emulator.model("acme/words")
    async def words(count: int = len(WORDS)) -> AsyncIterator[str]:
        for word in WORDS[:count]:
            yield word

    yield emulator
    emulator.close()


@pytest.fixture
def server(emu: Emulator) -> Iterator[EmulatorServer]:
    served = emu.serve()
    yield served
    served.close()


@pytest.fixture
async def client(
    server: EmulatorServer, transport: CountingTransport
) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        api_token=server.api_token, base_url=server.base_url, transport=transport
    ) as made:
        yield made


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as started:
        yield started


class Origin:
    """A small HTTP server on 127.0.0.1 (another origin): records requests, serves set answers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.answers: dict[str, tuple[int, dict[str, str], bytes]] = {}
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                origin.seen.append({k.lower(): v for k, v in self.headers.items()})
                status, headers, body = origin.answers.get(
                    self.path, (404, {"Content-Type": "text/plain"}, b"not here")
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, path: str, body: bytes, **headers: str) -> str:
        self.answers[path] = (200, headers, body)
        return self.base_url + path

    def serve_gzip_json(self, path: str, value: Any) -> str:
        raw = gzip.compress(json.dumps(value).encode())
        self.answers[path] = (
            200,
            {"Content-Type": "application/json", "Content-Encoding": "gzip"},
            raw,
        )
        return self.base_url + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture
def origin() -> Iterator[Origin]:
    made = Origin()
    yield made
    made.close()
