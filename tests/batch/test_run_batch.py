"""run_batch and as_completed against the emulator, on asyncio and trio."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from replicate_async import (
    AuthenticationError,
    PredictionFailedError,
    PredictionTimeoutError,
)
from replicate_async.batch import BatchProgress, BatchResult, as_completed, run_batch
from replicate_async.testing import Fault

from .support import HANG_GUARD, MODEL, active, creates_per_input, emulator, inputs, until

POLL = 0.02


async def test_results_come_in_input_order_and_one_failure_loses_nothing() -> None:
    emu, _ = emulator()
    # Later inputs finish first, so completion order is the reverse of input order.
    items: list[dict[str, Any]] = [{"i": i, "d": 0.02 * (6 - i)} for i in range(6)]
    items[2]["fail"] = True
    seen: list[BatchProgress] = []
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(client, MODEL, items, concurrency=6, on_progress=seen.append)
    assert [r.index for r in results] == list(range(6))
    assert [r.input for r in results] == items
    assert [r.ok for r in results] == [True, True, False, True, True, True]
    assert [r.output for r in results if r.ok] == [0, 2, 6, 8, 10]
    failed = results[2]
    assert isinstance(failed.error, PredictionFailedError)
    assert failed.prediction is not None and failed.prediction.status == "failed"
    assert all(
        r.prediction is not None and r.prediction.status == "succeeded" for r in results if r.ok
    )
    assert seen[-1] == BatchProgress(total=6, queued=0, running=0, succeeded=5, failed=1)
    assert max(p.running for p in seen) <= 6
    assert creates_per_input(emu) == {i: 1 for i in range(6)}


async def test_concurrency_bounds_the_items_in_progress() -> None:
    emu, _ = emulator()
    seen: list[BatchProgress] = []
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(
                client, MODEL, inputs(12, d=0.05), concurrency=3, on_progress=seen.append
            )
    assert all(r.ok for r in results)
    assert max(p.running for p in seen) == 3


async def test_a_per_item_timeout_cancels_that_prediction_and_fails_only_that_item() -> None:
    emu, _ = emulator()
    items = inputs(4)
    items[1]["hang"] = True
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(client, MODEL, items, concurrency=4, timeout=1.0)
    assert [r.ok for r in results] == [True, False, True, True]
    error = results[1].error
    assert isinstance(error, PredictionTimeoutError)
    assert emu.prediction(error.prediction.id)["status"] == "canceled"
    assert not active(emu)


async def test_retries_make_a_new_prediction_for_a_failed_item() -> None:
    emu, work = emulator()
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(client, MODEL, inputs(5, fail_first=True), retries=1)
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.attempts for r in results] == [2] * 5
    assert creates_per_input(emu) == {i: 2 for i in range(5)}
    assert work.calls == {i: 2 for i in range(5)}


async def test_without_retries_a_failed_item_stays_failed() -> None:
    emu, _ = emulator()
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(client, MODEL, inputs(3, fail_first=True))
    assert [r.ok for r in results] == [False] * 3
    assert creates_per_input(emu) == {i: 1 for i in range(3)}


@pytest.mark.parametrize("journaled", [False, True], ids=["plain", "journal"])
async def test_a_429_storm_with_retry_after_completes_every_item_exactly_once(
    journaled: bool, tmp_path: Any
) -> None:
    emu, _ = emulator()
    storm = emu.faults.add(
        Fault.rate_limit(retry_after=1, route="POST /models/{owner}/{name}/predictions", times=12)
    )
    journal = tmp_path / "batch.sqlite" if journaled else None
    async with emu.async_client(poll_interval=POLL, max_retries=20) as client:
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(client, MODEL, inputs(10), concurrency=10, journal=journal)
    assert emu.faults.fired(storm) == 12
    assert all(r.ok for r in results), [r.error for r in results]
    assert creates_per_input(emu) == {i: 1 for i in range(10)}


@pytest.mark.parametrize("journaled", [False, True], ids=["plain", "journal"])
async def test_cancelling_the_batch_midway_leaves_no_prediction_running(
    journaled: bool, tmp_path: Any
) -> None:
    emu, _ = emulator()
    # Slow cancels: the batch must wait for them before it returns.
    emu.faults.add(Fault.delay(0.3, route="POST /predictions/{id}/cancel"))
    journal = tmp_path / "batch.sqlite" if journaled else None
    returned: list[list[BatchResult]] = []
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            async with anyio.create_task_group() as group:

                async def batch() -> None:
                    returned.append(
                        await run_batch(
                            client, MODEL, inputs(30, hang=True), concurrency=6, journal=journal
                        )
                    )

                group.start_soon(batch)
                await until(lambda: len(active(emu)) >= 6)
                group.cancel_scope.cancel()
            # The batch has returned: its cancels are done, before the client is closed.
            still = active(emu)
    assert not returned
    assert not still, f"{len(still)} predictions left running"
    assert 6 <= len(emu.jobs()) < 30


async def test_account_errors_stop_the_batch_and_are_raised() -> None:
    emu, _ = emulator()
    emu.faults.add(Fault.status(401, route="POST /models/{owner}/{name}/predictions", after=3))
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD), pytest.raises(AuthenticationError):
            await run_batch(client, MODEL, inputs(20, d=0.05), concurrency=2)
    assert not active(emu)
    assert len(emu.jobs()) < 20


async def test_as_completed_yields_in_completion_order() -> None:
    emu, _ = emulator()
    # A quarter of a second between finishes: far more than a loaded machine's jitter.
    items = [{"i": i, "d": 0.25 * (4 - i)} for i in range(4)]
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            async with as_completed(client, MODEL, items, concurrency=4) as results:
                order = [r.index async for r in results]
    assert sorted(order) == [0, 1, 2, 3]
    assert order[0] == 3 and order[-1] == 0


async def test_leaving_as_completed_early_cancels_the_rest() -> None:
    emu, _ = emulator()
    items = inputs(12, hang=True)
    items[0]["hang"] = items[1]["hang"] = False
    got: list[BatchResult] = []
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            async with as_completed(client, MODEL, items, concurrency=5) as results:
                async for r in results:
                    got.append(r)
                    if len(got) == 2:
                        break
            still = active(emu)
    assert sorted(r.index for r in got) == [0, 1]
    assert not still, f"{len(still)} predictions left running"
    assert len(emu.jobs()) < 12


async def test_bad_arguments_are_refused_before_anything_is_sent() -> None:
    emu, _ = emulator()
    async with emu.async_client() as client:
        with pytest.raises(ValueError, match="concurrency"):
            await run_batch(client, MODEL, inputs(2), concurrency=0)
        with pytest.raises(ValueError, match="journal"):
            await run_batch(client, MODEL, inputs(2), cancel_on_exit=False)
        with pytest.raises(TypeError, match=r"inputs\[1\]"):
            await run_batch(client, MODEL, [{"i": 0}, "x"])  # type: ignore[list-item]
    assert not emu.jobs()
