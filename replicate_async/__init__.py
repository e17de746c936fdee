"""replicate_async: an asyncio-native, fully typed client for Replicate's HTTP API.

```python
import replicate_async

output = await replicate_async.run("owner/name", input={"prompt": "..."})

async with replicate_async.AsyncClient() as client:
    prediction = await client.predictions.create(model="owner/name", input={...})
```

The sync `Client` (generated from the async source) has the same methods without ``await``;
``replicate_async.sync`` is the module-level API for sync code.

Every public name is loaded on first use (PEP 562), so ``import replicate_async`` costs next to
nothing and ``import replicate_async.webhooks`` does not import httpx.
"""

from __future__ import annotations

import contextlib as _contextlib
import importlib as _importlib
import typing as _typing

from ._version import __version__

if _typing.TYPE_CHECKING:
    from . import sync, webhooks
    from ._async.client import AsyncClient
    from ._async.default import (
        account,
        aclose,
        default_client,
        deployments,
        files,
        hardware,
        models,
        predictions,
        run,
        stream,
        trainings,
    )
    from ._async.default import collections as collections
    from ._async.file_output import AsyncFileOutput
    from ._async.streaming import AsyncPredictionStream
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
        TrainingTimeoutError,
        UnprocessableEntityError,
        WebhookHeaderError,
        WebhookSecretError,
        WebhookSignatureError,
        WebhookTimestampError,
        WebhookVerificationError,
    )
    from ._sync.client import Client
    from ._sync.file_output import FileOutput
    from ._sync.streaming import PredictionStream
    from ._types import NOT_GIVEN, NotGiven
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
        PredictionStatus,
        StreamEvent,
        Training,
        UnknownEvent,
        VerifiedWebhook,
        WebhookSecret,
    )

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Account",
    "AsyncClient",
    "AsyncFileOutput",
    "AsyncPredictionStream",
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
    "NOT_GIVEN",
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
    "PredictionStatus",
    "PredictionStream",
    "PredictionTimeoutError",
    "RateLimitError",
    "ReplicateError",
    "RequestTooLargeError",
    "ResponseDecodingError",
    "StreamEvent",
    "Training",
    "TrainingTimeoutError",
    "UnknownEvent",
    "UnprocessableEntityError",
    "VerifiedWebhook",
    "WebhookHeaderError",
    "WebhookSecret",
    "WebhookSecretError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "__version__",
    "account",
    "aclose",
    "default_client",
    "deployments",
    "files",
    "hardware",
    "models",
    "predictions",
    "run",
    "stream",
    "sync",
    "trainings",
    "webhooks",
]

_LAZY: dict[str, str] = {
    "APIConnectionError": "._exceptions",
    "APIStatusError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "Account": ".types",
    "AsyncClient": "._async.client",
    "AsyncFileOutput": "._async.file_output",
    "AsyncPredictionStream": "._async.streaming",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "Client": "._sync.client",
    "Collection": ".types",
    "CollectionSummary": ".types",
    "ConfigurationError": "._exceptions",
    "ConflictError": "._exceptions",
    "Deployment": ".types",
    "DoneEvent": ".types",
    "ErrorEvent": ".types",
    "File": ".types",
    "FileOutput": "._sync.file_output",
    "Hardware": ".types",
    "InternalServerError": "._exceptions",
    "LogsEvent": ".types",
    "Model": ".types",
    "ModelError": "._exceptions",
    "ModelVersion": ".types",
    "NOT_GIVEN": "._types",
    "NotFoundError": "._exceptions",
    "NotGiven": "._types",
    "OutputEvent": ".types",
    "Page": ".types",
    "PaymentRequiredError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "Prediction": ".types",
    "PredictionAbortedError": "._exceptions",
    "PredictionCanceledError": "._exceptions",
    "PredictionError": "._exceptions",
    "PredictionFailedError": "._exceptions",
    "PredictionStatus": ".types",
    "PredictionStream": "._sync.streaming",
    "PredictionTimeoutError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ReplicateError": "._exceptions",
    "RequestTooLargeError": "._exceptions",
    "ResponseDecodingError": "._exceptions",
    "StreamEvent": ".types",
    "Training": ".types",
    "TrainingTimeoutError": "._exceptions",
    "UnknownEvent": ".types",
    "UnprocessableEntityError": "._exceptions",
    "VerifiedWebhook": ".types",
    "WebhookHeaderError": "._exceptions",
    "WebhookSecret": ".types",
    "WebhookSecretError": "._exceptions",
    "WebhookSignatureError": "._exceptions",
    "WebhookTimestampError": "._exceptions",
    "WebhookVerificationError": "._exceptions",
    "account": "._async.default",
    "aclose": "._async.default",
    "collections": "._async.default",
    "default_client": "._async.default",
    "deployments": "._async.default",
    "files": "._async.default",
    "hardware": "._async.default",
    "models": "._async.default",
    "predictions": "._async.default",
    "run": "._async.default",
    "stream": "._async.default",
    "trainings": "._async.default",
}
_SUBMODULES = frozenset({"sync", "webhooks"})


def __getattr__(name: str) -> _typing.Any:
    """Load a public name on first use (PEP 562) and keep it."""
    if name in _SUBMODULES:
        value: _typing.Any = _importlib.import_module(f".{name}", __name__)
    else:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'replicate_async' has no attribute {name!r}")
        value = getattr(_importlib.import_module(module, __name__), name)
        # Classes show as replicate_async.X; attrs models keep their module, against which
        # their string annotations resolve.
        if (
            isinstance(value, type)
            and value.__module__.startswith("replicate_async.")
            and not hasattr(value, "__attrs_attrs__")
        ):
            with _contextlib.suppress(AttributeError, TypeError):
                value.__module__ = "replicate_async"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
