"""A journaled batch killed with SIGKILL midway, then rerun: every item done, one create each.

The batch runs in a child process against the served emulator. Once a few items are finished
in its journal, the child is killed (no cleanup of any kind runs). The rerun, in this process
through the sync entry point, completes every item; the emulator saw exactly one create per
input: finished items came from the journal, running ones were re-attached, creates in flight
were found by listing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replicate_async import AsyncClient
from replicate_async.batch import run_batch_sync

from .support import HANG_GUARD, active, creates_per_input, emulator, journal_states

COUNT = 24
CHILD = Path(__file__).with_name("crash_child.py")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_batch_killed_midway_completes_on_rerun_with_one_create_per_item(
    tmp_path: Path,
) -> None:
    emu, _ = emulator()
    journal = tmp_path / "batch.sqlite"
    with emu, emu.serve() as server:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        child = subprocess.Popen(
            [sys.executable, str(CHILD), server.base_url, emu.api_token, str(journal), str(COUNT)],
            env=env,
        )
        try:
            stop = time.monotonic() + HANG_GUARD
            while journal_states(journal)["done"] < 6:
                assert child.poll() is None, "the batch ended before it could be killed"
                assert time.monotonic() < stop, "the batch made no progress"
                time.sleep(0.01)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        states = journal_states(journal)
        assert states["done"] < COUNT
        results = run_batch_sync(
            lambda: AsyncClient(emu.api_token, base_url=server.base_url, poll_interval=0.02),
            "acme/work",
            [{"i": i, "d": 0.15} for i in range(COUNT)],
            concurrency=4,
            journal=journal,
        )
        still = active(emu)
    assert all(r.ok for r in results), [r.error for r in results]
    assert [r.output for r in results] == [2 * i for i in range(COUNT)]
    assert sum(r.from_journal for r in results) >= 6
    assert creates_per_input(emu) == {i: 1 for i in range(COUNT)}
    assert not still


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT")
def test_ctrl_c_in_a_sync_batch_cancels_its_running_predictions(tmp_path: Path) -> None:
    emu, _ = emulator()
    journal = tmp_path / "batch.sqlite"
    with emu, emu.serve() as server:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        child = subprocess.Popen(
            [
                sys.executable,
                str(CHILD),
                server.base_url,
                emu.api_token,
                str(journal),
                "4",
                "sync-hang",
            ],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stop = time.monotonic() + HANG_GUARD
            while journal_states(journal)["created"] < 4:
                assert child.poll() is None, child.communicate()[1]
                assert time.monotonic() < stop, "the batch made no progress"
                time.sleep(0.01)
            child.send_signal(signal.SIGINT)
            _, err = child.communicate(timeout=HANG_GUARD)
        finally:
            if child.poll() is None:
                child.kill()
        still = active(emu)
    assert child.returncode != 0
    assert "KeyboardInterrupt" in err
    assert "batch interrupted; canceling its running predictions" in err
    assert not still, f"{len(still)} predictions left running"
    assert len(emu.jobs()) == 4
