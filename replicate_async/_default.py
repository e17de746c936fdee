"""The module-level API: one default AsyncClient per running event loop.

``replicate_async.run(...)`` and the resource attributes (``replicate_async.predictions`` …)
resolve, at call time, the default client of the running event loop. A second
``asyncio.run()``, a Jupyter re-run or a trio run each get a fresh client; a client is never
used on a dead loop, and nothing is scheduled from ``__del__``.
"""

from __future__ import annotations

import threading
from typing import Any

from ._async.client import AsyncClient
from ._concurrency import AsyncRuntime

__all__ = ["ResourceProxy", "aclose", "default_client"]

_clients: dict[object, AsyncClient] = {}
_lock = threading.Lock()


def _loop_key() -> object:
    try:
        return AsyncRuntime.loop_key()
    except RuntimeError:
        raise RuntimeError(
            "the module-level replicate_async API needs a running event loop: call it from "
            "async code (await replicate_async.run(...)), or use replicate_async.Client in "
            "sync code"
        ) from None


def default_client() -> AsyncClient:
    """Return the running event loop's default client, creating it on first use."""
    key = _loop_key()
    with _lock:
        client = _clients.get(key)
        if client is not None and not client.is_closed:
            return client
        for other in [k for k in _clients if not AsyncRuntime.loop_is_alive(k)]:
            del _clients[other]  # its loop is gone, and its pool died with it
        client = AsyncClient()
        _clients[key] = client
        return client


async def aclose() -> None:
    """Close the running event loop's default client, if it has one."""
    key = _loop_key()
    with _lock:
        client = _clients.pop(key, None)
    if client is not None:
        await client.aclose()


class ResourceProxy:
    """Forwards attribute access to a resource of the running loop's default client."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(getattr(default_client(), self._name), attribute)

    def __repr__(self) -> str:
        return f"<replicate_async.{self._name} of the default client>"
