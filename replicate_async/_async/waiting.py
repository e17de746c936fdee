"""Waiting until a prediction or training is terminal: adaptive polling, a deadline, cleanup.

One wait loop serves predictions and trainings. The deadline bounds the whole wait by the clock;
when it passes the job is cancelled on the server (bounded to 5 s) and `PredictionTimeoutError`
is raised. When the caller is cancelled (task cancellation in any form, or Ctrl-C in sync code)
and `cancel_on_exit` is set, the cancel runs in a job the client owns and the cancellation
propagates at once. A cancel that cannot be delivered is logged (WARNING, with the id) and
listed in the client's `left_running`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from .._concurrency import AsyncJob, AsyncRuntime, DeadlinePassed
from .._exceptions import (
    APITimeoutError,
    PredictionTimeoutError,
    TrainingTimeoutError,
    decode_json_body,
)
from .._logging import logger
from .._polling import PollSchedule
from .._serde import structure
from ..types.predictions import TERMINAL_STATUSES, Prediction
from ..types.trainings import Training
from .api_client import AsyncAPIClient

__all__ = [
    "CLEANUP_SECONDS",
    "cancel_now",
    "cancel_on_deadline",
    "cancel_on_exit_of",
    "cancel_soon",
    "fetch_job",
    "wait_for_job",
    "wait_until_terminal",
]

J = TypeVar("J", Prediction, Training)

CLEANUP_SECONDS = 5.0
"""The bound on the cancel that runs when a caller gives up or its deadline passes."""

_NO_STORE = {"Cache-Control": "no-store"}


def _collection(job: Prediction | Training) -> str:
    return "trainings" if isinstance(job, Training) else "predictions"


async def fetch_job(
    api: AsyncAPIClient, job_type: type[J], job_id: str, *, deadline: float | None = None
) -> J:
    """GET the current state of a prediction or training (never cached)."""
    collection = "trainings" if job_type is Training else "predictions"
    payload = decode_json_body(
        await api.request(
            "GET", f"{collection}/{job_id}", kind="read", headers=_NO_STORE, deadline=deadline
        )
    )
    return structure(payload, job_type)


async def cancel_now(api: AsyncAPIClient, job: J) -> J:
    """Cancel `job` on the server within `CLEANUP_SECONDS`; never raises; return the latest state.

    When the cancel cannot be delivered, a WARNING names the job's id (never the token) and the
    id is added to the client's `left_running`.
    """
    if job.status in TERMINAL_STATUSES:
        return job
    what = _collection(job)[:-1]
    stop = AsyncRuntime.now() + CLEANUP_SECONDS
    try:
        with AsyncRuntime.deadline(stop):
            payload = decode_json_body(
                await api.request(
                    "POST", f"{_collection(job)}/{job.id}/cancel", kind="idempotent", deadline=stop
                )
            )
        return structure(payload, type(job))
    except Exception as exc:
        reason = "no answer in time" if isinstance(exc, DeadlinePassed) else str(exc)
        logger.warning(
            "could not cancel %s %s (%s): it may still be running; cancel it with "
            "client.%s.cancel(%r)",
            what,
            job.id,
            reason,
            _collection(job),
            job.id,
        )
        api.connection.left_running.append(job.id)
        return job


def cancel_soon(api: AsyncAPIClient, job: J) -> AsyncJob[J]:
    """Start `cancel_now` in a job the client owns: it finishes even if the caller is cancelled."""
    return api.connection.tasks.start(partial(cancel_now, api, job))


async def cancel_on_deadline(api: AsyncAPIClient, job: J) -> J:
    """Cancel `job` because its caller's deadline passed; return the latest state."""
    return await cancel_soon(api, job).result()


