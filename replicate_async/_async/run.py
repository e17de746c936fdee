"""The run() pipeline: resolve, encode inputs, create (held), wait, judge, map outputs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .._concurrency import AsyncRuntime
from .._config import check_call_timeout
from .._exceptions import check_outcome
from .._refs import DeploymentRef, ModelRef, VersionRef
from .._types import InputMapping, WebhookEventName
from ..types.predictions import Prediction
from .api_client import AsyncAPIClient
from .file_output import map_file_outputs
from .predictions import create_prediction
from .waiting import wait_for_job

__all__ = ["check_outcome", "map_prediction_output", "run_prediction"]


def map_prediction_output(api: AsyncAPIClient, output: Any, *, use_file_output: bool) -> Any:
    """The output as run() returns it: file strings wrapped as `AsyncFileOutput`."""
    return map_file_outputs(api, output) if use_file_output else output


async def run_prediction(
    api: AsyncAPIClient,
    target: ModelRef | VersionRef | DeploymentRef,
    *,
    input: InputMapping,
    wait: bool | int,
    timeout: float | None,
    cancel_after: float | str | None,
    webhook: str | None,
    webhook_events_filter: Sequence[WebhookEventName] | None,
    use_file_output: bool,
    on_progress: Callable[[Prediction], object] | None,
    cancel_on_exit: bool,
) -> Any:
    """Run a model to completion and return its output (see `AsyncClient.run`)."""
    seconds = check_call_timeout(timeout)
    deadline = None if seconds is None else AsyncRuntime.now() + seconds
    # The create's hold ends before the deadline (see `create_prediction`), and the create runs in a
    # job the client owns: interrupted meanwhile, the caller returns and the client cancels
    # whatever the create made.
    prediction = await create_prediction(
        api,
        target,
        input=input,
        webhook=webhook,
        webhook_events_filter=webhook_events_filter,
        wait=wait,
        cancel_after=cancel_after,
        deadline=deadline,
        cancel_on_exit=cancel_on_exit,
    )
    if not prediction.is_terminal:
        if on_progress is not None:
            on_progress(prediction)
        prediction = await wait_for_job(
            api,
            prediction,
            deadline=deadline,
            cancel_on_exit=cancel_on_exit,
            on_progress=on_progress,
        )
    check_outcome(prediction)
    return map_prediction_output(api, prediction.output, use_file_output=use_file_output)
