"""run_batch_sync: a batch from sync code, on an event loop of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from replicate_async import Client, PredictionFailedError
from replicate_async.batch import run_batch_sync

from .support import MODEL, creates_per_input, emulator, inputs


def test_a_sync_client_lends_its_settings_and_results_match_the_async_form(
    tmp_path: Path,
) -> None:
    emu, _ = emulator()
    items = inputs(5)
    items[3]["fail"] = True
    journal = tmp_path / "batch.sqlite"
    with emu, emu.serve() as server:
        with Client(emu.api_token, base_url=server.base_url, poll_interval=0.02) as client:
            results = run_batch_sync(client, MODEL, items, concurrency=2, journal=journal)
            again = run_batch_sync(client, MODEL, items, concurrency=2, journal=journal)
    assert [r.index for r in results] == list(range(5))
    assert [r.output for r in results] == [0, 2, 4, None, 8]
    assert isinstance(results[3].error, PredictionFailedError)
    assert all(r.from_journal for r in again)
    assert creates_per_input(emu) == {i: 1 for i in range(5)}


def test_a_client_with_its_own_transport_is_refused_with_advice() -> None:
    emu, _ = emulator()
    with emu, emu.client() as client:
        with pytest.raises(ValueError, match="function that returns an AsyncClient"):
            run_batch_sync(client, MODEL, inputs(2))
    assert not emu.jobs()
