"""Retry policy: which failures of which request kind are retried, and after how long (pure).

No idempotency key exists in the API, so a prediction create is retried only when the request
provably never reached the server (connection not established) or was refused with a 429.
"""

from __future__ import annotations

import math
import random
from typing import Literal, TypeAlias

import httpx
from attrs import frozen

__all__ = ["RequestKind", "RetryDecision", "RetryPolicy", "is_unsent", "kind_timeout"]

RequestKind: TypeAlias = Literal["read", "idempotent", "create", "upload", "stream", "download"]
"""How a request is retried and timed.

``read`` and ``idempotent`` requests retry on 408, 429 and 5xx answers and on transport
errors; ``create`` and ``upload`` requests retry only on 429 or when the request provably
never left (so nothing is made twice); ``stream`` and ``download`` requests follow the read
rules (downloads with longer reads).
"""

_READ_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def is_unsent(exc: BaseException) -> bool:
    """Whether a transport error proves that no byte of the request reached the server."""
    return isinstance(exc, _UNSENT)


@frozen(kw_only=True)
class RetryDecision:
    """Whether to retry, and the delay before the next attempt."""

    retry: bool
    delay: float = 0.0
    reason: str = ""


@frozen(kw_only=True)
class RetryPolicy:
    """How many times and how patiently to retry.

    Backoff is ``min(max_backoff, base * 2**attempt) * uniform(0.5, 1.0)``; a server hint
    (Retry-After or the body's retry_after) is honoured with 0-10 % jitter, up to
    `max_retry_after`; a longer hint is not slept on.
    """

    max_retries: int = 3
    base_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """The delay before retry number `attempt` (0-based) when the server gave no hint."""
        exponent = min(max(attempt, 0), 30)
        ceiling = min(self.max_backoff, self.base_backoff * (2.0**exponent))
        return ceiling * (rng or random).uniform(0.5, 1.0)

    def hinted(self, hint: float, rng: random.Random | None = None) -> float:
        """The delay for a server hint, with 0-10 % jitter added."""
        return hint * (1.0 + (rng or random).uniform(0.0, 0.1))

    def for_status(
        self, kind: RequestKind, status: int, hint: float | None, attempt: int
    ) -> RetryDecision:
        """Decide after an HTTP error status; `attempt` counts retries already made."""
        if attempt >= self.max_retries:
            return RetryDecision(retry=False, reason="retries exhausted")
        if status == 429:
            return self._with_hint(hint, attempt, "429 Too Many Requests")
        if kind in ("create", "upload"):
            return RetryDecision(retry=False, reason=f"{status} after a create is never retried")
        if status in _READ_STATUSES:
            return self._with_hint(hint, attempt, f"HTTP {status}")
        return RetryDecision(retry=False, reason=f"HTTP {status} is not retryable")

    def for_error(self, kind: RequestKind, exc: BaseException, attempt: int) -> RetryDecision:
        """Decide after a transport error."""
        if attempt >= self.max_retries:
            return RetryDecision(retry=False, reason="retries exhausted")
        if not isinstance(exc, httpx.TransportError):
            return RetryDecision(retry=False, reason="not a transport error")
        if is_unsent(exc):
            return RetryDecision(retry=True, delay=self.backoff(attempt), reason=type(exc).__name__)
        if kind in ("create", "upload"):
            return RetryDecision(
                retry=False, reason=f"{type(exc).__name__} after the create may have been sent"
            )
        return RetryDecision(retry=True, delay=self.backoff(attempt), reason=type(exc).__name__)

    def _with_hint(self, hint: float | None, attempt: int, reason: str) -> RetryDecision:
        if hint is not None and math.isfinite(hint) and hint >= 0:
            if hint > self.max_retry_after:
                return RetryDecision(
                    retry=False,
                    reason=f"the server asked to wait {hint:g} s, more than max_retry_after",
                )
            return RetryDecision(retry=True, delay=self.hinted(hint), reason=reason)
        return RetryDecision(retry=True, delay=self.backoff(attempt), reason=reason)


def kind_timeout(
    base: httpx.Timeout, kind: RequestKind, *, hold: float | None = None
) -> httpx.Timeout:
    """The timeout of one request of `kind`, derived from the client's `base` timeout.

    A create held by ``Prefer: wait=N`` reads for at least N + 10 s; uploads and downloads get
    longer reads (and uploads longer writes). The pool timeout is generous: the client's own
    limiter already holds a slot before a request starts.
    """
    connect, read, write = base.connect, base.read, base.write
    assert connect is not None
    assert read is not None
    assert write is not None
    if kind == "create" and hold:
        read = max(read, hold + 10.0)
    elif kind == "upload":
        read, write = max(read, 60.0), max(write, 120.0)
    elif kind == "download":
        read = max(read, 60.0)
    return httpx.Timeout(connect=connect, read=read, write=write, pool=max(base.pool or 0.0, 60.0))
