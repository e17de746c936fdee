"""What every example opens its client with: Replicate when a token is set, else the emulator.

With ``REPLICATE_API_TOKEN`` set, `open_client` returns a real ``AsyncClient`` (configured from
the environment, ``REPLICATE_BASE_URL`` included, so it also reaches an emulator served with
``python -m replicate_async.testing serve``). Without it, the client is bound to an in-process
emulator with the demo models (``demo/echo``, ``demo/tokens``, ``demo/image``, ``demo/sleep``,
``demo/fail``): no network, no token, no cost; a notice on stderr says so.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

import replicate_async

if TYPE_CHECKING:
    from replicate_async.testing import Emulator

__all__ = ["NOTICE", "make_emulator", "open_client", "open_sync_client", "uses_emulator"]

NOTICE = (
    "REPLICATE_API_TOKEN is not set: running against the built-in emulator (no network, no cost)."
)


def uses_emulator() -> bool:
    """Whether the examples run against the emulator (no REPLICATE_API_TOKEN)."""
    return not os.environ.get("REPLICATE_API_TOKEN")


def make_emulator() -> Emulator:
    """A demo emulator (instant clock: model sleeps take no real time)."""
    from replicate_async.testing import Emulator

    return Emulator(demo=True)


@contextlib.asynccontextmanager
async def open_client(**options: Any) -> AsyncGenerator[replicate_async.AsyncClient]:
    """An ``AsyncClient``: the real API with a token, else the in-process demo emulator."""
    if not uses_emulator():
        async with replicate_async.AsyncClient(**options) as client:
            yield client
        return
    print(NOTICE, file=sys.stderr, flush=True)
    emulator = make_emulator()
    async with emulator.async_client(**options) as client:
        yield client


@contextlib.contextmanager
def open_sync_client(**options: Any) -> Generator[replicate_async.Client]:
    """A sync ``Client``: the real API with a token, else the demo emulator on its own thread."""
    if not uses_emulator():
        with replicate_async.Client(**options) as client:
            yield client
        return
    print(NOTICE, file=sys.stderr, flush=True)
    emulator = make_emulator()
    try:
        with emulator.client(**options) as client:
            yield client
    finally:
        emulator.close()
