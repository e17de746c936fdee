"""The asyncio-native limiter, jobs and lanes under asyncio's own cancellation, on a real clock.

`tests/test_seam_async.py` checks the same primitives through anyio's scopes on both backends;
here the cancellation is asyncio's own: ``task.cancel()``, ``asyncio.timeout()``, a failing
``TaskGroup``, and the end of ``asyncio.run()``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from replicate_async._async.lanes import AsyncLanes
from replicate_async._concurrency import AsyncLimiter, AsyncTasks


def test_task_cancel_of_a_waiter_loses_no_slot() -> None:
    async def main() -> None:
        limiter = AsyncLimiter(1)
        async with limiter:
            waiter = asyncio.create_task(limiter.__aenter__())
            await asyncio.sleep(0.01)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert limiter.free == 0
        assert limiter.free == 1
        async with asyncio.timeout(1):
            async with limiter:
                assert limiter.free == 0

    asyncio.run(main())


def test_a_waiter_cancelled_just_after_it_was_handed_the_slot_passes_it_on() -> None:
    async def main() -> None:
        limiter = AsyncLimiter(1)
        entered: list[str] = []

        async def waiter(name: str) -> None:
            async with limiter:
                entered.append(name)

        await limiter.__aenter__()
        first = asyncio.create_task(waiter("first"))
        second = asyncio.create_task(waiter("second"))
        await asyncio.sleep(0.01)  # both wait, in this order
        await limiter.__aexit__(None, None, None)  # the slot goes to "first"...
        first.cancel()  # ...which is cancelled before it runs
        await asyncio.gather(first, second, return_exceptions=True)
        assert first.cancelled()
        assert entered == ["second"]
        assert limiter.free == 1

    asyncio.run(main())


def test_asyncio_timeout_on_a_full_limiter_gives_the_slot_back() -> None:
    async def main() -> None:
        limiter = AsyncLimiter(1)
        got_it: list[bool] = []

        async def later() -> None:
            async with limiter:
                got_it.append(True)

        async def second_holder() -> None:
            async with asyncio.timeout(0.02), limiter:
                pytest.fail("a full limiter admitted a second holder")

        async with limiter:
            with pytest.raises(TimeoutError):
                await second_holder()
            follower = asyncio.create_task(later())
            await asyncio.sleep(0.01)
            assert not got_it
        await asyncio.wait_for(follower, 1)
        assert got_it == [True]
        assert limiter.free == 1

    asyncio.run(main())


def test_a_job_outlives_task_cancel_timeout_and_a_failing_task_group() -> None:
    ended: list[str] = []

    async def main() -> None:
        tasks = AsyncTasks()

        async def slow(name: str) -> str:
            await asyncio.sleep(0.05)
            ended.append(name)
            return name

        waiting = asyncio.create_task(tasks.start(lambda: slow("cancelled caller")).result())
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting

        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.01):
                await tasks.start(lambda: slow("timed-out caller")).result()

        async def fail() -> None:
            await asyncio.sleep(0.01)
            raise RuntimeError("a sibling failed")

        async def group() -> None:
            async with asyncio.TaskGroup() as group:
                group.create_task(tasks.start(lambda: slow("group caller")).result())
                group.create_task(fail())

        with pytest.raises(ExceptionGroup):
            await group()

        assert ended == []  # every caller gave up before its job ended
        await asyncio.wait_for(tasks.join(), 2)

    asyncio.run(main())
    assert sorted(ended) == ["cancelled caller", "group caller", "timed-out caller"]


def test_asyncio_run_waits_for_a_job_left_running() -> None:
    ended: list[float] = []

    async def main() -> None:
        async def slow() -> None:
            await asyncio.sleep(0.1)
            ended.append(time.monotonic())

        AsyncTasks().start(slow)  # nobody waits: the loop's shutdown must not cancel it

    started = time.monotonic()
    asyncio.run(main())
    assert len(ended) == 1
    assert ended[0] - started >= 0.1


class _Slow(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/hold":
            time.sleep(0.3)
        body = b"{}"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@pytest.fixture
def slow_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_task_cancel_and_asyncio_timeout_free_a_lane(slow_server: str) -> None:
    async def main() -> None:
        lanes = AsyncLanes(keep=4)
        async with httpx.AsyncClient(transport=lanes) as http:
            request = asyncio.create_task(http.get(f"{slow_server}/hold"))
            await asyncio.sleep(0.05)
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
            assert lanes.open_lanes == 1
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05):
                    await http.get(f"{slow_server}/hold")
            assert lanes.open_lanes == 1  # the same lane, freed twice
            assert (await http.get(f"{slow_server}/fast")).status_code == 200
            assert lanes.open_lanes == 1

    asyncio.run(main())
