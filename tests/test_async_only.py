"""Behaviour that exists only in async code: task cancellation, event loops, the default client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
import httpx
import pytest
import trio

import replicate_async
from replicate_async import AsyncClient
from replicate_async._async.default import _clients  # pyright: ignore[reportPrivateUsage]

TOKEN = "r8_AsyncOnlyTests"


def prediction(status: str) -> dict[str, Any]:
    return {
        "id": "p1",
        "status": status,
        "urls": {"get": "https://api.replicate.com/v1/predictions/p1"},
    }


class Server:
    """A MockTransport handler: predictions never finish until cancelled."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        if request.url.path.endswith("/cancel"):
            return httpx.Response(200, json=prediction("canceled"))
        if request.method == "POST":
            return httpx.Response(201, json=prediction("starting"))
        return httpx.Response(200, json=prediction("processing"))


async def test_cancelling_the_task_cancels_the_prediction() -> None:
    server = Server()
    async with AsyncClient(
        TOKEN, transport=httpx.MockTransport(server), poll_interval=0.001
    ) as client:
        with anyio.move_on_after(0.1):
            await client.run("acme/slow", input={})
    assert server.requests[0] == "POST /v1/models/acme/slow/predictions"
    assert server.requests[-1] == "POST /v1/predictions/p1/cancel"


async def test_cancel_on_exit_false_leaves_the_prediction_running() -> None:
    server = Server()
    scope = anyio.CancelScope()

    def poll_then_cancel(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            scope.cancel()  # the caller is cancelled once the prediction exists and is followed
        return server(request)

    async with AsyncClient(
        TOKEN, transport=httpx.MockTransport(poll_then_cancel), poll_interval=0.001
    ) as client:
        with anyio.fail_after(10), scope:  # a hang guard, not a timing assertion
            await client.run("acme/slow", input={}, cancel_on_exit=False)
    assert scope.cancelled_caught
    # A prediction was created and followed, and nothing after the cancellation cancelled it.
    assert server.requests == [
        "POST /v1/models/acme/slow/predictions",
        "GET /v1/predictions/p1",
    ]


def test_gather_cancellation_cancels_every_prediction() -> None:
    server = Server()

    async def main() -> None:
        async with AsyncClient(
            TOKEN, transport=httpx.MockTransport(server), poll_interval=0.001
        ) as client:
            jobs = asyncio.gather(*(client.run("acme/slow", input={"i": i}) for i in range(5)))
            await asyncio.sleep(0.05)
            jobs.cancel()
            with pytest.raises(asyncio.CancelledError):
                await jobs

    asyncio.run(main())
    creates = [r for r in server.requests if r.endswith("/predictions")]
    cancels = [r for r in server.requests if r.endswith("/cancel")]
    assert len(creates) == 5
    assert len(cancels) == 5


def test_default_client_per_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)

    async def current() -> AsyncClient:
        return replicate_async.default_client()

    first = asyncio.run(current())
    second = asyncio.run(current())
    assert first is not second
    # The first loop is closed, so its client was dropped rather than reused.
    assert first not in _clients.values()

    async def same_loop() -> tuple[AsyncClient, AsyncClient]:
        a = replicate_async.default_client()
        b = replicate_async.default_client()
        await replicate_async.aclose()
        return a, b

    a, b = asyncio.run(same_loop())
    assert a is b and a.is_closed
    on_trio = trio.run(current)
    assert isinstance(on_trio, AsyncClient)


def test_module_level_api_outside_a_loop_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match=r"in sync code use replicate_async\.sync\.run"):
        replicate_async.default_client()


def test_module_level_run_across_repeated_asyncio_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    answers: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        answers.append(json.loads(request.content)["input"]["n"])
        return httpx.Response(201, json={**prediction("succeeded"), "output": "ok"})

    real_init = AsyncClient.__init__

    def with_transport(self: AsyncClient, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("transport", httpx.MockTransport(handler))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(AsyncClient, "__init__", with_transport)
    for n in ("1", "2", "3"):
        assert asyncio.run(replicate_async.run("acme/echo", input={"n": n})) == "ok"
    assert answers == ["1", "2", "3"]


def test_explicit_client_rebuilds_its_pool_on_a_new_loop() -> None:
    server = Server()
    client = AsyncClient(TOKEN, transport=httpx.MockTransport(server))

    async def get() -> str:
        return (await client.predictions.get("p1")).status

    assert asyncio.run(get()) == "processing"
    assert asyncio.run(get()) == "processing"
    assert trio.run(get) == "processing"
