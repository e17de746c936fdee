"""The ways in: the sync transport, forwarding between loops, sockets, the CLI, the clients."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import anyio
import httpx
import pytest

from replicate_async.testing import Emulator, EmulatorServer, Fault, Log

from .conftest import auth
from .sse import parse

# -- sync transport -------------------------------------------------------------------------------


def test_sync_transport_runs_the_emulator_on_its_own_thread(
    emu: Emulator, sync_api: httpx.Client
) -> None:
    held = sync_api.post(
        "/models/demo/sleep/predictions",
        json={"input": {"seconds": 20}},
        headers={"Prefer": "wait"},
    )
    assert held.json()["status"] == "succeeded"
    assert held.headers["preference-applied"] == "wait"
    created = sync_api.post(
        "/models/demo/tokens/predictions", json={"input": {"prompt": "a b c"}}
    ).json()
    with sync_api.stream("GET", created["urls"]["stream"]) as response:
        text = response.read().decode()
    comments, events = parse(text)
    assert comments == ["hi"]
    assert [e.data for e in events if e.event == "output"] == ["a", " b", " c"]
    assert events[-1].event == "done"
    emu.advance_blocking(3601)
    assert sync_api.get(created["urls"]["get"]).json()["data_removed"] is True


def test_sync_stream_break_and_early_close(emu: Emulator, sync_api: httpx.Client) -> None:
    emu.faults.add(Fault.break_stream(after_events=1, times=1))
    created = sync_api.post(
        "/models/demo/tokens/predictions", json={"input": {"prompt": "a b c"}}
    ).json()
    with (
        pytest.raises(httpx.RemoteProtocolError),
        sync_api.stream("GET", created["urls"]["stream"]) as response,
    ):
        response.read()
    with sync_api.stream("GET", created["urls"]["stream"]) as response:
        first = next(response.iter_lines())
    assert first == ": hi"


def test_sync_transport_from_many_threads(emu: Emulator) -> None:
    errors: list[BaseException] = []
    results: list[str] = []

    def worker(i: int) -> None:
        try:
            with httpx.Client(
                transport=emu.sync_transport(), base_url=emu.base_url, headers=auth(emu)
            ) as client:
                response = client.post(
                    "/models/demo/echo/predictions",
                    json={"input": {"text": str(i)}},
                    headers={"Prefer": "wait"},
                )
                results.append(response.json()["output"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [str(i) for i in range(8)]


async def test_async_transport_forwards_to_the_thread_when_not_entered(emu: Emulator) -> None:
    emu.start()
    client = httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    )
    try:
        created = await client.post(
            "/models/demo/tokens/predictions",
            json={"input": {"prompt": "x y"}},
            headers={"Prefer": "wait"},
        )
        assert created.json()["status"] == "succeeded"
        async with client.stream("GET", created.json()["urls"]["stream"]) as response:
            text = (await response.aread()).decode()
        assert parse(text)[1][-1].event == "done"
    finally:
        await client.aclose()
    with pytest.raises(RuntimeError, match="another event loop"):
        async with emu:
            pass


async def test_entering_twice_in_one_loop_nests(emu: Emulator) -> None:
    async with emu, emu:
        async with httpx.AsyncClient(
            transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
        ) as client:
            assert (await client.get("/account")).status_code == 200
    assert not emu.runs_here()


async def test_a_running_prediction_fails_when_the_emulator_stops(emu: Emulator) -> None:
    async with emu.async_client() as client:
        prediction = await client.predictions.create(model="demo/sleep", input={"seconds": 1000})
    state = emu.prediction(prediction.id)
    assert state["status"] == "failed"
    assert state["error"] == "the emulator was shut down"
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as again:
        assert (await again.get(f"/predictions/{prediction.id}")).json()["status"] == "failed"


# -- the SDK's clients ----------------------------------------------------------------------------


async def test_the_documented_example() -> None:
    emu = Emulator()

    @emu.model("acme/llm")
    async def llm(prompt: str) -> AsyncIterator[str | Log]:
        yield Log("loading")
        for word in prompt.split():
            yield word + " "

    async with emu.async_client() as client:
        assert await client.run("acme/llm", input={"prompt": "a b"}) == ["a ", "b "]


async def test_async_client_file_outputs(emu: Emulator) -> None:
    async with emu.async_client() as client:
        images = await client.run("demo/image", input={"width": 8, "height": 4})
        data = await images[0].read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")


def test_sync_client(emu: Emulator) -> None:
    with emu.client() as client:
        assert client.run("demo/echo", input={"text": "sync"}) == "sync"


# -- sockets --------------------------------------------------------------------------------------


@pytest.fixture
def server(emu: Emulator) -> Iterator[EmulatorServer]:
    served = emu.serve()
    yield served
    served.close()


def test_socket_server(emu: Emulator, server: EmulatorServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=server.base_url, headers=auth(emu), timeout=10) as client:
        created = client.post(
            "/models/demo/tokens/predictions", json={"input": {"prompt": "over sockets"}}
        )
        assert created.status_code == 201
        body = created.json()
        assert body["urls"]["get"] == f"{server.base_url}/predictions/{body['id']}"
        assert body["urls"]["stream"].startswith(f"{server.base_url}/streams/")
        with client.stream("GET", body["urls"]["stream"]) as response:
            assert response.headers["content-type"] == "text/event-stream"
            _, events = parse(response.read().decode())
        assert [e.data for e in events if e.event == "output"] == ["over", " sockets"]
        image = client.post(
            "/models/demo/image/predictions", json={"input": {}}, headers={"Prefer": "wait"}
        ).json()
        url = image["output"][0]
        assert url.startswith(f"{server.delivery_url}")
        assert httpx.get(url).headers["content-type"] == "image/png"  # no token needed
        assert (
            client.request(
                "QUERY", "/models", content="echo", headers={"content-type": "text/plain"}
            ).status_code
            == 200
        )
        assert httpx.get(f"{server.base_url}/account").status_code == 401


def test_socket_faults_close_the_connection(emu: Emulator, server: EmulatorServer) -> None:
    emu.faults.add(Fault.drop(before_read=True, route="GET /account", times=1))
    emu.faults.add(Fault.drop(route="POST /predictions", times=1))
    emu.faults.add(Fault.break_stream(after_events=1, times=1))
    with httpx.Client(base_url=server.base_url, headers=auth(emu), timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/account")
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/predictions", json={"version": "demo/echo", "input": {"text": "ghost"}})
        assert [p["input"] for p in client.get("/predictions").json()["results"]] == [
            {"text": "ghost"}
        ]
        created = client.post(
            "/models/demo/tokens/predictions", json={"input": {"prompt": "a b c"}}
        ).json()
        with (
            pytest.raises(httpx.RemoteProtocolError),
            client.stream("GET", created["urls"]["stream"]) as response,
        ):
            response.read()
        assert client.get("/account").status_code == 200


async def test_async_client_over_sockets(emu: Emulator, server: EmulatorServer) -> None:
    async with httpx.AsyncClient(base_url=server.base_url, headers=auth(emu), timeout=10) as client:

        async def create(i: int) -> None:
            response = await client.post(
                "/models/demo/echo/predictions", json={"input": {"text": str(i)}}
            )
            assert response.status_code == 201

        async with anyio.create_task_group() as group:
            for i in range(10):
                group.start_soon(create, i)
        assert len((await client.get("/predictions")).json()["results"]) == 10


def test_cli_serve_prints_the_base_url_and_token() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replicate_async.testing",
            "serve",
            "--port",
            "0",
            "--token",
            "r8_cli_token",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: dict[str, str] = {}
        while len(lines) < 2:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else ""
            key, _, value = line.strip().partition("=")
            if key in ("REPLICATE_BASE_URL", "REPLICATE_API_TOKEN"):
                lines[key] = value
        assert lines["REPLICATE_API_TOKEN"] == "r8_cli_token"
        base = lines["REPLICATE_BASE_URL"]
        response = httpx.post(
            f"{base}/models/demo/echo/predictions",
            json={"input": {"text": "cli"}},
            headers={"Authorization": "Bearer r8_cli_token", "Prefer": "wait"},
            timeout=10,
        )
        assert response.json()["output"] == "cli"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_importing_the_emulator_does_not_import_uvicorn() -> None:
    code = "import sys, replicate_async.testing; print(json.dumps(['uvicorn' in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [False]
    code = (
        "import sys, replicate_async; print(json.dumps(['replicate_async.testing' in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [False]
