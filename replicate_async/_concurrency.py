"""The colour seam: the only module of the SDK that imports anyio.

Each async primitive has a sync twin of the same shape, so that `scripts/gen_sync.py` turns
``AsyncRuntime`` into ``Runtime`` and ``AsyncLimiter`` into ``Limiter`` by name alone.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

__all__ = [
    "AsyncLimiter",
    "AsyncLock",
    "AsyncRuntime",
    "Limiter",
    "Lock",
    "Runtime",
]

T = TypeVar("T")


class AsyncRuntime:
    """Time, sleeping, shielding and worker threads for async code (any anyio backend)."""

    @staticmethod
    async def sleep(seconds: float) -> None:
        """Sleep without blocking the event loop."""
        await anyio.sleep(max(0.0, seconds))

    @staticmethod
    def now() -> float:
        """Monotonic seconds, for deadline arithmetic."""
        return time.monotonic()

    @staticmethod
    @contextlib.asynccontextmanager
    async def shielded(timeout: float | None = None) -> AsyncGenerator[None]:
        """Run the body shielded from outside cancellation, for at most `timeout` seconds.

        A cancellation that arrives meanwhile takes effect at the first await after the body.
        """
        with anyio.CancelScope(shield=True) as scope:
            if timeout is not None:
                scope.deadline = anyio.current_time() + timeout
            yield

    @staticmethod
    def is_cancellation(exc: BaseException) -> bool:
        """Whether `exc` means the caller is being cancelled (task cancellation)."""
        try:
            return isinstance(exc, anyio.get_cancelled_exc_class())
        except Exception:  # pragma: no cover - no running loop
            return False

    @staticmethod
    async def run_in_thread(fn: Callable[..., T], *args: Any) -> T:
        """Run blocking `fn` in a worker thread so the event loop stays free."""
        return await anyio.to_thread.run_sync(fn, *args)

    @staticmethod
    def loop_key() -> object:
        """A token identifying the running event loop (raises RuntimeError outside one)."""
        try:
            return anyio.lowlevel.current_token()
        except Exception as exc:
            raise RuntimeError("no event loop is running in this thread") from exc

    @staticmethod
    def loop_is_alive(key: object) -> bool:
        """Whether the event loop named by `key` (from `loop_key`) may still run."""
        native = getattr(key, "native_token", key)
        is_closed = getattr(native, "is_closed", None)
        if callable(is_closed):
            return not is_closed()
        return True


class Runtime:
    """The sync twin of `AsyncRuntime`: real sleeping, no shielding, no threads."""

    @staticmethod
    def sleep(seconds: float) -> None:
        """Sleep the calling thread."""
        time.sleep(max(0.0, seconds))

    @staticmethod
    def now() -> float:
        """Monotonic seconds, for deadline arithmetic."""
        return time.monotonic()

    @staticmethod
    @contextlib.contextmanager
    def shielded(timeout: float | None = None) -> Generator[None]:
        """Sync code cannot be cancelled from outside; the body runs as is."""
        del timeout
        yield

    @staticmethod
    def is_cancellation(exc: BaseException) -> bool:
        """Whether `exc` means the caller gave up (Ctrl-C in sync code)."""
        return isinstance(exc, KeyboardInterrupt)

    @staticmethod
    def run_in_thread(fn: Callable[..., T], *args: Any) -> T:
        """Call `fn` directly: sync code is allowed to block."""
        return fn(*args)

    @staticmethod
    def loop_key() -> object:
        """Sync code has no event loop; every thread shares one key."""
        return None

    @staticmethod
    def loop_is_alive(key: object) -> bool:
        """Sync code has no event loop to die."""
        del key
        return True


class AsyncLimiter:
    """At most `total` holders at once; waiting for a slot counts against no timeout."""

    def __init__(self, total: int) -> None:
        self._limiter = anyio.CapacityLimiter(total)

    async def __aenter__(self) -> None:
        await self._limiter.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._limiter.release()

    @property
    def total(self) -> int:
        """The number of slots."""
        return int(self._limiter.total_tokens)

    @total.setter
    def total(self, value: int) -> None:
        self._limiter.total_tokens = max(1, value)


class Limiter:
    """The sync twin of `AsyncLimiter`, for threads."""

    def __init__(self, total: int) -> None:
        self._total = total
        self._semaphore = threading.BoundedSemaphore(total)

    def __enter__(self) -> None:
        self._semaphore.acquire()

    def __exit__(self, *exc: object) -> None:
        self._semaphore.release()

    @property
    def total(self) -> int:
        """The number of slots."""
        return self._total

    @total.setter
    def total(self, value: int) -> None:  # pragma: no cover - resizing is an async batch feature
        raise NotImplementedError("a sync Limiter cannot be resized")


class AsyncLock:
    """A mutual-exclusion lock for tasks."""

    def __init__(self) -> None:
        self._lock = anyio.Lock()

    async def __aenter__(self) -> None:
        await self._lock.acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._lock.release()


class Lock:
    """A mutual-exclusion lock for threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
