"""replicate_async: an asyncio-native, fully typed client for Replicate's HTTP API.

```python
import replicate_async

output = await replicate_async.run("owner/name", input={"prompt": "..."})

async with replicate_async.AsyncClient() as client:
    prediction = await client.predictions.create(model="owner/name", input={...})
```

The sync `Client` (generated from the async source) has the same methods without ``await``.
"""

from __future__ import annotations

import contextlib as _contextlib
import typing as _typing
from collections.abc import Callable as _Callable
from collections.abc import Sequence as _Sequence
from typing import Any as _Any

from . import _default, webhooks
from ._async.client import AsyncClient
from ._async.file_output import AsyncFileOutput
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    InternalServerError,
    ModelError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    PredictionAbortedError,
    PredictionCanceledError,
    PredictionError,
    PredictionFailedError,
    PredictionTimeoutError,
    RateLimitError,
    ReplicateError,
    RequestTooLargeError,
    ResponseDecodingError,
    UnprocessableEntityError,
    WebhookHeaderError,
    WebhookSecretError,
    WebhookSignatureError,
    WebhookTimestampError,
    WebhookVerificationError,
)
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__
from .types import (
    Account,
    Collection,
    CollectionSummary,
    Deployment,
    DoneEvent,
    ErrorEvent,
    File,
    Hardware,
    LogsEvent,
    Model,
    ModelVersion,
    OutputEvent,
    Page,
    Prediction,
    StreamEvent,
    Training,
    UnknownEvent,
    WebhookSecret,
)

if _typing.TYPE_CHECKING:
    from ._async.account import AsyncAccount
    from ._async.collections import AsyncCollections
    from ._async.deployments import AsyncDeployments
    from ._async.files import AsyncFiles
    from ._async.hardware import AsyncHardware
    from ._async.models import AsyncModels
    from ._async.predictions import AsyncPredictions
    from ._async.streaming import AsyncPredictionStream
    from ._async.trainings import AsyncTrainings
    from ._sync.client import Client
    from ._sync.file_output import FileOutput
    from .types import Prediction as _Prediction

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AsyncClient",
    "AsyncFileOutput",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Collection",
    "CollectionSummary",
    "ConfigurationError",
    "ConflictError",
    "Deployment",
    "DoneEvent",
    "ErrorEvent",
    "File",
    "FileOutput",
    "Hardware",
    "InternalServerError",
    "LogsEvent",
    "Model",
    "ModelError",
    "ModelVersion",
    "NotFoundError",
    "NotGiven",
    "OutputEvent",
    "Page",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "Prediction",
    "PredictionAbortedError",
    "PredictionCanceledError",
    "PredictionError",
    "PredictionFailedError",
    "PredictionTimeoutError",
    "RateLimitError",
    "ReplicateError",
    "RequestTooLargeError",
    "ResponseDecodingError",
    "StreamEvent",
    "Training",
    "UnknownEvent",
    "UnprocessableEntityError",
    "WebhookHeaderError",
    "WebhookSecret",
    "WebhookSecretError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "__version__",
    "account",
    "aclose",
    "collections",
    "default_client",
    "deployments",
    "files",
    "hardware",
    "models",
    "predictions",
    "run",
    "stream",
    "trainings",
    "webhooks",
]

default_client = _default.default_client
aclose = _default.aclose


async def run(
    ref: str | None = None,
    *,
    input: _Any,
    deployment: str | None = None,
    wait: bool | int = True,
    timeout: float | None = None,
    cancel_after: float | str | None = None,
    webhook: str | None = None,
    webhook_events_filter: _Sequence[str] | None = None,
    use_file_output: bool = True,
    on_progress: _Callable[[_Prediction], object] | None = None,
    cancel_on_exit: bool = True,
) -> _Any:
    """Run a model on the running event loop's default client; see `AsyncClient.run`."""
    return await _default.default_client().run(
        ref,
        input=input,
        deployment=deployment,
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
    ref: str | None = None,
    *,
    input: _Any,
    deployment: str | None = None,
    timeout: float | None = None,
    cancel_after: float | str | None = None,
    idle_timeout: float = 30.0,
    cancel_on_exit: bool = True,
) -> AsyncPredictionStream:
    """Stream a new prediction on the default client; see `AsyncClient.stream`."""
    return _default.default_client().stream(
        ref,
        input=input,
        deployment=deployment,
        timeout=timeout,
        cancel_after=cancel_after,
        idle_timeout=idle_timeout,
        cancel_on_exit=cancel_on_exit,
    )


if _typing.TYPE_CHECKING:
    predictions: AsyncPredictions
    models: AsyncModels
    deployments: AsyncDeployments
    trainings: AsyncTrainings
    files: AsyncFiles
    collections: AsyncCollections
    hardware: AsyncHardware
    account: AsyncAccount
else:
    predictions = _default.ResourceProxy("predictions")
    models = _default.ResourceProxy("models")
    deployments = _default.ResourceProxy("deployments")
    trainings = _default.ResourceProxy("trainings")
    files = _default.ResourceProxy("files")
    collections = _default.ResourceProxy("collections")
    hardware = _default.ResourceProxy("hardware")
    account = _default.ResourceProxy("account")

_LAZY = {
    "Client": ("._sync.client", "Client"),
    "FileOutput": ("._sync.file_output", "FileOutput"),
}


def __getattr__(name: str) -> _Any:
    """Load the sync client only when it is asked for (PEP 562)."""
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'replicate_async' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0], __name__), target[1])
    globals()[name] = value
    return value


def _rewrite_modules() -> None:
    for name in __all__:
        value = globals().get(name)
        # attrs models keep their module: their string annotations resolve against it.
        if (
            isinstance(value, type)
            and value.__module__.startswith("replicate_async.")
            and not hasattr(value, "__attrs_attrs__")
        ):
            with _contextlib.suppress(AttributeError, TypeError):
                value.__module__ = "replicate_async"


_rewrite_modules()
