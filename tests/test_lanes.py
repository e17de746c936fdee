"""The client's default transport: one connection per lane, lanes reused, extra lanes closed.

Checked against a real HTTP/1.1 server on 127.0.0.1 that counts the connections it accepts, on
asyncio, trio and threads; and the client goes through httpx's own client (its proxy mounts)
when the environment names a proxy.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import anyio
import httpx
import pytest

from replicate_async import AsyncClient, Client
from replicate_async._async.lanes import AsyncLanes
from replicate_async._sync.lanes import Lanes

pytestmark = pytest.mark.anyio

TOKEN = "r8_lanes0000000000000000000000000000000000"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def counter(self) -> _Server:
        assert isinstance(self.server, _Server)
        return self.server

    def setup(self) -> None:
        super().setup()
        with self.counter.lock:
            self.counter.connections += 1

    def do_GET(self) -> None:
        with self.counter.lock:
            self.counter.lines.append(self.requestline)
            self.counter.headers.append({k.lower(): v for k, v in self.headers.items()})
        if self.path.startswith("/hold"):
            time.sleep(0.2)
        body = json.dumps({"username": "lanes", "type": "user"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.connections = 0
        self.lines: list[str] = []
        self.headers: list[dict[str, str]] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


async def test_sequential_requests_share_one_connection(server: _Server) -> None:
    lanes = AsyncLanes(keep=4)
    async with httpx.AsyncClient(transport=lanes) as http:
        for _ in range(20):
            assert (await http.get(f"{server.url}/x")).json()["username"] == "lanes"
        assert lanes.open_lanes == 1
    assert server.connections == 1
    assert lanes.open_lanes == 0


async def test_concurrent_requests_take_a_lane_each_and_extra_lanes_close(server: _Server) -> None:
    lanes = AsyncLanes(keep=2)
    async with httpx.AsyncClient(transport=lanes) as http:

        async def one() -> None:
            (await http.get(f"{server.url}/hold")).raise_for_status()

        async with anyio.create_task_group() as tg:
            for _ in range(6):
                tg.start_soon(one)
        assert server.connections == 6
        assert lanes.open_lanes == 2  # the four freed beyond `keep` were closed
        for _ in range(5):
            await one()
        assert server.connections == 6  # the kept lanes were reused
        assert lanes.open_lanes == 2


async def test_a_failed_or_cancelled_request_frees_its_lane(server: _Server) -> None:
    lanes = AsyncLanes(keep=4)
    async with httpx.AsyncClient(transport=lanes) as http:
        with anyio.move_on_after(0.05) as scope:
            await http.get(f"{server.url}/hold")
        assert scope.cancelled_caught
        assert lanes.open_lanes == 1
        assert (await http.get(f"{server.url}/x")).status_code == 200
        assert lanes.open_lanes == 1  # the cancelled request's lane, reused
        for _ in range(2):
            with pytest.raises(httpx.ConnectError):
                await http.get("http://127.0.0.1:9/refused")
        assert lanes.open_lanes == 2  # one lane per origin, freed after each failure
        with pytest.raises(httpx.ConnectError):
            await http.get("https://127.0.0.1:9/refused")  # a TLS lane: its own origin
        assert lanes.open_lanes == 3
    assert server.connections == 2  # the cancelled request's connection was closed


async def test_a_streamed_body_holds_its_lane_until_it_is_closed(server: _Server) -> None:
    lanes = AsyncLanes(keep=4)
    async with httpx.AsyncClient(transport=lanes) as http:
        async with http.stream("GET", f"{server.url}/x") as open_response:
            assert (await http.get(f"{server.url}/x")).status_code == 200
            assert lanes.open_lanes == 2
            await open_response.aread()
        assert (await http.get(f"{server.url}/x")).status_code == 200
        assert lanes.open_lanes == 2
    assert server.connections == 2


async def test_closed_lanes_refuse_new_requests(server: _Server) -> None:
    lanes = AsyncLanes(keep=1)
    async with httpx.AsyncClient(transport=lanes) as http:
        await http.get(f"{server.url}/x")
    with pytest.raises(RuntimeError, match="closed"):
        await lanes.handle_async_request(httpx.Request("GET", f"{server.url}/x"))


def test_threads_take_a_lane_each(server: _Server) -> None:
    lanes = Lanes(keep=3)
    with httpx.Client(transport=lanes) as http:
        with ThreadPoolExecutor(4) as pool:

            def one(_: int) -> int:
                return http.get(f"{server.url}/hold").status_code

            codes = list(pool.map(one, range(8)))
        assert codes == [200] * 8
        assert server.connections >= 4  # four threads held a request at once
        assert lanes.open_lanes == 3  # the fourth lane was closed when freed
    assert lanes.open_lanes == 0


async def test_the_client_sends_on_its_lanes(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: object, **kwargs: object) -> httpx.Response:
        raise AssertionError("the request went through httpx.AsyncClient.send")

    monkeypatch.setattr(httpx.AsyncClient, "send", refuse)
    async with AsyncClient(TOKEN, base_url=f"{server.url}/v1") as client:
        for _ in range(3):
            assert (await client.account.get()).username == "lanes"
    assert server.connections == 1
    assert server.lines == ["GET /v1/account HTTP/1.1"] * 3


async def test_the_client_sends_httpx_default_headers_and_its_own(server: _Server) -> None:
    async with AsyncClient(TOKEN, base_url=f"{server.url}/v1") as client:
        await client.account.get()
    (sent,) = server.headers
    assert sent["authorization"] == f"Bearer {TOKEN}"
    assert sent["accept"] == "application/json"
    assert sent["user-agent"].startswith("replicate-async/")
    assert "gzip" in sent["accept-encoding"]
    assert sent["connection"] == "keep-alive"
    assert sent["host"] == server.url.removeprefix("http://")
    assert "cookie" not in sent


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_a_proxy_named_by_the_environment_is_used(
    server: _Server, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, server.url)
    with Client(TOKEN, base_url="http://api.replicate.invalid/v1") as client:
        assert client.account.get().username == "lanes"
    # The request reached the proxy in absolute form: it went through httpx's proxy transport.
    assert server.lines == ["GET http://api.replicate.invalid/v1/account HTTP/1.1"]
