"""Issue 8, item 2: 200 `run()` calls on one client, cancelled midway, against the emulator.

The client allows 8 requests in flight, so most creates wait in its queue; each create takes
0.1 s to be answered (an emulator delay fault, real clock), and the model never finishes. Once
50 creates have been sent, the whole batch is cancelled (an anyio task group on both backends,
and `asyncio.gather` on asyncio). Then:

- no create is sent after the cancellation (a create already in flight is finished, not
  repeated: its prediction is cancelled instead);
- once `aclose()` has returned, no prediction is ``starting`` or ``processing``;
- the cancelled batch gives control back promptly (a generous hang guard, not a timing test).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import anyio
import httpx
import pytest

from replicate_async import AsyncClient
from replicate_async.testing import Emulator, Fault

from .support import POLL, until

pytestmark = pytest.mark.deadlines

CALLS = 200
CANCEL_AT = 50
MAX_CONCURRENCY = 8
HANG_GUARD = 10.0
ACTIVE = frozenset({"starting", "processing"})


class CountingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the emulator, noting when each prediction create was sent."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.creates: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/slow/predictions"):
            self.creates.append(time.monotonic())
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def slow_emulator() -> Emulator:
    emu = Emulator(clock="real")

    @emu.model("acme/slow")
    async def slow() -> str:  # pyright: ignore[reportUnusedFunction]
        await anyio.sleep_forever()
        return "never"  # pragma: no cover

    emu.faults.add(Fault.delay(0.1, route="POST /models/{owner}/{name}/predictions"))
    return emu


Call = Callable[[], Coroutine[Any, Any, object]]
Canceller = Callable[["CountingTransport", Call], Awaitable[float]]
"""Starts the calls, cancels them once `CANCEL_AT` creates were sent; returns when it cancelled."""


async def batch(cancel_midway: Canceller) -> None:
    emu = slow_emulator()
    async with emu:
        transport = CountingTransport(emu.async_transport())
        client = AsyncClient(
            emu.api_token,
            base_url=emu.base_url,
            transport=transport,
            max_concurrency=MAX_CONCURRENCY,
            poll_interval=POLL,
        )

        async def one() -> object:
            return await client.run("acme/slow", input={}, wait=False)

        try:
            started = time.monotonic()
            with anyio.fail_after(HANG_GUARD):
                cancelled_at = await cancel_midway(transport, one)
            assert time.monotonic() - started < HANG_GUARD
        finally:
            with anyio.fail_after(HANG_GUARD):
                await client.aclose()
        sent = list(transport.creates)
        jobs = emu.jobs()
        left_running = [job.id for job in jobs if job.status in ACTIVE]
    assert CANCEL_AT <= len(sent) < CALLS
    late = [t for t in sent if t > cancelled_at]
    assert not late, f"{len(late)} creates were sent after the cancellation"
    assert len(jobs) == len(sent), (
        f"{len(sent) - len(jobs)} creates were abandoned in flight (a real server would have "
        "made those predictions, and nobody would cancel them)"
    )
    assert not left_running, f"{len(left_running)} predictions left running: {left_running[:5]}"


async def cancel_task_group(transport: CountingTransport, one: Call) -> float:
    cancelled_at = 0.0
    async with anyio.create_task_group() as group:
        for _ in range(CALLS):
            group.start_soon(one)
        await until(lambda: len(transport.creates) >= CANCEL_AT)
        cancelled_at = time.monotonic()
        group.cancel_scope.cancel()
    return cancelled_at


async def cancel_gather(transport: CountingTransport, one: Call) -> float:
    gathered = asyncio.gather(*(one() for _ in range(CALLS)))
    await until(lambda: len(transport.creates) >= CANCEL_AT)
    cancelled_at = time.monotonic()
    gathered.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gathered
    return cancelled_at


async def test_cancelled_task_group_of_runs_sends_nothing_more_and_leaves_nothing_running() -> None:
    await batch(cancel_task_group)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_cancelled_gather_of_runs_sends_nothing_more_and_leaves_nothing_running() -> None:
    await batch(cancel_gather)
