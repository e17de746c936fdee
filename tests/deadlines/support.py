"""Helpers for the deadline tests: waiting on the server, hang guards for sync calls."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from tests.hostile import Recorded

TOKEN = "r8_HostileDeadlineTests"
"""The token every client of these tests uses (the hostile server accepts any)."""

POLL = 0.05
"""The clients' first poll interval: short, so that deadlines, not polls, decide the outcome."""


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait in the event loop until `predicate()` holds (fails after `timeout`: a hang guard)."""
    with anyio.fail_after(timeout):
        while not predicate():  # noqa: ASYNC110 - the state lives on another thread
            await anyio.sleep(0.005)


def hold_ends_before(create: Recorded, timeout: float) -> None:
    """The hold asked of the server (``Prefer: wait``) ends strictly before the deadline."""
    asked = create.prefer_wait
    assert asked is None or asked < timeout, (
        f"the create asked the server to hold {asked} s with a {timeout} s deadline "
        f"(Prefer: {create.headers.get('prefer')!r})"
    )


@dataclass
class Outcome:
    """What a guarded sync call did."""

    finished: bool
    value: Any = None
    error: BaseException | None = None
    elapsed: float = 0.0


def guarded(call: Callable[[], Any], guard: float) -> Outcome:
    """Run a blocking call in a daemon thread; give up waiting after `guard` seconds.

    A call that hangs is left behind (it ends when the hostile server stops at teardown, or
    with the process); the test then fails on ``outcome.finished``.
    """
    outcome = Outcome(finished=False)
    started = time.monotonic()

    def target() -> None:
        try:
            outcome.value = call()
        except BaseException as exc:
            outcome.error = exc
        finally:
            outcome.elapsed = time.monotonic() - started
            outcome.finished = True

    thread = threading.Thread(target=target, name="guarded-sync-call", daemon=True)
    thread.start()
    thread.join(guard)
    if not outcome.finished:
        outcome.elapsed = time.monotonic() - started
    return outcome
