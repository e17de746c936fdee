"""The colour seam: the only module of the SDK that imports anyio.

Each async primitive has a sync twin of the same shape, so that `scripts/gen_sync.py` turns
``AsyncRuntime`` into ``Runtime`` and ``AsyncLimiter`` into ``Limiter`` by name alone.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import anyio
import anyio.lowlevel
import anyio.to_thread

if TYPE_CHECKING:
    import httpx

__all__ = [
    "AsyncJob",
    "AsyncLimiter",
    "AsyncLock",
    "AsyncRuntime",
    "AsyncTasks",
    "DeadlinePassed",
    "JobStopped",
    "Job",
    "Limiter",
    "Lock",
    "Runtime",
    "Tasks",
]

T = TypeVar("T")


class DeadlinePassed(Exception):
    """A call's deadline passed while it waited (internal signal, never seen by users)."""


class JobStopped(Exception):
    """The job was stopped by its own `cancel()` before it ended (internal signal)."""


def _never() -> bool:
    return False


def _trio_cancel_probe() -> Callable[[], bool]:
    import trio.lowlevel

    task = trio.lowlevel.current_task()

    def cancelled() -> bool:
        status = getattr(task, "_cancel_status", None)
        return bool(getattr(status, "effectively_cancelled", False))

    if not hasattr(task, "_cancel_status"):  # pragma: no cover - a trio without it
        return _never
    return cancelled


def _interrupted(exc: BaseException) -> bool:
    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
        return True
    try:
        return isinstance(exc, anyio.get_cancelled_exc_class())
    except Exception:  # pragma: no cover - no running loop
        return False


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
    @contextlib.contextmanager
    def deadline(deadline: float | None) -> Generator[None]:
        """Interrupt the body at `deadline` (monotonic seconds), then raise `DeadlinePassed`.

        Whatever the body is doing (a dripping body, a silent stream, a rate-gate wait) it
        cannot run past the deadline. ``None`` bounds nothing.
        """
        if deadline is None:
            yield
            return
        left = deadline - time.monotonic()
        with anyio.CancelScope(deadline=anyio.current_time() + left) as scope:
            yield
        if scope.cancelled_caught:
            raise DeadlinePassed

    @staticmethod
    def is_cancellation(exc: BaseException) -> bool:
        """Whether `exc` means the caller gave up: task cancellation (any form) or Ctrl-C."""
        return _interrupted(exc)

    @staticmethod
    def cancel_pending_probe() -> Callable[[], bool]:
        """A check, callable from other tasks, that a cancellation is on its way to this task.

        On asyncio a cancel request is visible at once (``Task.cancelling()`` rises) while the
        task itself sees it only at its next step; on trio the task's cancel status says so
        (read defensively: it is trio's internal state; without it the probe answers False).
        """
        import sniffio

        library = sniffio.current_async_library()
        if library == "trio":
            return _trio_cancel_probe()
        if library != "asyncio":  # pragma: no cover - anyio runs on these two
            return _never
        import asyncio

        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always inside a task
            return _never
        baseline = task.cancelling()
        return lambda: task.cancelling() > baseline

    @staticmethod
    def backend_transport(name: str, *, max_connections: int) -> httpx.AsyncBaseTransport:
        """The transport of an `http_backend` other than httpx's own (``"aiohttp"``)."""
        if name != "aiohttp":
            raise ValueError(f"http_backend={name!r} is not known: choose 'httpx' or 'aiohttp'")
        from ._aiohttp import aiohttp_transport

        return aiohttp_transport(max_connections=max_connections)

    @staticmethod
    def after_interrupt(
        job: AsyncJob[Any], describe: Callable[[], str], left: Callable[[], None]
    ) -> None:
        """The caller was interrupted while `job` cleans up: async callers return at once.

        The job belongs to the client, which finishes it before `aclose()` returns.
        """
        del job, describe, left

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
    @contextlib.contextmanager
    def deadline(deadline: float | None) -> Generator[None]:
        """Bound nothing here: sync code cannot be interrupted from outside.

        Each request and wait is clipped to the deadline instead, and the clock is checked
        between the chunks of every body.
        """
        del deadline
        yield

    @staticmethod
    def is_cancellation(exc: BaseException) -> bool:
        """Whether `exc` means the caller gave up (Ctrl-C in sync code)."""
        return isinstance(exc, (KeyboardInterrupt, SystemExit))

    @staticmethod
    def cancel_pending_probe() -> Callable[[], bool]:
        """Ctrl-C reaches the main thread at once: the caller's own flag is enough."""
        return _never

    @staticmethod
    def backend_transport(name: str, *, max_connections: int) -> httpx.BaseTransport:
        """Sync code has one backend: httpx's own (aiohttp is asyncio only)."""
        del max_connections
        from ._exceptions import ConfigurationError

        raise ConfigurationError(
            f"http_backend={name!r} is for the async client (AsyncClient on asyncio); the sync "
            "Client uses httpx's own transport"
        )

    @staticmethod
    def after_interrupt(
        job: Job[Any], describe: Callable[[], str], left: Callable[[], None]
    ) -> None:
        """Ctrl-C arrived while `job` cleans up: say so on stderr and wait for the cleanup.

        A second Ctrl-C stops waiting, names what is left running and calls `left` (which
        records it in the client's `left_running`).
        """
        print(
            f"replicate_async: interrupted; canceling {describe()} "
            "(press Ctrl-C again to leave it running)",
            file=sys.stderr,
            flush=True,
        )
        try:
            job.wait_done()
        except KeyboardInterrupt:
            job.detach()
            left()
            print(f"replicate_async: left running: {describe()}", file=sys.stderr, flush=True)

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


