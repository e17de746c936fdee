# GENERATED from replicate_async/_async/deployments.py by scripts/gen_sync.py. DO NOT EDIT.
"""Deployments: deployments, their predictions, and run()."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .._exceptions import decode_json_body
from .._params import check_instances, check_version_id
from .._refs import parse_deployment, parse_model
from .._serde import structure
from .._types import InputMapping, WebhookEventName
from ..types.deployments import Deployment
from ..types.pages import Page
from ..types.predictions import Prediction
from .api_client import APIClient
from .files import check_segment, delete_resource
from .pagination import fetch_page, iterate_pages
from .predictions import create_prediction
from .run import run_prediction

__all__ = ["DeploymentPredictions", "Deployments"]


class DeploymentPredictions:
    """Predictions through a deployment: create."""

    def __init__(self, api: APIClient) -> None:
        self._api = api

    def create(
        self,
        deployment: str,
        *,
        input: InputMapping,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        wait: bool | int = False,
        cancel_after: float | str | None = None,
    ) -> Prediction:
        """Create a prediction on a deployment (``POST /deployments/{o}/{n}/predictions``).

        The same as ``client.predictions.create(deployment="owner/name", ...)``; see there.
        File leaves in `input` are uploaded first.

        Args:
            deployment: The deployment, ``owner/name``.
            input: The model's input.
            webhook: An https URL to receive the prediction's updates.
            webhook_events_filter: The events to send to `webhook` (start, output, logs,
                completed).
            wait: ``True`` (or 1 to 60 seconds) asks the server to hold the response until the
                prediction finishes or the window ends; ``False`` returns at once.
            cancel_after: A server-side deadline (seconds, or ``"5m"``; at least 5 s).
        """
        ref = parse_deployment(deployment)
        return create_prediction(
            self._api,
            ref,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            wait=wait,
            cancel_after=cancel_after,
        )


class Deployments:
    """Deployments: get, list, iter, create, update, delete, run; sub-resource `predictions`."""

    def __init__(self, api: APIClient) -> None:
        self._api = api
        self.predictions: DeploymentPredictions = DeploymentPredictions(api)
        """Predictions through a deployment: create."""

    def get(self, deployment: str) -> Deployment:
        """Return a deployment with its current release.

        Args:
            deployment: The deployment, ``owner/name``.
        """
        ref = parse_deployment(deployment)
        payload = decode_json_body(
            self._api.request("GET", f"deployments/{ref.owner}/{ref.name}", kind="read")
        )
        return structure(payload, Deployment)

    def list(self, *, cursor: str | None = None) -> Page[Deployment]:
        """Return one page of your deployments, newest first.

        Args:
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        return fetch_page(self._api, "deployments", Deployment, cursor=cursor)

    def iter(self) -> Iterator[Deployment]:
        """Yield every deployment, page after page."""
        for item in iterate_pages(self._api, "deployments", Deployment):
            yield item

    def create(
        self,
        *,
        name: str,
        model: str,
        version: str,
        hardware: str,
        min_instances: int,
        max_instances: int,
    ) -> Deployment:
        """Create a deployment of a model version.

        Args:
            name: The deployment's name (it is created under your account).
            model: The model, ``owner/name``.
            version: The version id to deploy (64 hex characters).
            hardware: The hardware SKU (see ``client.hardware.list()``).
            min_instances: The fewest instances to keep running (the API allows 0 to 5).
            max_instances: The most instances to scale to (the API allows 0 to 20).
        """
        check_segment(name, what="deployment name", example="pass the name alone, e.g. 'prod'")
        ref = parse_model(model)
        check_version_id(version)
        check_segment(hardware, what="hardware SKU", example="see client.hardware.list()")
        low = check_instances("min_instances", min_instances)
        high = check_instances("max_instances", max_instances)
        if low > high:
            raise ValueError(f"min_instances={low} is more than max_instances={high}")
        body: dict[str, Any] = {
            "name": name,
            "model": str(ref),
            "version": version,
            "hardware": hardware,
            "min_instances": low,
            "max_instances": high,
        }
        payload = decode_json_body(
            self._api.request("POST", "deployments", kind="create", json=body)
        )
        return structure(payload, Deployment)

    def update(
        self,
        deployment: str,
        *,
        version: str | None = None,
        hardware: str | None = None,
        min_instances: int | None = None,
        max_instances: int | None = None,
    ) -> Deployment:
        """Change a deployment's version, hardware or scaling; only the arguments given are sent.

        Every change creates a new release (``current_release.number`` goes up).

        Args:
            deployment: The deployment, ``owner/name``.
            version: A version id to deploy instead (64 hex characters).
            hardware: A hardware SKU to move to.
            min_instances: The new minimum number of instances.
            max_instances: The new maximum number of instances.

        Raises:
            ValueError: No change was given, or a value is invalid.
        """
        ref = parse_deployment(deployment)
        body: dict[str, Any] = {}
        if version is not None:
            body["version"] = check_version_id(version)
        if hardware is not None:
            body["hardware"] = check_segment(
                hardware, what="hardware SKU", example="see client.hardware.list()"
            )
        if min_instances is not None:
            body["min_instances"] = check_instances("min_instances", min_instances)
        if max_instances is not None:
            body["max_instances"] = check_instances("max_instances", max_instances)
        if (
            min_instances is not None
            and max_instances is not None
            and min_instances > max_instances
        ):
            raise ValueError(
                f"min_instances={min_instances} is more than max_instances={max_instances}"
            )
        if not body:
            raise ValueError(
                "nothing to update: pass at least one of version, hardware, min_instances, "
                "max_instances"
            )
        payload = decode_json_body(
            self._api.request(
                "PATCH", f"deployments/{ref.owner}/{ref.name}", kind="create", json=body
            )
        )
        return structure(payload, Deployment)

    def delete(self, deployment: str) -> None:
        """Delete a deployment (the API allows it once it has been offline and unused for 15 min).

        Args:
            deployment: The deployment, ``owner/name``.
        """
        ref = parse_deployment(deployment)
        delete_resource(self._api, f"deployments/{ref.owner}/{ref.name}")

    def run(
        self,
        deployment: str,
        *,
        input: InputMapping,
        wait: bool | int = True,
        timeout: float | None = None,
        cancel_after: float | str | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        use_file_output: bool = True,
        on_progress: Callable[[Prediction], object] | None = None,
        cancel_on_exit: bool = True,
    ) -> Any:
        """Run a deployment and return its output once the prediction has succeeded.

        The same as ``client.run(deployment="owner/name", ...)``: see `Client.run` for
        the waiting, deadline and cancellation rules.

        Args:
            deployment: The deployment, ``owner/name``.
            input: The model's input; file leaves are uploaded first.
            wait: How long the create asks the server to hold the response (``True``: 60 s);
                run() waits for the outcome either way.
            timeout: One deadline for the whole call, in seconds; when it passes the
                prediction is canceled and `PredictionTimeoutError` is raised.
            cancel_after: A server-side deadline (seconds, or ``"5m"``; at least 5 s).
            webhook: An https URL to receive the prediction's updates.
            webhook_events_filter: The events to send to `webhook`.
            use_file_output: Return file URLs as file outputs (``False``: the raw JSON).
            on_progress: Called with the prediction whenever its status or progress changes.
            cancel_on_exit: Cancel the prediction when the caller gives up (task cancellation,
                or Ctrl-C in sync code).

        Returns:
            The prediction's output.

        Raises:
            PredictionFailedError: The prediction failed.
            PredictionCanceledError: The prediction was canceled (`PredictionAbortedError`
                when its Cancel-After deadline passed before it started).
            PredictionTimeoutError: `timeout` passed.
            NotFoundError: No such deployment.
            UnprocessableEntityError: The input does not match the model's schema.
            APIStatusError: Any other error answer of the API.
            ValueError: `deployment` is not ``owner/name``, or another argument is malformed.

        Example:
            ```python
            output = client.deployments.run("acme/captioner", input={"image": url})
            ```
        """
        ref = parse_deployment(deployment)
        return run_prediction(
            self._api,
            ref,
            input=input,
            wait=wait,
            timeout=timeout,
            cancel_after=cancel_after,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            use_file_output=use_file_output,
            on_progress=on_progress,
            cancel_on_exit=cancel_on_exit,
        )
