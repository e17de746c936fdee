"""AsyncJobs: what predictions and trainings share: get, cancel and wait.

A training is a job like a prediction (the same statuses, logs, output and cancellation), so
one class implements those methods for both; `AsyncPredictions` and `AsyncTrainings` add
what differs (creating, listing with their filters, streaming).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic

from .._concurrency import AsyncRuntime
from .._config import check_call_timeout
from .._exceptions import decode_json_body
from .._refs import check_id
from .._serde import structure
from .api_client import AsyncAPIClient
from .waiting import J, fetch_job, wait_for_job

__all__ = ["AsyncJobs"]


class AsyncJobs(Generic[J]):
    """The methods predictions and trainings share (see `AsyncPredictions`, `AsyncTrainings`)."""

    _kind: type[J]
    _collection: str

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    def _id_of(self, job: J | str) -> str:
        what = self._collection[:-1]
        if isinstance(job, self._kind):
            return job.id
        return check_id(job, f"{what} id", example=f"pass a {self._kind.__name__} or its id")

    async def get(self, job: J | str, /) -> J:
        """Return the current state (given the object or its id); never served from a cache.

        Args:
            job: The prediction or training, or its id.

        Returns:
            Its current state, fetched from the API.

        Raises:
            NotFoundError: No such prediction or training (or it is not yours).
            APIStatusError: Any other error answer of the API.
            APIConnectionError: The API could not be reached, after retries.
            ValueError: A malformed id.

        Example:
            ```python
            prediction = await client.predictions.get("rrr4z55ocneqzikepnug6xezpe")
            print(prediction.status, prediction.logs)
            ```
        """
        return await fetch_job(self._api, self._kind, self._id_of(job))

    async def cancel(self, job: J | str, /) -> J:
        """Cancel it on the server (given the object or its id) and return its new state.

        Args:
            job: The prediction or training, or its id.

        Returns:
            Its state after the cancel (a finished one is returned unchanged).

        Raises:
            NotFoundError: No such prediction or training.
            ValueError: A malformed id.
        """
        job_id = self._id_of(job)
        payload = decode_json_body(
            await self._api.request(
                "POST", f"{self._collection}/{job_id}/cancel", kind="idempotent"
            )
        )
        return structure(payload, self._kind)

    async def wait(
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
            The terminal state (succeeded, failed, canceled or aborted): a failed job is
            returned, not raised; check its ``status`` and ``error``.

        Raises:
            PredictionTimeoutError: `timeout` passed, for a prediction (it was canceled).
            TrainingTimeoutError: `timeout` passed, for a training (it was canceled).
            NotFoundError: No such prediction or training.
            APIConnectionError: The API could not be reached, after retries.
            TypeError: `timeout` is not a number.
            ValueError: `timeout` is not positive and finite, or a malformed id.

        Example:
            ```python
            training = await client.trainings.wait(training, timeout=3600)
            if training.status == "succeeded" and training.output:
                print("new version:", training.output.version)
            ```
        """
        seconds = check_call_timeout(timeout)
        deadline = None if seconds is None else AsyncRuntime.now() + seconds
        current = (
            job
            if isinstance(job, self._kind)
            else await fetch_job(self._api, self._kind, self._id_of(job), deadline=deadline)
        )
        return await wait_for_job(
            self._api,
            current,
            deadline=deadline,
            cancel_on_exit=cancel_on_exit,
            on_progress=on_progress,
        )