def _on_asyncio() -> bool:
    import sniffio

    return sniffio.current_async_library() == "asyncio"


class AsyncLimiter:
    """At most `total` holders at once; waiting for a slot counts against no timeout.

    Made inside the event loop it serves: on asyncio a slot that is free is taken without
    yielding to the loop (a limiter of asyncio futures); on trio it is anyio's limiter.
    """

    def __new__(cls, total: int) -> AsyncLimiter:
        if cls is AsyncLimiter and _on_asyncio():
            return object.__new__(_NativeLimiter)
        return object.__new__(cls)

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

    def take_nowait(self, holder: object) -> bool:
        """Take a slot for `holder` if one is free now (to be given back by `give_back`)."""
        try:
            self._limiter.acquire_on_behalf_of_nowait(holder)
        except anyio.WouldBlock:
            return False
        return True

    def give_back(self, holder: object) -> None:
        """Return the slot `holder` took with `take_nowait`."""
        self._limiter.release_on_behalf_of(holder)

    @property
    def free(self) -> int:
        """Slots free right now."""
        return int(self._limiter.available_tokens)


class _NativeLimiter(AsyncLimiter):
    """`AsyncLimiter` on asyncio: first come, first served; a free slot costs no loop step."""

    def __init__(self, total: int) -> None:  # pyright: ignore[reportMissingSuperCall]
        import asyncio
        from collections import deque

        self._total = total
        self._used = 0
        self._holders: set[object] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __aenter__(self) -> None:
        if self._used < self._total and not self._waiters:
            self._used += 1
            return
        import asyncio

        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot as it was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):  # unless a release skipped it already
                    self._waiters.remove(waiter)
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._release()

    def _release(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the waiter
                return
        self._used -= 1

    @property
    def total(self) -> int:
        """The number of slots."""
        return self._total

    def take_nowait(self, holder: object) -> bool:
        """Take a slot for `holder` if one is free now (to be given back by `give_back`)."""
        if self._used >= self._total or self._waiters or holder in self._holders:
            return False
        self._used += 1
        self._holders.add(holder)
        return True

    def give_back(self, holder: object) -> None:
        """Return the slot `holder` took with `take_nowait`."""
        self._holders.remove(holder)
        self._release()

    @property
    def free(self) -> int:
        """Slots free right now."""
        return self._total - self._used


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

    def take_nowait(self, holder: object) -> bool:
        """Take a slot for `holder` if one is free now (to be given back by `give_back`)."""
        del holder
        return self._semaphore.acquire(blocking=False)

    def give_back(self, holder: object) -> None:
        """Return the slot `holder` took with `take_nowait`."""
        del holder
        self._semaphore.release()

    @property
    def free(self) -> int:
        """Slots free right now."""
        return int(self._semaphore._value)  # pyright: ignore[reportAttributeAccessIssue]


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


class AsyncJob(Generic[T]):
    """Work started by a caller and owned by a client, which runs to its end.

    It goes on when the caller is cancelled, and `AsyncTasks.join` waits for it. Its own
    `cancel()` stops it at its next await. This class is the trio job (a system task in a
    shielded scope); on asyncio `AsyncTasks.start` makes a `_NativeJob`, which outside code
    cannot cancel at all.
    """

    def __init__(self, fn: Callable[[], Awaitable[T]]) -> None:
        self._fn = fn
        self._finished = anyio.Event()
        self._scope = anyio.CancelScope()
        self._value: T | None = None
        self._error: BaseException | None = None
        self._stopped = False

    async def _run(self) -> None:
        try:
            # Shielded, so that the end of the event loop (trio's system nursery, or an
            # anyio scope) lets the job finish; its own scope stays cancellable by `cancel()`.
            with anyio.CancelScope(shield=True), self._scope:
                self._value = await self._fn()
            if self._scope.cancelled_caught:
                self._stopped = True
        except BaseException as exc:  # the caller reads it from result()
            self._error = exc
        finally:
            self._finished.set()

    def cancel(self) -> None:
        """Stop the job at its next await (used while it has sent nothing)."""
        self._scope.cancel()

    def done(self) -> bool:
        """Whether the job has ended."""
        return self._finished.is_set()

    def finished_value(self) -> T | None:
        """The job's value if it has ended with one (None while running or after an error)."""
        if not self._finished.is_set() or self._error is not None or self._stopped:
            return None
        return self._value

    @property
    def error(self) -> BaseException | None:
        """The exception the job ended with, if any."""
        return self._error

    async def wait_done(self) -> None:
        """Wait until the job has ended, whatever its outcome."""
        await self._finished.wait()

    async def result(self, deadline: float | None = None) -> T:
        """Wait for the job and return its value or raise its error.

        The wait (not the job) is cancellable; past `deadline` it raises `DeadlinePassed`.
        """
        if not self._finished.is_set():
            with AsyncRuntime.deadline(deadline):
                await self._finished.wait()
        if self._error is not None:
            raise self._error
        if self._stopped:
            raise JobStopped
        return self._value  # type: ignore[return-value]


class _NativeJob(AsyncJob[T]):
    """`AsyncJob` on asyncio: an `OwnedTask` of its own, waited for with a plain future."""

    def __init__(self, fn: Callable[[], Awaitable[T]]) -> None:  # pyright: ignore[reportMissingSuperCall]
        import asyncio

        self._fn = fn
        self._value: T | None = None
        self._error: BaseException | None = None
        self._stopped = False
        self._waiter: asyncio.Future[None] | None = None
        self.task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        import asyncio

        try:
            self._value = await self._fn()
        except asyncio.CancelledError:
            self._stopped = True  # its own cancel(): outside code cannot cancel the task
        except BaseException as exc:  # the caller reads it from result()
            self._error = exc
        finally:
            # Wake the caller now rather than from the task's done callbacks, a loop step later.
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def cancel(self) -> None:
        """Stop the job at its next await (used while it has sent nothing)."""
        if self.task is not None and not self.task.done():
            self.task.cancel("replicate_async: the job is no longer needed")

    def done(self) -> bool:
        """Whether the job has ended."""
        return self.task is not None and self.task.done()

    def finished_value(self) -> T | None:
        """The job's value if it has ended with one (None while running or after an error)."""
        if not self.done() or self._error is not None or self._stopped:
            return None
        return self._value

    async def wait_done(self) -> None:
        """Wait until the job has ended, whatever its outcome."""
        await self._wait_task()

    async def _wait_task(self) -> None:
        import asyncio

        task = self.task
        assert task is not None
        if task.done():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiter = waiter  # set by the job as it ends

        def wake(_: object) -> None:  # a job cancelled before it started never ran its end
            if not waiter.done():
                waiter.set_result(None)

        task.add_done_callback(wake)
        try:
            await waiter  # cancelling this wait cancels the waiter, never the task
        finally:
            task.remove_done_callback(wake)

    async def result(self, deadline: float | None = None) -> T:
        """Wait for the job and return its value or raise its error.

        The wait (not the job) is cancellable; past `deadline` it raises `DeadlinePassed`.
        """
        task = self.task
        assert task is not None
        if not task.done():
            with AsyncRuntime.deadline(deadline):
                await self._wait_task()
        if task.cancelled():
            self._stopped = True  # cancelled before it started
        if self._error is not None:
            raise self._error
        if self._stopped:
            raise JobStopped
        return self._value  # type: ignore[return-value]


class AsyncTasks:
    """The jobs a client owns: started by callers, finished before the client closes."""

    def __init__(self) -> None:
        self._jobs: set[AsyncJob[Any]] = set()
        self._asyncio: bool | None = None

    def __len__(self) -> int:
        return len(self._jobs)

    def start(self, fn: Callable[[], Awaitable[T]]) -> AsyncJob[T]:
        """Start `fn` in a task of its own, outside the caller's cancellation."""
        if self._asyncio is None:
            self._asyncio = _on_asyncio()
        if self._asyncio:
            import asyncio

            native: _NativeJob[T] = _NativeJob(fn)
            task = _owned_task_class()(native._run(), loop=asyncio.get_running_loop())  # pyright: ignore[reportPrivateUsage]
            native.task = task
            self._jobs.add(native)
            task.add_done_callback(functools.partial(_forget, self._jobs, native))
            return native
        job: AsyncJob[T] = AsyncJob(fn)
        self._jobs.add(job)

        async def run() -> None:
            try:
                await job._run()  # pyright: ignore[reportPrivateUsage]
            finally:
                self._jobs.discard(job)

        import trio.lowlevel

        trio.lowlevel.spawn_system_task(run, name="replicate_async cleanup")
        return job

    async def join(self) -> None:
        """Wait until every job has ended."""
        while self._jobs:
            job = next(iter(self._jobs))
            await job.wait_done()
            self._jobs.discard(job)  # its task's own callback may not have run yet


def _forget(jobs: set[AsyncJob[Any]], job: AsyncJob[Any], task: object) -> None:
    del task
    jobs.discard(job)


@functools.cache
def _owned_task_class() -> type[Any]:
    import asyncio

    class OwnedTask(asyncio.Task):  # type: ignore[type-arg]
        """A task that outside code cannot cancel: only anyio's scopes inside it can.

        `asyncio.run()` cancels every task left when its main coroutine ends; a job that
        finishes an interrupted create or cancels a prediction must finish instead, so the
        loop waits for it. anyio's scopes (the timeouts inside httpx) cancel with a message
        and are let through; a bare ``cancel()`` from outside is refused.
        """

        def cancel(self, msg: Any = None) -> bool:
            if msg is None:
                return False
            return super().cancel(msg)

    return OwnedTask


class Job(Generic[T]):
    """The sync twin of `AsyncJob`: a daemon thread that runs to its end even after Ctrl-C."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._finished = threading.Event()
        self.detached: bool = False
        self._value: T | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._value = self._fn()
        except BaseException as exc:  # the caller reads it from result()
            self._error = exc
        finally:
            self._finished.set()

    def cancel(self) -> None:
        """A thread cannot be stopped from outside: the job checks its guard instead."""

    def detach(self) -> None:
        """Stop counting on the job: closing the client no longer waits for it."""
        self.detached = True

    def done(self) -> bool:
        """Whether the job has ended."""
        return self._finished.is_set()

    def finished_value(self) -> T | None:
        """The job's value if it has ended with one (None while running or after an error)."""
        if not self._finished.is_set() or self._error is not None:
            return None
        return self._value

    @property
    def error(self) -> BaseException | None:
        """The exception the job ended with, if any."""
        return self._error

    def wait_done(self) -> None:
        """Wait until the job has ended (Ctrl-C interrupts the wait, not the job)."""
        while not self._finished.wait(0.5):
            pass

    def result(self, deadline: float | None = None) -> T:
        """Wait for the job (interruptibly) and return its value or raise its error.

        Past `deadline` it raises `DeadlinePassed`; the job goes on.
        """
        finished = self._finished
        while not finished.is_set():
            wait = 0.5
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DeadlinePassed
                wait = min(wait, left)
            finished.wait(wait)
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class Tasks:
    """The sync twin of `AsyncTasks`: jobs in daemon threads, joined when the client closes."""

    def __init__(self) -> None:
        self._jobs: set[Job[Any]] = set()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._jobs)

    def start(self, fn: Callable[[], T]) -> Job[T]:
        """Start `fn` in a daemon thread."""
        job: Job[T] = Job(fn)
        with self._lock:
            self._jobs.add(job)

        def run() -> None:
            try:
                job._run()  # pyright: ignore[reportPrivateUsage]
            finally:
                with self._lock:
                    self._jobs.discard(job)

        threading.Thread(target=run, name="replicate_async cleanup", daemon=True).start()
        return job

    def join(self) -> None:
        """Wait until every job has ended."""
        while True:
            with self._lock:
                waited = [job for job in self._jobs if not job.detached]
                if not waited:
                    return
                job = waited[0]
            job.wait_done()
