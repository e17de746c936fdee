# GENERATED from replicate_async/_async/jobs.py by scripts/gen_sync.py. DO NOT EDIT.
"""Jobs: what predictions and trainings share: get, cancel and wait.

A training is a job like a prediction (the same statuses, logs, output and cancellation), so
one class implements those methods for both; `Predictions` and `Trainings` add
what differs (creating, listing with their filters, streaming).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic

from .._concurrency import Runtime
from .._config import check_call_timeout
from .._exceptions import decode_json_body
from .._refs import check_id
from .._serde import structure
from .api_client import APIClient
from .waiting import J, fetch_job, wait_for_job

__all__ = ["Jobs"]


class Jobs(Generic[J]):
    """The methods predictions and trainings share (see `Predictions`, `Trainings`)."""

    _kind: type[J]
    _collection: str

    def __init__(self, api: APIClient) -> None:
        self._api = api

    def _id_of(self, job: J | str) -> str:
        what = self._collection[:-1]
        if isinstance(job, self._kind):
            return job.id
        return check_id(job, f"{what} id", example=f"pass a {self._kind.__name__} or its id")

    def get(self, job: J | str, /) -> J:
        """Return the current state (given the object or its id); never served from a cache."""
        return fetch_job(self._api, self._kind, self._id_of(job))

    def cancel(self, job: J | str, /) -> J:
        """Cancel it on the server (given the object or its id) and return its new state."""
        job_id = self._id_of(job)
        payload = decode_json_body(
            self._api.request("POST", f"{self._collection}/{job_id}/cancel", kind="idempotent")
        )
        return structure(payload, self._kind)

    def wait(
        self,
        job: J | str,
        /,
        *,
        timeout: float | None = None,
        cancel_on_exit: bool = False,
        on_progress: Callable[[J], object] | None = None,
    ) -> J:
        """Wait until it is terminal and return it, whatever its status.

        A prediction that streams is followed by its stream (no polling) while a stream slot
        is free; otherwise it is polled on an adaptive schedule.

        Args:
            job: The object, or its id.
            timeout: One deadline for the whole wait, in seconds. When it passes, the job is
                canceled on the server and `PredictionTimeoutError` (`TrainingTimeoutError`
                for a training) is raised. ``None`` waits as long as it runs.
            cancel_on_exit: Also cancel it when the caller gives up (task cancellation in
                any form, or Ctrl-C in sync code).
            on_progress: Called with the latest state whenever its status or progress
                changes.

        Returns:
            The terminal state (succeeded, failed, canceled or aborted).
        """
        seconds = check_call_timeout(timeout)
        deadline = None if seconds is None else Runtime.now() + seconds
        current = (
            job
            if isinstance(job, self._kind)
            else fetch_job(self._api, self._kind, self._id_of(job), deadline=deadline)
        )
        return wait_for_job(
            self._api,
            current,
            deadline=deadline,
            cancel_on_exit=cancel_on_exit,
            on_progress=on_progress,
        )
