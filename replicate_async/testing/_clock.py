"""The emulator's clock: real, instant (virtual time that jumps when nothing is busy) or manual.

Every wait inside the emulator goes through this clock: model sleeps (`sleep`), cold starts,
`Prefer: wait` holds, `Cancel-After` deadlines, the webhook throttle and retry backoff, data
retention and file expiry. In the virtual modes nothing waits for real:

- ``"instant"``: time flows with the wall clock, and whenever no emulator task is busy (every
  running model is parked in a clock sleep or finished) the clock jumps to the next timer, the
  way ``trio.testing.MockClock(autojump_threshold=0)`` does, but only for the emulator's tasks.
- ``"manual"``: time stands still until `Clock.advance` moves it.
- ``"real"``: timers are real sleeps.

"Busy" is counted explicitly: a task doing model work holds a busy slot (`Clock.busy`), and a
busy task that sleeps on the clock gives its slot back for the duration of the sleep.
"""

from __future__ import annotations

import contextlib
import heapq
import time
from collections.abc import Callable, Generator
from contextvars import ContextVar
from typing import Literal

import anyio
import anyio.lowlevel

__all__ = ["Clock", "ClockMode"]

ClockMode = Literal["instant", "real", "manual"]

_BUSY: ContextVar[bool] = ContextVar("replicate_async_emulator_busy", default=False)

_IDLE_ROUNDS = 24
"""Scheduling rounds the instant clock lets pass, with nothing busy, before it jumps."""


class _Timer:
    __slots__ = ("busy", "callback", "cancelled", "fired", "seq", "when")

    def __init__(self, when: float, seq: int, callback: Callable[[], object], busy: bool) -> None:
        self.when = when
        self.seq = seq
        self.callback = callback
        self.busy = busy
        self.cancelled = False
        self.fired = False

    def __lt__(self, other: _Timer) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class Clock:
    """Unix time for the emulator, with sleeps and deadlines that honour the mode."""

    def __init__(self, mode: ClockMode = "instant", *, start: float | None = None) -> None:
        if mode not in ("instant", "real", "manual"):
            raise ValueError(f"clock must be 'instant', 'real' or 'manual', not {mode!r}")
        self.mode: ClockMode = mode
        self._wall0 = time.time() if start is None else float(start)
        self._mono0 = time.monotonic()
        self._offset = 0.0
        self._timers: list[_Timer] = []
        self._seq = 0
        self._busy = 0
        self._sleeping = 0
        self._wakeup: anyio.Event | None = None
        self._idle: anyio.Event | None = None

    # -- time -----------------------------------------------------------------------------

    def now(self) -> float:
        """The emulator's current Unix time in seconds."""
        if self.mode == "manual":
            return self._wall0 + self._offset
        return self._wall0 + (time.monotonic() - self._mono0) + self._offset

    @property
    def virtual(self) -> bool:
        """Whether timers run on virtual time (instant or manual mode)."""
        return self.mode != "real"

    # -- busy accounting ------------------------------------------------------------------

    def reserve(self) -> None:
        """Take a busy slot now on behalf of a task that `busy(adopt=True)` will start later."""
        self._busy += 1

    def release(self) -> None:
        """Give back a slot taken with `reserve` that no task adopted."""
        self._busy -= 1
        self._poke()

    @contextlib.contextmanager
    def busy(self, *, adopt: bool = False) -> Generator[None]:
        """Mark the current task as doing work, so the instant clock does not jump meanwhile."""
        if not adopt:
            self._busy += 1
        token = _BUSY.set(True)
        try:
            yield
        finally:
            _BUSY.reset(token)
            self._busy -= 1
            self._poke()

    @property
    def busy_count(self) -> int:
        """How many tasks are busy (for tests and diagnostics)."""
        return self._busy

    # -- timers ---------------------------------------------------------------------------

    def _push(self, when: float, callback: Callable[[], object], busy: bool) -> _Timer:
        self._seq += 1
        timer = _Timer(when, self._seq, callback, busy)
        heapq.heappush(self._timers, timer)
        self._poke()
        return timer

    def _settled(self) -> bool:
        # Busy work sleeping on a virtual clock finishes without help in instant mode, so it
        # counts as unsettled there; in manual mode it waits for `advance`.
        return self._busy == 0 and (self.mode == "manual" or self._sleeping == 0)

    def _poke(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()
        if self._idle is not None and self._settled():
            self._idle.set()

    def _fire_due(self) -> None:
        now = self.now()
        while self._timers and (self._timers[0].cancelled or self._timers[0].when <= now):
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            timer.fired = True
            if timer.busy:
                self._busy += 1
                self._sleeping -= 1
            timer.callback()

    def _next_when(self) -> float | None:
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of emulator time."""
        await self.sleep_until(self.now() + max(0.0, float(seconds)))

    async def sleep_until(self, when: float) -> None:
        """Sleep until the emulator's clock reads `when` (Unix seconds)."""
        if self.mode == "real":
            await anyio.sleep(max(0.0, when - self.now()))
            return
        if when <= self.now():
            await anyio.lowlevel.checkpoint()
            return
        event = anyio.Event()
        busy = _BUSY.get()
        timer = self._push(when, event.set, busy)
        if busy:
            self._busy -= 1
            self._sleeping += 1
            self._poke()
        try:
            await event.wait()
        except BaseException:
            if not timer.fired:
                timer.cancelled = True
                if busy:
                    self._busy += 1
                    self._sleeping -= 1
            raise

    @contextlib.contextmanager
    def move_on_at(self, when: float | None) -> Generator[anyio.CancelScope]:
        """A cancel scope cancelled when the clock reaches `when` (never when it is None)."""
        if when is None:
            with anyio.CancelScope() as scope:
                yield scope
            return
        if self.mode == "real":
            with anyio.move_on_after(max(0.0, when - self.now())) as scope:
                yield scope
            return
        with anyio.CancelScope() as scope:
            if when <= self.now():
                scope.cancel()
                yield scope
                return
            timer = self._push(when, scope.cancel, False)
            try:
                yield scope
            finally:
                timer.cancelled = True

    # -- driving virtual time ---------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move the clock forward and fire every timer that is now due (emulator loop only)."""
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._offset += float(seconds)
        if self.mode != "real":
            self._fire_due()
        self._poke()

    async def wait_idle(self) -> None:
        """Wait until no emulator task is busy (nor, unless manual, asleep on the clock)."""
        while not self._settled():
            self._idle = anyio.Event()
            await self._idle.wait()
        await anyio.lowlevel.checkpoint()

    async def run_jumper(self) -> None:
        """The instant mode's background task: fire due timers, jump when nothing is busy."""
        if self.mode != "instant":
            return
        while True:
            self._wakeup = anyio.Event()
            self._fire_due()
            when = self._next_when()
            if when is None:
                await self._wakeup.wait()
                continue
            if self._busy == 0:
                for _ in range(_IDLE_ROUNDS):
                    await anyio.lowlevel.checkpoint()
                when = self._next_when()
                if self._busy == 0 and when is not None:
                    ahead = when - self.now()
                    if ahead > 0:
                        self._offset += ahead
                    self._fire_due()
                continue
            with anyio.move_on_after(max(0.0, when - self.now())):
                await self._wakeup.wait()

    def reset_loop_state(self) -> None:
        """Forget loop-bound primitives when the emulator stops, so it can start on a new loop."""
        self._wakeup = None
        self._idle = None
        for timer in self._timers:
            timer.cancelled = True
        self._timers.clear()
        self._busy = 0
        self._sleeping = 0
