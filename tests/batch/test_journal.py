"""The batch journal: resume, re-attach, in-flight intents resolved by listing, refusals."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest

from replicate_async._journal import Journal, fingerprint
from replicate_async.batch import JournalMismatchError, run_batch

from .support import (
    HANG_GUARD,
    MODEL,
    active,
    creates_per_input,
    emulator,
    inputs,
    journal_states,
    until,
)

POLL = 0.02


async def test_a_rerun_returns_finished_items_from_the_journal_without_creating(
    tmp_path: Path,
) -> None:
    emu, _ = emulator()
    journal = tmp_path / "batch.sqlite"
    items = inputs(6)
    items[4]["fail"] = True
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            first = await run_batch(client, MODEL, items, concurrency=3, journal=journal)
            again = await run_batch(client, MODEL, items, concurrency=3, journal=journal)
    assert creates_per_input(emu) == {i: 1 for i in range(6)}
    assert all(r.from_journal for r in again)
    assert [r.output for r in again] == [r.output for r in first] == [0, 2, 4, 6, None, 10]
    assert [r.ok for r in again] == [True, True, True, True, False, True]
    assert type(again[4].error) is type(first[4].error)
    assert again[4].prediction is not None and again[4].prediction.status == "failed"
    assert [r.prediction.id for r in again if r.prediction] == [
        r.prediction.id for r in first if r.prediction
    ]


async def test_a_journal_of_another_batch_is_refused(tmp_path: Path) -> None:
    emu, _ = emulator()
    journal = tmp_path / "batch.sqlite"
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            await run_batch(client, MODEL, inputs(3), journal=journal)
            with pytest.raises(JournalMismatchError, match="other inputs"):
                await run_batch(client, MODEL, inputs(4), journal=journal)
            with pytest.raises(JournalMismatchError, match="other inputs"):
                await run_batch(client, MODEL, inputs(3, d=0.01), journal=journal)
            with pytest.raises(JournalMismatchError, match="acme/other"):
                await run_batch(client, "acme/other", inputs(3), journal=journal)
    assert len(emu.jobs()) == 3


async def test_cancel_on_exit_false_leaves_predictions_for_a_rerun_to_reattach(
    tmp_path: Path,
) -> None:
    emu, work = emulator()
    journal = tmp_path / "batch.sqlite"
    items = inputs(8, hang=True)
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(
                        lambda: run_batch(
                            client,
                            MODEL,
                            items,
                            concurrency=8,
                            journal=journal,
                            cancel_on_exit=False,
                        )
                    )
                    await until(lambda: journal_states(journal)["created"] == 8)
                    scope.cancel()
            assert len(active(emu)) == 8  # left running, on purpose
            work.release.set()
            results = await run_batch(client, MODEL, items, concurrency=8, journal=journal)
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.output for r in results] == [2 * i for i in range(8)]
    assert [r.attempts for r in results] == [0] * 8  # re-attached, not created
    assert creates_per_input(emu) == {i: 1 for i in range(8)}


async def test_predictions_cancelled_by_an_interrupted_run_are_created_again(
    tmp_path: Path,
) -> None:
    emu, work = emulator()
    journal = tmp_path / "batch.sqlite"
    items = inputs(4, hang=True)
    async with emu.async_client(poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(lambda: run_batch(client, MODEL, items, journal=journal))
                    await until(lambda: journal_states(journal)["created"] == 4)
                    scope.cancel()
            assert not active(emu)
            work.release.set()
            results = await run_batch(client, MODEL, items, journal=journal)
    assert all(r.ok for r in results), [r.error for r in results]
    assert creates_per_input(emu) == {i: 2 for i in range(4)}


async def test_an_in_flight_intent_is_resolved_by_listing_predictions(tmp_path: Path) -> None:
    """A run died with creates in flight: intents written, no ids. Item 1's create had reached
    the server (its prediction exists); item 2's had not. A prediction of another model with
    the same input, and one of the same model with another input, must not be taken."""
    emu, _ = emulator()

    @emu.model("acme/other")
    async def other(i: int) -> int:  # pyright: ignore[reportUnusedFunction]
        return -i

    path = tmp_path / "batch.sqlite"
    items = inputs(4)
    async with emu.async_client(poll_interval=POLL) as client:
        decoy_model = await client.predictions.create("acme/other", input={"i": 1})
        decoy_input = await client.predictions.create(MODEL, input={"i": 1, "d": 0.03})
        in_flight = await client.predictions.create(MODEL, input=items[1])
        journal = Journal(path)
        digest, count = fingerprint(items)
        journal.bind(ref=f"model:{MODEL}", digest=digest, count=count)
        journal.apply([Journal.intent(1, time.time()), Journal.intent(2, time.time())])
        journal.close()
        with anyio.fail_after(HANG_GUARD):
            results = await run_batch(client, MODEL, items, journal=path)
    assert all(r.ok for r in results), [r.error for r in results]
    assert results[1].prediction is not None and results[1].prediction.id == in_flight.id
    assert results[1].attempts == 0
    assert results[2].attempts == 1
    ids = {r.prediction.id for r in results if r.prediction}
    assert decoy_model.id not in ids and decoy_input.id not in ids
    # One create per item: item 1's was the one in flight.
    assert creates_per_input(emu) == {0: 1, 1: 3, 2: 1, 3: 1}  # 1: in flight + two decoys
