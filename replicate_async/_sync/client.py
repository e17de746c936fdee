# GENERATED from replicate_async/_async/client.py by scripts/gen_sync.py. DO NOT EDIT.
"""Client: configuration, lifecycle, resources, run() and stream()."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self

import httpx

from .._concurrency import Runtime
from .._config import ClientOptions, resolve_options, to_timeout
from .._params import resolve_target
from .._retry import RetryPolicy
from .._types import NOT_GIVEN, InputMapping, NotGiven, TimeoutLike, WebhookEventName
from ..types.predictions import Prediction
from .account import Account
from .api_client import APIClient, Connection
from .collections import Collections
from .deployments import Deployments
from .files import Files
from .hardware import Hardware
from .models import Models
from .predictions import Predictions
from .run import run_prediction
from .trainings import Trainings
from .webhooks import Webhooks

if TYPE_CHECKING:
    from .streaming import PredictionStream

__all__ = ["Client"]


class Client:
    """A client for Replicate's HTTP API.

    Use it as a context manager (``with Client() as client``) or call `close`. One
    client is safe to share between any number of concurrent tasks: it bounds its own in-flight
    requests (`max_concurrency`) and pauses sibling requests after a 429.

    Args:
        api_token: The API token; defaults to the REPLICATE_API_TOKEN environment variable.
        base_url: The API base URL (with or without /v1); defaults to REPLICATE_BASE_URL, else
            https://api.replicate.com/v1.
        timeout: Per-HTTP-request timeout in seconds or an `httpx.Timeout` (default 30 s,
            connect 5 s). `run(timeout=...)` is the overall deadline of one prediction.
        max_retries: Retries after a retryable failure (default 3). Prediction creates are
            retried only when the request provably never reached the server, or on 429.
        max_retry_after: The longest server-requested wait to sleep on (default 60 s); a longer
            one raises `RateLimitError` at once.
        poll_interval: The first interval of the adaptive poll schedule (default 0.5 s, or
            REPLICATE_POLL_INTERVAL).
        max_concurrency: In-flight API requests at most (default 64).
        max_streams: Concurrent server-sent event streams at most (default 16).
        file_encoding: ``"upload"`` (default) sends file inputs through the Files API;
            ``"data-uri"`` inlines them, up to `max_data_uri_bytes` in all.
        max_data_uri_bytes: The data-URI budget of one input (default 256 KiB).
        user_agent_suffix: Appended to the User-Agent, for libraries built on replicate_async.
        file_output_prefixes: Extra URL prefixes whose output strings become file outputs
            (the emulator passes its own delivery URL).
        http_client: Your own `httpx.Client` (never closed by replicate_async, never given
            a default Authorization header).
        transport: An httpx transport to send the client's requests (for tests: the
            emulator's in-process transport, `httpx.MockTransport`).
        http_backend: ``"httpx"`` (default) sends requests through httpx, one connection per
            request in flight (httpx's own pool when the environment names a proxy).
            ``"aiohttp"`` sends them through aiohttp's pool (extra
            ``replicate-async[aiohttp]``; asyncio only, async client only), faster still on
            instant requests; every guarantee (deadlines, cancellation, retries, streams, no
            token off-origin) holds the same.
    """

    def __init__(
        self,
        api_token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutLike | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        max_retry_after: float | NotGiven = NOT_GIVEN,
        poll_interval: float | NotGiven = NOT_GIVEN,
        max_concurrency: int = 64,
        max_streams: int = 16,
        file_encoding: Literal["upload", "data-uri"] = "upload",
        max_data_uri_bytes: int = 256 * 1024,
        user_agent_suffix: str | None = None,
        file_output_prefixes: Sequence[str] = (),
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        http_backend: Literal["httpx", "aiohttp"] = "httpx",
    ) -> None:
        options = resolve_options(
            api_token,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_after=max_retry_after,
            poll_interval=poll_interval,
            max_concurrency=max_concurrency,
            max_streams=max_streams,
            file_encoding=file_encoding,
            max_data_uri_bytes=max_data_uri_bytes,
            user_agent_suffix=user_agent_suffix,
            file_output_prefixes=tuple(file_output_prefixes),
        )
        if http_backend != "httpx":
            if http_client is not None or transport is not None:
                raise ValueError(
                    f"http_backend={http_backend!r} makes the client's own transport: "
                    "pass it without http_client= or transport="
                )
            transport = Runtime.backend_transport(
                http_backend, max_connections=options.max_concurrency + options.max_streams
            )
        connection = Connection(options, http_client=http_client, transport=transport)
        self._setup(options, connection, child=False)

    def _setup(self, options: ClientOptions, connection: Connection, *, child: bool) -> None:
        self._options = options
        self._connection = connection
        self._child = child
        self._api = APIClient(options, connection)
        self.predictions: Predictions = Predictions(self._api)
        """Predictions: create, get, list, iter, cancel, wait, stream."""
        self.models: Models = Models(self._api)
        """Models, their versions, examples and README; search."""
        self.deployments: Deployments = Deployments(self._api)
        """Deployments and their predictions."""
        self.trainings: Trainings = Trainings(self._api)
        """Trainings: create, get, list, iter, cancel, wait."""
        self.files: Files = Files(self._api)
        """The Files API: create, get, list, iter, delete."""
        self.collections: Collections = Collections(self._api)
        """Collections of models."""
        self.hardware: Hardware = Hardware(self._api)
        """Hardware SKUs."""
        self.account: Account = Account(self._api)
        """The account that owns the token."""
        self.webhooks: Webhooks = Webhooks(self._api)
        """The webhook signing secret, and verification with it."""

    @property
    def base_url(self) -> str:
        """The API base URL in use."""
        return self._options.base_url

    @property
    def is_closed(self) -> bool:
        """Whether the client has been closed."""
        return self._connection.closed

    @property
    def left_running(self) -> tuple[str, ...]:
        """Ids of predictions and trainings this client failed to cancel when it gave up on them.

        A cancel is sent whenever a call that created a prediction ends early (its `timeout`
        passed, the task was cancelled, Ctrl-C). When that cancel cannot be delivered, a
        WARNING names the id and the id is listed here, so that you can cancel it yourself.
        """
        return tuple(self._connection.left_running)

    def __repr__(self) -> str:
        token = "<set>" if self._options.api_token else "<missing>"
        return f"{type(self).__name__}(api_token={token}, base_url={self._options.base_url!r})"

    def with_options(
        self,
        *,
        timeout: TimeoutLike | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        max_retry_after: float | NotGiven = NOT_GIVEN,
        poll_interval: float | NotGiven = NOT_GIVEN,
        file_encoding: Literal["upload", "data-uri"] | NotGiven = NOT_GIVEN,
        max_data_uri_bytes: int | NotGiven = NOT_GIVEN,
    ) -> Self:
        """Return a client with some options changed that shares this one's pool and limits.

        The copy shares the connection pool, the concurrency limits, the rate-limit pauses
        and the cleanups of this client; only the options given change. Closing the copy
        does nothing; close the original.

        Args:
            timeout: Per-HTTP-request timeout in seconds, or an `httpx.Timeout`.
            max_retries: Retries after a retryable failure.
            max_retry_after: The longest server-requested wait to sleep on before retrying;
                a longer one raises `RateLimitError` at once.
            poll_interval: The first interval of the adaptive poll schedule, in seconds.
            file_encoding: ``"upload"`` (the Files API) or ``"data-uri"`` (inlined) for
                file inputs.
            max_data_uri_bytes: The data-URI budget of one input.

        Returns:
            The new client, of the same class.

        Raises:
            TypeError: An option has the wrong type.
            ValueError: An option is out of range.

        Example:
            ```python
            patient = client.with_options(max_retries=8, timeout=120)
            output = patient.run("owner/name:<version id>", input={"text": "hi"})
            ```
        """
        changes: dict[str, Any] = {}
        if not isinstance(timeout, NotGiven):
            changes["timeout"] = to_timeout(timeout)
        retry: RetryPolicy = self._options.retry
        if not isinstance(max_retries, NotGiven):
            retry = RetryPolicy(
                max_retries=max_retries,
                base_backoff=retry.base_backoff,
                max_backoff=retry.max_backoff,
                max_retry_after=retry.max_retry_after,
            )
        if not isinstance(max_retry_after, NotGiven):
            retry = RetryPolicy(
                max_retries=retry.max_retries,
                base_backoff=retry.base_backoff,
                max_backoff=retry.max_backoff,
                max_retry_after=float(max_retry_after),
            )
        changes["retry"] = retry
        if not isinstance(poll_interval, NotGiven):
            changes["poll_interval"] = float(poll_interval)
        if not isinstance(file_encoding, NotGiven):
            changes["file_encoding"] = file_encoding
        if not isinstance(max_data_uri_bytes, NotGiven):
            changes["max_data_uri_bytes"] = max_data_uri_bytes
        clone = object.__new__(type(self))
        clone._setup(self._options.replace(**changes), self._connection, child=True)
        return clone

    def close(self) -> None:
        """Finish the client's cleanups, then close the connection pool.

        Cleanups are the cancels of predictions whose callers gave up (and the reading of
        creates that were in flight then); when this returns, none is pending. A no-op on a
        `with_options` copy.
        """
        if not self._child:
            self._connection.close()

    def __enter__(self) -> Self:
        if self._connection.closed:
            raise RuntimeError("this client is closed: create a new client")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def run(
        self,
        ref: str | None = None,
        *,
        input: InputMapping,
        deployment: str | None = None,
        wait: bool | int = True,
        timeout: float | None = None,
        cancel_after: float | str | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        use_file_output: bool = True,
        on_progress: Callable[[Prediction], object] | None = None,
        cancel_on_exit: bool = True,
    ) -> Any:
        """Run a model and return its output once the prediction has succeeded.

        run() always waits: the create asks the server to hold the response up to `wait`
        and, if the prediction has not finished by then, run() follows it (by its stream when
        it has one, else by polling) until its status is terminal. Cancelling the calling task
        (or Ctrl-C in sync code) cancels the prediction on the server too, unless
        ``cancel_on_exit=False``.

        Args:
            ref: ``owner/name`` (an official model), ``owner/name:<version id>`` or a bare
                version id. Community models run by version.
            input: The model's input. File leaves (`pathlib.Path`, bytes, binary file
                objects) are uploaded first (or inlined, with ``file_encoding="data-uri"``).
            deployment: Run this deployment, ``owner/name``, instead of `ref`.
            wait: How long the create asks the server to hold the response: ``True`` for 60 s,
                or seconds from 1 to 60; ``False`` asks for no hold. run() waits for the
                outcome either way.
            timeout: One deadline for the whole call, in seconds: attempts, backoff, the hold
                and the wait. When it passes the prediction is canceled on the server.
                ``None``: no deadline.
            cancel_after: A deadline enforced by the server (seconds, or a duration such as
                ``"5m"``; at least 5 s), counted from the create.
            webhook: An https URL to receive the prediction's updates.
            webhook_events_filter: The events to send to `webhook` (``start``, ``output``,
                ``logs``, ``completed``).
            use_file_output: Return file URLs (replicate.delivery URLs, ``data:`` URIs) as
                `FileOutput` objects with read(), iter_bytes() and save(); ``False``
                returns the raw JSON.
            on_progress: Called with the latest prediction whenever its status or progress
                changes.
            cancel_on_exit: Cancel the prediction when the caller gives up (task cancellation,
                or Ctrl-C in sync code).

        Returns:
            The output as JSON (a string, a list of tokens for a language model, a dict...),
            with file URLs as `FileOutput` objects unless ``use_file_output=False``.

        Raises:
            PredictionFailedError: The prediction failed (alias `ModelError`); the error
                carries the prediction and its last log line.
            PredictionCanceledError: The prediction was canceled (`PredictionAbortedError`
                when its `cancel_after` deadline passed before it started).
            PredictionTimeoutError: `timeout` passed; the prediction was canceled.
            APITimeoutError: `timeout` passed before the prediction was created.
            UnprocessableEntityError: The input does not match the model's schema, or the
                version does not exist.
            NotFoundError: No such model or deployment.
            APIStatusError: Any other error answer of the API.
            APIConnectionError: The API could not be reached, after retries.
            ValueError: Not exactly one of `ref` and `deployment`, or a malformed argument.

        Example:
            ```python
            with Client() as client:
                images = client.run(
                    "black-forest-labs/flux-schnell",
                    input={"prompt": "a red fox"},
                    timeout=300,
                )
                images[0].save("fox.webp")
            ```
        """
        target = resolve_target(ref, deployment=deployment)
        return run_prediction(
            self._api,
            target,
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

    def stream(
        self,
        ref: str | None = None,
        *,
        input: InputMapping,
        deployment: str | None = None,
        timeout: float | None = None,
        cancel_after: float | str | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        idle_timeout: float = 30.0,
        cancel_on_exit: bool = True,
    ) -> PredictionStream:
        """Create a prediction and stream its events (output, logs, error, done).

        Nothing is sent until the stream is entered or iterated. Iterating yields
        `StreamEvent` objects: `OutputEvent` (``str()`` is its text), `LogsEvent`,
        `ErrorEvent`, `DoneEvent` and `UnknownEvent`. A dropped connection is resumed where it
        left off, so no output is lost or repeated. Leaving the stream early (break, an
        exception, task cancellation) closes the connection at once and cancels the
        prediction, unless ``cancel_on_exit=False``.

        Args:
            ref: ``owner/name`` (an official model), ``owner/name:<version id>`` or a bare
                version id.
            input: The model's input; file leaves are uploaded first.
            deployment: Stream a prediction of this deployment, ``owner/name``, instead.
            timeout: One deadline for the whole stream, in seconds; when it passes the
                prediction is canceled and `PredictionTimeoutError` is raised.
            cancel_after: A deadline enforced by the server (seconds, or ``"5m"``; at least
                5 s).
            webhook: An https URL to receive the prediction's updates.
            webhook_events_filter: The events to send to `webhook`.
            idle_timeout: Seconds without a meaningful event before the stream looks at the
                prediction: a finished one ends the stream, a running one is listened to
                further.
            cancel_on_exit: Cancel the prediction when the stream is left before its end.

        Returns:
            The stream: iterate it, or use it as a context manager and iterate inside; its
            ``text()``, ``output_text()`` and ``wait()`` give the text and the final
            prediction.

        Raises:
            PredictionFailedError: While iterating, after the `DoneEvent` (alias
                `ModelError`).
            PredictionCanceledError: While iterating, when the prediction was canceled.
            PredictionTimeoutError: While iterating, when `timeout` passed.
            APIStatusError: While iterating, when the create is refused (422 for input that
                does not match the schema, 404 for an unknown model).
            ValueError: Not exactly one of `ref` and `deployment`, or a malformed argument.

        Example:
            ```python
            for event in client.stream(
                "meta/meta-llama-3-8b-instruct", input={"prompt": "Tell me a story"}
            ):
                print(str(event), end="")
            ```
        """
        from .streaming import PredictionStream

        target = resolve_target(ref, deployment=deployment)
        return PredictionStream.for_new_prediction(
            self._api,
            target,
            input=input,
            timeout=timeout,
            cancel_after=cancel_after,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            idle_timeout=idle_timeout,
            cancel_on_exit=cancel_on_exit,
        )
