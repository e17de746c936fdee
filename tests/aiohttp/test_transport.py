"""The aiohttp transport on its own: httpx's semantics over aiohttp's wire.

Errors keep the line between *nothing sent* and *maybe sent*, timeouts are honoured, bodies are
decoded once (by httpx) and read as they arrive, proxies come from the environment, and the
transport refuses, clearly, to run anywhere but asyncio or without its extra.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import sys
import threading
from collections.abc import Iterator

import anyio
import httpx
import pytest

from replicate_async import ConfigurationError
from replicate_async._aiohttp import aiohttp_transport

from .conftest import NEEDS_AIOHTTP, Origin

pytest.importorskip("aiohttp", reason=NEEDS_AIOHTTP)

HANG_GUARD = 10.0


def client(**options: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=aiohttp_transport(max_connections=4), **options)  # type: ignore[arg-type]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OneShot:
    """A raw server that reads one request, then runs `script` on the connection."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.proceed = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}/x"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            if self.script == "close":
                return
            if self.script == "two-parts":
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n"
                )
                self.proceed.wait(HANG_GUARD)
                conn.sendall(b"1\r\nb\r\n0\r\n\r\n")
            if self.script == "cut":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")

    def close(self) -> None:
        self.proceed.set()
        self._sock.close()
        self._thread.join(HANG_GUARD)


@pytest.fixture
def one_shot() -> Iterator[type[OneShot]]:
    made: list[OneShot] = []

    def make(script: str) -> OneShot:
        server = OneShot(script)
        made.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


async def test_gzip_is_decoded_once_by_httpx(origin: Origin) -> None:
    url = origin.serve_gzip_json("/data", {"ok": [1, 2, 3]})
    async with client() as http:
        response = await http.get(url)
        assert response.json() == {"ok": [1, 2, 3]}
        async with http.stream("GET", url) as streamed:
            raw = b"".join([chunk async for chunk in streamed.aiter_raw()])
    assert gzip.decompress(raw) == b'{"ok": [1, 2, 3]}'


async def test_bodies_are_read_as_they_arrive(one_shot: type[OneShot]) -> None:
    server = one_shot("two-parts")
    async with client() as http:
        with anyio.fail_after(HANG_GUARD):
            async with http.stream("GET", server.url) as response:
                parts: list[bytes] = []
                async for chunk in response.aiter_raw():
                    parts.append(chunk)
                    server.proceed.set()  # the rest is sent only once the first part arrived
    assert b"".join(parts) == b"ab"


async def test_read_timeout_is_honoured(silent_port: int) -> None:
    async with client() as http:
        with anyio.fail_after(HANG_GUARD):
            with pytest.raises(httpx.ReadTimeout):
                await http.get(
                    f"http://127.0.0.1:{silent_port}/", timeout=httpx.Timeout(5, read=0.2)
                )


async def test_nothing_listening_is_a_connect_error(closed_port: int) -> None:
    async with client() as http:
        with pytest.raises(httpx.ConnectError):
            await http.post(f"http://127.0.0.1:{closed_port}/", content=b"{}")


async def test_a_disconnect_after_sending_is_not_a_connect_error(
    one_shot: type[OneShot],
) -> None:
    """Answered by a closed connection: the request may have been handled (never 'unsent')."""
    server = one_shot("close")
    async with client() as http:
        with pytest.raises(httpx.TransportError) as raised:
            await http.post(server.url, content=b'{"input": {}}')
    assert isinstance(raised.value, httpx.RemoteProtocolError | httpx.ReadError)
    assert not isinstance(raised.value, httpx.ConnectError | httpx.ConnectTimeout)


async def test_a_body_cut_short_is_a_protocol_error(one_shot: type[OneShot]) -> None:
    server = one_shot("cut")
    async with client() as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get(server.url)


async def test_proxies_come_from_the_environment(
    origin: Origin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", origin.base_url)
    origin.answers["http://api.example.test/v1/account"] = (200, {}, b"via the proxy")
    async with client() as http:
        response = await http.get("http://api.example.test/v1/account")
    assert response.text == "via the proxy"


async def test_no_proxy_is_honoured(
    origin: Origin, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    url = origin.serve("/direct", b"direct")
    async with client() as http:
        assert (await http.get(url)).text == "direct"


async def test_reopens_after_aclose(origin: Origin) -> None:
    url = origin.serve("/again", b"again")
    transport = aiohttp_transport(max_connections=2)
    for _ in range(2):
        async with httpx.AsyncClient(transport=transport) as http:
            assert (await http.get(url)).text == "again"


def test_one_transport_across_event_loops(origin: Origin) -> None:
    """A second ``asyncio.run()`` gets a new session; the old loop's is dropped quietly."""
    url = origin.serve("/loops", b"loops")
    transport = aiohttp_transport(max_connections=2)

    async def fetch() -> str:
        http = httpx.AsyncClient(transport=transport)
        return (await http.get(url)).text

    assert asyncio.run(fetch()) == "loops"
    assert asyncio.run(fetch()) == "loops"

    async def close() -> None:
        await transport.aclose()

    asyncio.run(close())


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_trio_is_refused_clearly(origin: Origin) -> None:
    url = origin.serve("/trio", b"no")
    async with client() as http:
        with pytest.raises(ConfigurationError, match=r"asyncio only.*trio"):
            await http.get(url)


def test_max_connections_must_be_positive() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="max_connections"):
            aiohttp_transport(max_connections=bad)  # type: ignore[arg-type]


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    with pytest.raises(ConfigurationError, match=r"replicate-async\[aiohttp\]"):
        aiohttp_transport(max_connections=4)
