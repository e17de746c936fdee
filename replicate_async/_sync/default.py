# GENERATED from replicate_async/_async/default.py by scripts/gen_sync.py. DO NOT EDIT.
"""The module-level API: a default client, and functions and resources that use it.

``replicate_async.run(...)`` and the resource attributes (``replicate_async.predictions`` …)
resolve, at call time, the default client of the running event loop. A second
``asyncio.run()``, a Jupyter re-run or a trio run each get a fresh client; a client is never
used on a dead loop, and nothing is scheduled from ``__del__``.

The module-level functions are made from the client's own methods, so their signatures are
the client's by construction and cannot drift. The sync twin of this module (one default
`Client` per process, shared by threads) is what ``replicate_async.sync`` exports.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, Final, ParamSpec, TypeVar, cast

from .._concurrency import Runtime
from .client import Client

if TYPE_CHECKING:
    from .account import Account
    from .collections import Collections
    from .deployments import Deployments
    from .files import Files
    from .hardware import Hardware
    from .models import Models
    from .predictions import Predictions
    from .trainings import Trainings

__all__ = [
    "ResourceProxy",
    "account",
    "close",
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
]

P = ParamSpec("P")
R = TypeVar("R")

_clients: dict[object, Client] = {}
_lock = threading.Lock()


def _loop_key() -> object:
    try:
        return Runtime.loop_key()
    except RuntimeError:
        raise RuntimeError(
            "the module-level replicate_async API needs a running event loop: call it from "
            "async code (replicate_async.run(...)); in sync code use "
            "replicate_async.sync.run(...) or replicate_async.Client"
        ) from None


def default_client() -> Client:
    """Return the default client, creating it on first use (token from REPLICATE_API_TOKEN).

    Async code has one default client per running event loop; sync code, one per process.
    """
    key = _loop_key()
    with _lock:
        client = _clients.get(key)
        if client is not None and not client.is_closed:
            return client
        for other in [k for k in _clients if not Runtime.loop_is_alive(k)]:
            del _clients[other]  # its loop is gone, and its pool died with it
        client = Client()
        _clients[key] = client
        return client


def close() -> None:
    """Close the default client, if there is one; the next call makes a new one."""
    key = _loop_key()
    with _lock:
        client = _clients.pop(key, None)
    if client is not None:
        client.close()


def _on_default_client(method: Callable[Concatenate[Client, P], R]) -> Callable[P, R]:
    """A module-level function that calls `method` on the default client.

    The client is looked up when the call runs (inside the event loop, for a coroutine).
    """
    name = method.__name__
    call: Callable[..., Any]
    if inspect.iscoroutinefunction(method):

        def call_coroutine(*args: Any, **kwargs: Any) -> Any:
            return getattr(default_client(), name)(*args, **kwargs)

        call = call_coroutine
    else:

        def call_plain(*args: Any, **kwargs: Any) -> Any:
            return getattr(default_client(), name)(*args, **kwargs)

        call = call_plain
    signature = inspect.signature(method)
    parameters = list(signature.parameters.values())[1:]  # without self
    call.__dict__["__signature__"] = signature.replace(parameters=parameters)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    call.__module__ = "replicate_async"
    return cast("Callable[P, R]", call)


run: Final = _on_default_client(Client.run)
stream: Final = _on_default_client(Client.stream)


class ResourceProxy:
    """Forwards attribute access to a resource of the default client."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(getattr(default_client(), self._name), attribute)

    def __repr__(self) -> str:
        return f"<{self._name} of replicate_async's default client>"

    def __dir__(self) -> list[str]:
        return [n for n in dir(getattr(default_client(), self._name)) if not n.startswith("_")]


if TYPE_CHECKING:
    predictions: Predictions
    models: Models
    deployments: Deployments
    trainings: Trainings
    files: Files
    collections: Collections
    hardware: Hardware
    account: Account
else:
    predictions = ResourceProxy("predictions")
    models = ResourceProxy("models")
    deployments = ResourceProxy("deployments")
    trainings = ResourceProxy("trainings")
    files = ResourceProxy("files")
    collections = ResourceProxy("collections")
    hardware = ResourceProxy("hardware")
    account = ResourceProxy("account")
