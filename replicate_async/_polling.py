"""The adaptive poll schedule (pure)."""

from __future__ import annotations

import random

from attrs import frozen

__all__ = ["PollSchedule"]


@frozen(kw_only=True)
class PollSchedule:
    """Intervals grow while a prediction waits in a phase, and reset when the phase changes.

    ``starting`` (queued or booting) grows x1.5 up to 5 s; ``processing`` grows x1.25 up to 2 s;
    an unknown status polls at the processing pace. Every interval gets +/-10 % jitter.
    """

    first: float = 0.5
    starting_growth: float = 1.5
    starting_cap: float = 5.0
    processing_growth: float = 1.25
    processing_cap: float = 2.0
    jitter: float = 0.1

    def next_interval(
        self, status: str, previous_status: str | None, previous: float | None
    ) -> float:
        """Return the next sleep before polling again, without jitter applied."""
        if previous is None or status != previous_status:
            return min(self.first, self._cap(status))
        if status == "starting":
            return min(previous * self.starting_growth, self.starting_cap)
        return min(previous * self.processing_growth, self.processing_cap)

    def _cap(self, status: str) -> float:
        return self.starting_cap if status == "starting" else self.processing_cap

    def jittered(self, interval: float, rng: random.Random | None = None) -> float:
        """Apply +/-`jitter` to `interval`."""
        r = (rng or random).uniform(-self.jitter, self.jitter)
        return max(0.0, interval * (1.0 + r))
