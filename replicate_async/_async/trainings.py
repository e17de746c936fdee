"""AsyncTrainings: create, get, list, iter, cancel and wait."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence

from .._concurrency import AsyncRuntime
from .._config import check_call_timeout
from .._exceptions import decode_json_body
from .._params import create_body, resolve_training_version
from .._refs import parse_model
from .._serde import structure
from .._types import InputMapping, WebhookEventName
from ..types.models import ModelVersion
from ..types.pages import Page
from ..types.trainings import Training
from .api_client import AsyncAPIClient
from .files import check_segment
from .pagination import fetch_page, iterate_pages
from .uploads import encode_input
from .waiting import fetch_job, wait_until_terminal

__all__ = ["AsyncTrainings"]


class AsyncTrainings:
    """Trainings (fine-tunes): create, get, list, iter, cancel, wait."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def create(
        self,
        ref: str | None = None,
        *,
        destination: str,
        input: InputMapping,
        model: str | None = None,
        version: str | ModelVersion | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
    ) -> Training:
        """Start a training of a model version; success adds a new version to `destination`.

        Name the version as ``"owner/name:<version id>"``, or with ``model="owner/name"`` and
        ``version="<version id>"``. File leaves in `input` (Path, bytes, binary file objects)
        are uploaded first, as for predictions. The create is never retried once it may have
        reached the server.

        Args:
            ref: The version to train, ``owner/name:<version id>``.
            destination: The model to push the trained version to, ``owner/name`` (it must
                exist and be yours).
            input: The trainer's input.
            model: The model to train, ``owner/name`` (with `version`).
            version: The version id to train.
            webhook: An https URL to receive the training's updates.
            webhook_events_filter: The events to send to `webhook` (start, output, logs,
                completed).

        Returns:
            The new training (status ``starting``); follow it with `wait`.
        """
        target = resolve_training_version(ref, model=model, version=version)
        try:
            dest = parse_model(destination)
        except ValueError:
            raise ValueError(
                f"destination={destination!r} is not valid: pass the model to push to, "
                "'owner/name', without a version"
            ) from None
        if not isinstance(input, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(
                f"input must be a mapping of input names to values, not {type(input).__name__}"
            )
        # Built (and so checked) before any upload: a bad webhook must not cost an upload.
        body = create_body(dest, {}, webhook=webhook, webhook_events_filter=webhook_events_filter)
        self._api.options.require_token()
        body["input"] = await encode_input(self._api, input)
        body["destination"] = str(dest)
        path = f"models/{target.owner}/{target.name}/versions/{target.id}/trainings"
        payload = decode_json_body(await self._api.request("POST", path, kind="create", json=body))
        return structure(payload, Training)

    async def get(self, id: str) -> Training:
        """Return the current state of the training `id`."""
        check_segment(id, what="training id", example="pass Training.id")
        return await fetch_job(self._api, Training, id)

    async def list(self, *, cursor: str | None = None) -> Page[Training]:
        """Return one page of your trainings, newest first.

        Args:
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        return await fetch_page(self._api, "trainings", Training, cursor=cursor)

    async def iter(self) -> AsyncIterator[Training]:
        """Yield every training, page after page."""
        async for item in iterate_pages(self._api, "trainings", Training):
            yield item

    async def cancel(self, training: Training | str) -> Training:
        """Cancel a training (by object or id) and return its new state."""
        tid = training.id if isinstance(training, Training) else training
        check_segment(tid, what="training id", example="pass a Training or its id")
        payload = decode_json_body(
            await self._api.request("POST", f"trainings/{tid}/cancel", kind="idempotent")
        )
        return structure(payload, Training)

    async def wait(
        self,
        training: Training | str,
        *,
        timeout: float | None = None,
        cancel_on_exit: bool = False,
        on_progress: Callable[[Training], object] | None = None,
    ) -> Training:
        """Wait until the training is terminal and return it, whatever its status.

        Args:
            training: A training or its id.
            timeout: One deadline for the whole wait, in seconds. When it passes, the training
                is canceled on the server and `TrainingTimeoutError` is raised. ``None``
                waits as long as the training runs.
            cancel_on_exit: Also cancel the training when the caller gives up (task
                cancellation, or Ctrl-C in sync code).
            on_progress: Called with the training whenever its status changes.

        Returns:
            The terminal training (succeeded, failed, canceled or aborted).

        Raises:
            TrainingTimeoutError: `timeout` passed; its `training` is the last state seen.
        """
        seconds = check_call_timeout(timeout)
        deadline = None if seconds is None else AsyncRuntime.now() + seconds
        if isinstance(training, Training):
            current = training
        else:
            check_segment(training, what="training id", example="pass a Training or its id")
            current = await fetch_job(self._api, Training, training, deadline=deadline)
        return await wait_until_terminal(
            self._api,
            current,
            deadline=deadline,
            cancel_on_exit=cancel_on_exit,
            on_progress=on_progress,
        )
