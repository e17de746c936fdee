"""The async primitives of the seam on both backends: the limiter and the client-owned jobs.

On asyncio they are asyncio-native (a limiter of futures, a job in an `OwnedTask`); on trio
they are anyio's. The same behaviour is asserted on both.
"""

from __future__ import annotations

import anyio
import anyio.lowlevel
import pytest

from replicate_async._concurrency import AsyncLimiter, AsyncTasks, JobStopped

pytestmark = pytest.mark.anyio


async def test_the_limiter_admits_at_most_its_total() -> None:
    limiter = AsyncLimiter(2)
    assert limiter.total == 2
    inside = 0
    most = 0

    async def holder() -> None:
        nonlocal inside, most
        async with limiter:
            inside += 1
            most = max(most, inside)
            await anyio.sleep(0.01)
            inside -= 1

    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(holder)
    assert most == 2
    assert limiter.free == 2


async def test_the_limiter_serves_waiters_first_come_first_served() -> None:
    limiter = AsyncLimiter(1)
    order: list[int] = []

    async def holder(i: int) -> None:
        async with limiter:
            order.append(i)
            await anyio.sleep(0.005)

    async with anyio.create_task_group() as tg:
        for i in range(6):
            tg.start_soon(holder, i)
            await anyio.wait_all_tasks_blocked()  # each waits before the next arrives
    assert order == list(range(6))
    assert limiter.free == 1


async def test_a_cancelled_waiter_loses_no_slot() -> None:
    limiter = AsyncLimiter(1)
    got: list[str] = []

    async def wait_then_give_up() -> None:
        with anyio.move_on_after(0.02):
            async with limiter:
                got.append("cancelled waiter")

    async with limiter:
        async with anyio.create_task_group() as tg:
            tg.start_soon(wait_then_give_up)
            await anyio.sleep(0.05)
        assert limiter.free == 0
    assert got == []
    assert limiter.free == 1
    with anyio.fail_after(1):
        async with limiter:
            got.append("later")
    assert got == ["later"]


async def test_a_waiter_cancelled_around_its_hand_over_loses_no_slot() -> None:
    limiter = AsyncLimiter(1)
    entered: list[str] = []
    first = anyio.CancelScope()

    async def waiter(name: str, scope: anyio.CancelScope | None) -> None:
        with scope or anyio.CancelScope():
            async with limiter:
                entered.append(name)

    async with anyio.create_task_group() as tg:
        async with limiter:
            tg.start_soon(waiter, "first", first)
            tg.start_soon(waiter, "second", None)
            await anyio.sleep(0.01)
        first.cancel()  # the slot was just handed to "first", which gives up before running
    assert entered[-1] == "second"  # whether or not "first" ran before its cancel landed
    assert limiter.free == 1


async def test_take_nowait_and_give_back() -> None:
    limiter = AsyncLimiter(1)
    owner = object()
    assert limiter.take_nowait(owner)
    assert not limiter.take_nowait(object())
    assert limiter.free == 0
    limiter.give_back(owner)
    assert limiter.free == 1
    async with limiter:
        assert not limiter.take_nowait(owner)


async def test_a_job_returns_its_value_or_raises_its_error() -> None:
    tasks = AsyncTasks()

    async def value() -> int:
        await anyio.lowlevel.checkpoint()
        return 7

    async def fail() -> int:
        await anyio.lowlevel.checkpoint()
        raise ValueError("no")

    assert await tasks.start(value).result() == 7
    job = tasks.start(fail)
    with pytest.raises(ValueError, match="no"):
        await job.result()
    assert isinstance(job.error, ValueError)
    assert job.finished_value() is None


async def test_a_job_outlives_its_callers_cancellation() -> None:
    tasks = AsyncTasks()
    finished: list[str] = []

    async def slow() -> str:
        await anyio.sleep(0.05)
        finished.append("done")
        return "done"

    job = tasks.start(slow)
    with anyio.move_on_after(0.01):
        await job.result()
    assert not job.done()
    with anyio.fail_after(2):
        await tasks.join()
    assert finished == ["done"]
    assert job.finished_value() == "done"
    assert len(tasks) == 0


async def test_a_job_stopped_before_its_first_await_goes_no_further() -> None:
    tasks = AsyncTasks()
    ran: list[str] = []

    async def body() -> None:
        await anyio.lowlevel.checkpoint()  # a job stops at its next await
        ran.append("ran")

    job = tasks.start(body)
    job.cancel()
    with pytest.raises(JobStopped):
        await job.result()
    assert ran == []
    assert job.done()
    assert job.finished_value() is None


async def test_a_deadline_ends_the_wait_not_the_job() -> None:
    from replicate_async._concurrency import AsyncRuntime, DeadlinePassed

    tasks = AsyncTasks()

    async def slow() -> int:
        await anyio.sleep(0.05)
        return 1

    job = tasks.start(slow)
    with pytest.raises(DeadlinePassed):
        await job.result(AsyncRuntime.now() + 0.01)
    with anyio.fail_after(2):
        assert await job.result() == 1


async def test_join_returns_for_jobs_that_just_ended() -> None:
    tasks = AsyncTasks()

    async def quick() -> None:
        return None

    for _ in range(5):
        tasks.start(quick)
    with anyio.fail_after(2):
        await tasks.join()
        await tasks.join()
    assert len(tasks) == 0