async def cancel_on_exit_of(api: AsyncAPIClient, job: J, exc: BaseException) -> None:
    """The caller leaves with `exc` while `job` runs: cancel it on the server.

    Interrupted callers (task cancellation in any form, Ctrl-C) do not wait: async code returns
    at once and the client finishes the cancel (before `aclose()` returns); sync code says on
    stderr that it is canceling and waits, unless Ctrl-C is pressed again. Other exceptions
    wait for the cancel, so it has happened when the caller sees the error.
    """
    if job.status in TERMINAL_STATUSES:
        return
    cleanup = cancel_soon(api, job)
    if AsyncRuntime.is_cancellation(exc):
        kind = _collection(job)[:-1]
        AsyncRuntime.after_interrupt(
            cleanup,
            lambda: f"{kind} {job.id}",
            lambda: api.connection.left_running.append(job.id),
        )
        return
    await cleanup.wait_done()


async def wait_until_terminal(
    api: AsyncAPIClient,
    job: J,
    *,
    deadline: float | None,
    cancel_on_exit: bool,
    on_progress: Callable[[J], object] | None = None,
    schedule: PollSchedule | None = None,
) -> J:
    """Poll `job` until its status is terminal and return it.

    Raises `PredictionTimeoutError` when `deadline` (monotonic seconds) passes, after asking the
    server to cancel the job; the deadline bounds everything, slow or silent answers included.
    Any other exit before the job is terminal (an error, task cancellation, Ctrl-C) also
    cancels it when `cancel_on_exit` is true.
    """
    plan = schedule or PollSchedule(first=api.options.poll_interval)
    current = job
    previous_status: str | None = None
    interval: float | None = None
    last_seen = (current.status, _progress_key(current))
    try:
        with AsyncRuntime.deadline(deadline):
            while current.status not in TERMINAL_STATUSES:
                if deadline is not None and AsyncRuntime.now() >= deadline:
                    raise DeadlinePassed
                interval = plan.next_interval(current.status, previous_status, interval)
                previous_status = current.status
                pause = plan.jittered(interval)
                if deadline is not None:
                    pause = min(pause, max(0.0, deadline - AsyncRuntime.now()))
                await AsyncRuntime.sleep(pause)
                if deadline is not None and AsyncRuntime.now() >= deadline:
                    raise DeadlinePassed
                try:
                    current = await fetch_job(api, type(job), job.id, deadline=deadline)
                except APITimeoutError:
                    if deadline is not None and AsyncRuntime.now() >= deadline - 0.01:
                        raise DeadlinePassed from None
                    raise
                seen = (current.status, _progress_key(current))
                if on_progress is not None and seen != last_seen:
                    on_progress(current)
                last_seen = seen
        return current
    except DeadlinePassed:
        latest = await cancel_on_deadline(api, current)
        if isinstance(latest, Training):
            raise TrainingTimeoutError(latest) from None
        raise PredictionTimeoutError(latest) from None
    except BaseException as exc:
        if cancel_on_exit:
            await cancel_on_exit_of(api, current, exc)
        raise


def _progress_key(job: Prediction | Training) -> object:
    if isinstance(job, Prediction):
        progress = job.progress
        return None if progress is None else progress.current
    return None


async def wait_for_job(
    api: AsyncAPIClient,
    job: J,
    *,
    deadline: float | None,
    cancel_on_exit: bool,
    on_progress: Callable[[J], object] | None = None,
) -> J:
    """Wait until `job` is terminal: the one wait of run(), wait() and batches.

    A prediction with a stream URL, while a stream slot is free (`max_streams`), is followed by
    its stream: the done event says when it finished, then one GET reads the final state.
    Anything else is polled on the adaptive schedule.
    """
    if isinstance(job, Prediction):
        urls = job.urls
        if urls is not None and urls.stream:
            from .streaming import stream_slot_free, wait_with_stream

            if stream_slot_free(api):
                progress: Any = on_progress  # the callback takes predictions here
                followed: Any = await wait_with_stream(
                    api,
                    job,
                    deadline=deadline,
                    cancel_on_exit=cancel_on_exit,
                    on_progress=progress,
                )
                return followed  # type: ignore[no-any-return]
    return await wait_until_terminal(
        api, job, deadline=deadline, cancel_on_exit=cancel_on_exit, on_progress=on_progress
    )
