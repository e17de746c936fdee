# GENERATED from replicate_async/_async/trainings.py by scripts/gen_sync.py. DO NOT EDIT.
"""Trainings: create, get, list, iter, cancel and wait."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from .._exceptions import decode_json_body
from .._params import create_body, resolve_training_version
from .._refs import parse_model
from .._serde import structure
from .._types import InputMapping, WebhookEventName
from ..types.models import ModelVersion
from ..types.pages import Page
from ..types.trainings import Training
from .jobs import Jobs
from .pagination import fetch_page, iterate_pages
from .uploads import encode_input

__all__ = ["Trainings"]


class Trainings(Jobs[Training]):
    """Trainings (fine-tunes): create, get, list, iter, cancel, wait."""

    _kind = Training
    _collection = "trainings"

    def create(
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

        Raises:
            NotFoundError: No such model or version, or no such `destination` model (create
                it first with ``client.models.create``).
            UnprocessableEntityError: The input does not match the trainer's schema.
            PermissionDeniedError: `destination` is not yours.
            APIStatusError: Any other error answer of the API.
            APIConnectionError: The API could not be reached.
            ValueError: The version is not named exactly once, or `destination` is not
                ``owner/name``.
            TypeError: `input` is not a mapping.

        Example:
            ```python
            training = client.trainings.create(
                "ostris/flux-dev-lora-trainer:<version id>",
                destination="me/my-flux-lora",
                input={"input_images": Path("photos.zip"), "trigger_word": "TOK"},
            )
            training = client.trainings.wait(training, timeout=3600)
            ```
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
        body["input"] = encode_input(self._api, input)
        body["destination"] = str(dest)
        path = f"models/{target.owner}/{target.name}/versions/{target.id}/trainings"
        payload = decode_json_body(self._api.request("POST", path, kind="create", json=body))
        return structure(payload, Training)

    def list(self, *, cursor: str | None = None) -> Page[Training]:
        """Return one page of your trainings, newest first.

        Args:
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        return fetch_page(self._api, "trainings", Training, cursor=cursor)

    def iter(self) -> Iterator[Training]:
        """Yield every training, page after page."""
        for item in iterate_pages(self._api, "trainings", Training):
            yield item
