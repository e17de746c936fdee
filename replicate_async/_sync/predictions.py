# GENERATED from replicate_async/_async/predictions.py by scripts/gen_sync.py. DO NOT EDIT.
"""Predictions: create, list, iter, output and stream (get, cancel and wait from Jobs).

And `send_create`, the client-owned create behind every prediction the SDK makes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from .._concurrency import DeadlinePassed, Runtime
from .._exceptions import APITimeoutError, NotFoundError, UnprocessableEntityError, decode_json_body
from .._http import SendGuard, cancel_after_value, hold_for_deadline, prefer_value
from .._params import create_body, create_hint, query_filters, resolve_target
from .._refs import DeploymentRef, ModelRef, VersionRef
from .._serde import structure
from .._types import InputMapping, WebhookEventName
from ..types.models import ModelVersion
from ..types.pages import Page
from ..types.predictions import Prediction
from .api_client import APIClient
from .file_output import map_file_outputs
from .jobs import Jobs
from .pagination import fetch_page, iterate_pages
from .uploads import encode_input
from .waiting import cancel_now, cancel_on_exit_of

if TYPE_CHECKING:
    from .streaming import PredictionStream

__all__ = ["Predictions", "create_prediction", "send_create"]


def send_create(
    api: APIClient,
    target: ModelRef | VersionRef | DeploymentRef,
    body: dict[str, Any],
    headers: Mapping[str, str],
    *,
    hold: float | None,
    deadline: float | None,
    cancel_on_exit: bool = True,
) -> Prediction:
    """Send a create in a job the client owns and return the prediction it made.

    The caller may be interrupted at any moment without leaving a paid prediction behind: a
    create not sent yet is never sent; a create in flight is read to its end by the client,
    which then cancels the prediction (async callers return at once; `close()` waits for it),
    unless `cancel_on_exit` is false. Past `deadline`, the caller gets `APITimeoutError` and
    the prediction is cancelled whatever `cancel_on_exit` says, as a deadline always does.
    """
    guard = SendGuard(Runtime.cancel_pending_probe())
    job = api.connection.tasks.start(
        partial(_create_job, api, target, body, headers, hold, deadline, guard)
    )
    try:
        return job.result(deadline)
    except BaseException as exc:
        deadline_passed = isinstance(exc, DeadlinePassed)
        if job.done():
            made = job.finished_value()
            if deadline_passed and made is not None:
                return made  # it answered as the deadline passed: the caller handles that
            if deadline_passed and job.error is not None:
                raise job.error from None
            if made is not None and exc is not job.error and cancel_on_exit:
                # The create finished as the caller gave up: nobody will follow it.
                cancel_on_exit_of(api, made, exc)
            if not deadline_passed:
                raise
        # A deadline always cancels what the create makes; a caller who gives up, only with
        # `cancel_on_exit` (set before `abandoned`: a sync job reads them from its thread).
        guard.keep_made = not (deadline_passed or cancel_on_exit)
        guard.abandoned = True
        if not guard.sending:
            job.cancel()
        if deadline_passed:
            raise APITimeoutError(
                "the prediction's create had not answered by the deadline; if it made a "
                "prediction, the client cancels it",
                request_sent=guard.sending,
            ) from None
        if cancel_on_exit and Runtime.is_cancellation(exc):
            Runtime.after_interrupt(
                job, lambda: _describe_create(guard), lambda: _note_left(api, guard)
            )
        raise


def _note_left(api: APIClient, guard: SendGuard) -> None:
    if guard.prediction_id is not None:
        api.connection.left_running.append(guard.prediction_id)


def _describe_create(guard: SendGuard) -> str:
    if guard.prediction_id is not None:
        return f"prediction {guard.prediction_id}"
    return "the prediction being created (its id is not known yet)"


def _create_job(
    api: APIClient,
    target: ModelRef | VersionRef | DeploymentRef,
    body: dict[str, Any],
    headers: Mapping[str, str],
    hold: float | None,
    send_by: float | None,
    guard: SendGuard,
) -> Prediction:
    try:
        payload = decode_json_body(
            api.request(
                "POST",
                target.create_path,
                kind="create",
                json=body,
                headers=headers,
                hold=hold,
                limit_class="create",
                send_by=send_by,
                guard=guard,
            )
        )
    except (NotFoundError, UnprocessableEntityError) as exc:
        hint = create_hint(target, exc.status_code, f"{exc.title or ''} {exc.detail or ''}")
        if hint and exc.hint is None:
            exc.hint = hint
            exc.args = (f"{str(exc.args[0]).rstrip('.')}. {hint}",)
        raise
    prediction = structure(payload, Prediction)
    guard.prediction_id = prediction.id
    if guard.abandoned and not guard.keep_made and not prediction.is_terminal:
        # Nobody will follow this prediction: cancel it now, inside the same job.
        cancel_now(api, prediction)
    return prediction


def create_prediction(
    api: APIClient,
    target: ModelRef | VersionRef | DeploymentRef,
    *,
    input: InputMapping,
    webhook: str | None = None,
    webhook_events_filter: Sequence[WebhookEventName] | None = None,
    wait: bool | int | float = False,
    cancel_after: float | str | None = None,
    deadline: float | None = None,
    cancel_on_exit: bool = True,
) -> Prediction:
    """Create a prediction for an already parsed reference (create, run, stream, batch).

    A caller that gives up while the create is in flight leaves its prediction cancelled, or
    running with ``cancel_on_exit=False`` (a create not sent yet is never sent either way).

    With a `deadline`, a hold asked by `wait` ends `HOLD_MARGIN` seconds before it (or is
    dropped when less than that is left), so the answer always arrives in time.
    """
    prefer_value(wait)  # a bad `wait` fails before anything is uploaded
    headers: dict[str, str] = {}
    if cancel_after is not None:
        headers["Cancel-After"] = cancel_after_value(cancel_after)
    if not isinstance(input, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            f"input must be a mapping of input names to values, not {type(input).__name__}"
        )
    api.options.require_token()
    body = create_body(target, input, webhook=webhook, webhook_events_filter=webhook_events_filter)
    body["input"] = encode_input(api, input)
    if deadline is not None and wait is not False:
        wait = hold_for_deadline(wait is True or int(wait), deadline - Runtime.now())
    prefer, hold = prefer_value(wait)
    if prefer is not None:
        headers["Prefer"] = prefer
    return send_create(
        api, target, body, headers, hold=hold, deadline=deadline, cancel_on_exit=cancel_on_exit
    )


class Predictions(Jobs[Prediction]):
    """Predictions: create, get, output, list, iter, cancel, wait and stream."""

    _kind = Prediction
    _collection = "predictions"

    def create(
        self,
        ref: str | None = None,
        *,
        input: InputMapping,
        model: str | None = None,
        version: str | ModelVersion | None = None,
        deployment: str | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        wait: bool | int = False,
        cancel_after: float | str | None = None,
    ) -> Prediction:
        """Create a prediction and return it as the API answered.

        By default the call returns at once (status ``starting``); follow the prediction with
        `wait`, `stream` or a webhook. A create is never retried after it may have reached the
        server, so a prediction is never paid for twice.

        Args:
            ref: ``owner/name`` (an official model), ``owner/name:<version id>`` or a bare
                version id. Pass exactly one of `ref`, `model`, `version` and `deployment`.
            input: The model's input. File leaves (`pathlib.Path`, bytes, binary file
                objects) are uploaded first.
            model: An official model, ``owner/name``.
            version: A version: ``owner/name:<id>``, the id, or a `ModelVersion`.
            deployment: A deployment, ``owner/name``.
            webhook: An https URL to receive the prediction's updates.
            webhook_events_filter: The events to send to `webhook` (``start``, ``output``,
                ``logs``, ``completed``).
            wait: ``True`` (or seconds, 1 to 60) asks the server to hold the response until
                the prediction finishes or the window ends; the result may still not be
                terminal, so check `Prediction.is_terminal` or call `wait`.
            cancel_after: A deadline enforced by the server (seconds, or ``"5m"``; at least
                5 s).

        Returns:
            The new prediction.

        Raises:
            UnprocessableEntityError: The input does not match the model's schema, or the
                version does not exist.
            NotFoundError: No such model or deployment (a community model needs a version).
            APIStatusError: Any other error answer of the API.
            APIConnectionError: The API could not be reached.
            ValueError: Not exactly one model reference, or a malformed argument.

        Example:
            ```python
            prediction = client.predictions.create(
                "black-forest-labs/flux-schnell", input={"prompt": "a red fox"}
            )
            prediction = client.predictions.wait(prediction, timeout=300)
            ```
        """
        target = resolve_target(ref, model=model, version=version, deployment=deployment)
        return create_prediction(
            self._api,
            target,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            wait=wait,
            cancel_after=cancel_after,
        )

    def output(self, prediction: Prediction) -> Any:
        """The prediction's output as ``run()`` returns it: file URLs become `FileOutput`.

        Use it with a prediction from `create`, `get` or `wait`; nothing is fetched until a
        file is read. Other strings (text, or a URL in a language model's answer) stay strings.

        Args:
            prediction: The prediction.

        Returns:
            Its output, with file URLs as `FileOutput` objects; None when it has none.

        Raises:
            AttributeError: `prediction` is not a `Prediction` (an id is not fetched: call
                `get` first).

        Example:
            ```python
            prediction = client.predictions.wait(prediction_id)
            for image in client.predictions.output(prediction):
                image.save(".")
            ```
        """
        return map_file_outputs(self._api, prediction.output)

    def list(
        self,
        *,
        cursor: str | None = None,
        created_after: str | None = None,
        created_before: str | None = None,
        source: str | None = None,
    ) -> Page[Prediction]:
        """Return one page of your predictions, newest first (pass ``cursor=page.next``)."""
        params = query_filters(
            created_after=created_after, created_before=created_before, source=source
        )
        return fetch_page(self._api, "predictions", Prediction, cursor=cursor, params=params)

    def iter(
        self,
        *,
        created_after: str | None = None,
        created_before: str | None = None,
        source: str | None = None,
    ) -> Iterator[Prediction]:
        """Yield every prediction of every page."""
        params = query_filters(
            created_after=created_after, created_before=created_before, source=source
        )
        for prediction in iterate_pages(self._api, "predictions", Prediction, params=params):
            yield prediction

    def stream(
        self,
        prediction: Prediction | str,
        *,
        timeout: float | None = None,
        cancel_on_exit: bool = False,
        idle_timeout: float = 30.0,
    ) -> PredictionStream:
        """Stream the events of an existing prediction.

        Nothing is sent until the stream is entered or iterated (an id is fetched then). A
        prediction without a stream URL is followed by polling, its output growth yielded as
        `OutputEvent` objects.

        Args:
            prediction: The prediction, or its id.
            timeout: One deadline for the whole stream, in seconds; when it passes the
                prediction is canceled and `PredictionTimeoutError` is raised.
            cancel_on_exit: Cancel the prediction when the stream is left before its end.
            idle_timeout: Seconds without a meaningful event before the stream looks at the
                prediction: a finished one ends the stream, a running one is listened to
                further.

        Returns:
            The stream of `StreamEvent` objects (see `PredictionStream`).

        Raises:
            PredictionFailedError: While iterating, after the `DoneEvent`, when the
                prediction failed.
            PredictionCanceledError: While iterating, when it was canceled.
            PredictionTimeoutError: While iterating, when `timeout` passed.
            ValueError: A malformed id or argument.

        Example:
            ```python
            prediction = client.predictions.create(model="owner/llm", input={...})
            for text in client.predictions.stream(prediction).text():
                print(text, end="")
            ```
        """
        from .streaming import PredictionStream

        return PredictionStream.for_prediction(
            self._api,
            prediction,
            timeout=timeout,
            cancel_on_exit=cancel_on_exit,
            idle_timeout=idle_timeout,
        )
