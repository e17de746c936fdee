# GENERATED from replicate_async/_async/waiting.py by scripts/gen_sync.py. DO NOT EDIT.
"""Waiting until a prediction or training is terminal: adaptive polling, a deadline, cleanup.

One wait loop serves predictions and trainings. On a deadline the job is cancelled on the server
(shielded, bounded to 5 s) and `PredictionTimeoutError` is raised; when the caller is cancelled
(task cancellation, or Ctrl-C in sync code) and `cancel_on_exit` is set, the job is cancelled the
same way and the cancellation propagates unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .._concurrency import Runtime
from .._exceptions import APITimeoutError, PredictionTimeoutError
from .._logging import logger
from .._polling import PollSchedule
from .._serde import structure
from ..types.predictions import TERMINAL_STATUSES, Prediction
from ..types.trainings import Training
from .api_client import APIClient

__all__ = ["CLEANUP_SECONDS", "cancel_quietly", "wait_until_terminal"]

J = TypeVar("J", Prediction, Training)

CLEANUP_SECONDS = 5.0
"""The bound on the shielded cancel that runs when a caller gives up."""

_NO_STORE = {"Cache-Control": "no-store"}


def _collection(job: Prediction | Training) -> str:
    return "trainings" if isinstance(job, Training) else "predictions"


def fetch_job(
    api: APIClient, job_type: type[J], job_id: str, *, deadline: float | None = None
) -> J:
    """GET the current state of a prediction or training (never cached)."""
    collection = "trainings" if job_type is Training else "predictions"
    payload = api.request_json(
        "GET", f"{collection}/{job_id}", kind="read", headers=_NO_STORE, deadline=deadline
    )
    return structure(payload, job_type)


def cancel_quietly(api: APIClient, job: Prediction | Training) -> Prediction | Training:
    """Cancel `job` on the server, shielded and bounded; never raises; returns the latest state."""
    if job.status in TERMINAL_STATUSES:
        return job
    latest: Prediction | Training = job
    with Runtime.shielded(CLEANUP_SECONDS):
        try:
            payload = api.request_json(
                "POST",
                f"{_collection(job)}/{job.id}/cancel",
                kind="idempotent",
                deadline=Runtime.now() + CLEANUP_SECONDS,
            )
            latest = structure(payload, type(job))
        except Exception as exc:
            logger.warning("could not cancel %s %s: %s", _collection(job)[:-1], job.id, exc)
    return latest


def wait_until_terminal(
    api: APIClient,
    job: J,
    *,
    deadline: float | None,
    cancel_on_exit: bool,
    on_progress: Callable[[J], object] | None = None,
    schedule: PollSchedule | None = None,
) -> J:
    """Poll `job` until its status is terminal and return it.

    Raises `PredictionTimeoutError` when `deadline` (monotonic seconds) passes, after asking the
    server to cancel the job. Any other exit before the job is terminal (an error, task
    cancellation, Ctrl-C) also cancels it when `cancel_on_exit` is true.
    """
    plan = schedule or PollSchedule(first=api.options.poll_interval)
    current = job
    previous_status: str | None = None
    interval: float | None = None
    last_seen = (current.status, _progress_key(current))
    try:
        while current.status not in TERMINAL_STATUSES:
            if deadline is not None and Runtime.now() >= deadline:
                raise _Expired
            interval = plan.next_interval(current.status, previous_status, interval)
            previous_status = current.status
            pause = plan.jittered(interval)
            if deadline is not None:
                pause = min(pause, max(0.0, deadline - Runtime.now()))
            Runtime.sleep(pause)
            if deadline is not None and Runtime.now() >= deadline:
                raise _Expired
            try:
                current = fetch_job(api, type(job), job.id, deadline=deadline)
            except APITimeoutError:
                if deadline is not None and Runtime.now() >= deadline - 0.01:
                    raise _Expired from None
                raise
            seen = (current.status, _progress_key(current))
            if on_progress is not None and seen != last_seen:
                on_progress(current)
            last_seen = seen
        return current
    except _Expired:
        latest = cancel_quietly(api, current)
        raise PredictionTimeoutError(latest) from None
    except BaseException:
        if cancel_on_exit and current.status not in TERMINAL_STATUSES:
            cancel_quietly(api, current)
        raise


def _progress_key(job: Prediction | Training) -> object:
    if isinstance(job, Prediction):
        progress = job.progress
        return None if progress is None else progress.current
    return None


class _Expired(Exception):
    """The caller's deadline passed (internal signal)."""
