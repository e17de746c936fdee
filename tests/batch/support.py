"""Helpers for the batch tests: an emulator with a controllable model, and waiting on state."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from replicate_async.testing import Emulator, sleep

MODEL = "acme/work"
ACTIVE = frozenset({"starting", "processing"})
HANG_GUARD = 20.0
"""A generous bound on any wait in these tests: a hang fails the test instead of the run."""


class Work:
    """The model ``acme/work``: doubles ``i`` after ``d`` seconds (real clock).

    ``fail`` makes it fail; ``fail_first`` makes each ``i`` fail on its first run only;
    ``hang`` makes it wait until `release` is set (or it is canceled).
    """

    def __init__(self, emu: Emulator) -> None:
        self.calls: Counter[int] = Counter()
        self._release: anyio.Event | None = None
        work = self

        @emu.model(MODEL)
        async def run(  # pyright: ignore[reportUnusedFunction]
            i: int,
            d: float = 0.02,
            fail: bool = False,
            fail_first: bool = False,
            hang: bool = False,
        ) -> int:
            work.calls[i] += 1
            await sleep(d)
            if hang:
                await work.release.wait()
            if fail or (fail_first and work.calls[i] == 1):
                raise RuntimeError(f"item {i} failed")
            return i * 2

    @property
    def release(self) -> anyio.Event:
        """Set it to let hanging runs finish (made in the emulator's event loop)."""
        if self._release is None:
            self._release = anyio.Event()
        return self._release


def emulator() -> tuple[Emulator, Work]:
    emu = Emulator(clock="real")
    return emu, Work(emu)


def active(emu: Emulator) -> list[str]:
    """Ids of the predictions still starting or processing."""
    return [job.id for job in emu.jobs() if job.status in ACTIVE]


def creates_per_input(emu: Emulator) -> Counter[int]:
    """How many predictions were created for each input ``i``."""
    return Counter(int(job.input["i"]) for job in emu.jobs() if job.kind == "prediction")


async def until(predicate: Callable[[], bool], timeout: float = HANG_GUARD) -> None:
    """Wait until `predicate()` holds (a hang guard, not a timing assertion)."""
    with anyio.fail_after(timeout):
        while not predicate():  # noqa: ASYNC110 - the state changes in other tasks or threads
            await anyio.sleep(0.005)


def journal_states(path: Path) -> Counter[str]:
    """Rows of the journal by state (read with a connection of our own, as WAL allows)."""
    if not path.exists():
        return Counter()
    db = sqlite3.connect(path)
    try:
        return Counter(state for (state,) in db.execute("SELECT state FROM items"))
    except sqlite3.OperationalError:
        return Counter()
    finally:
        db.close()


def inputs(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"i": i, **extra} for i in range(n)]
