"""The client-wide rate gate: after a 429, sibling requests of the same class wait too (pure)."""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = ["LimitClass", "RateGate"]

LimitClass: TypeAlias = Literal["create", "other"]
"""Replicate limits prediction creates (600/min) separately from everything else (3,000/min)."""


class RateGate:
    """The time before which no request of a limit class goes out, moved by every 429's hint."""

    __slots__ = ("_not_before",)

    def __init__(self) -> None:
        self._not_before: dict[str, float] = {}

    def delay(self, limit_class: LimitClass, now: float) -> float:
        """Seconds a new request of `limit_class` should wait before it is sent."""
        when = self._not_before.get(limit_class)
        if when is None:
            return 0.0
        if when <= now:
            del self._not_before[limit_class]
            return 0.0
        return when - now

    def throttled(self, limit_class: LimitClass, now: float, wait: float) -> None:
        """Record a 429: nothing of `limit_class` goes out for `wait` seconds."""
        until = now + max(0.0, wait)
        if until > self._not_before.get(limit_class, 0.0):
            self._not_before[limit_class] = until
