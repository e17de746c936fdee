"""What every example opens its client with: Replicate when a token is set, else the emulator.

With ``REPLICATE_API_TOKEN`` set, `open_client` returns a real ``AsyncClient`` (configured from
the environment, ``REPLICATE_BASE_URL`` included, so it also reaches an emulator served with
``python -m replicate_async.testing serve``). Without it, the client is bound to an in-process
emulator with the demo models, among them stand-ins for the public models the examples use
(``black-forest-labs/flux-schnell``, ``meta/meta-llama-3-8b-instruct``, ``replicate/hello-world``,
``salesforce/blip``, ``ostris/flux-dev-lora-trainer``): no network, no token, no cost; a notice
on stderr says so.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any, Literal

import replicate_async

if TYPE_CHECKING:
    from replicate_async.testing import Emulator

__all__ = [
    "NOTICE",
    "latest_version",
    "make_emulator",
    "open_client",
    "open_sync_client",
    "served_emulator",
    "uses_emulator",
]

NOTICE = (
    "REPLICATE_API_TOKEN is not set: running against the built-in emulator (no network, no cost)."
)


def uses_emulator() -> bool:
    """Whether the examples run against the emulator (no REPLICATE_API_TOKEN)."""
    return not os.environ.get("REPLICATE_API_TOKEN")


def make_emulator(clock: Literal["instant", "real"] = "instant") -> Emulator:
    """A demo emulator with stand-ins of public models; the instant clock skips model sleeps."""
    from replicate_async.testing import Emulator
    from replicate_async.testing.demo import register_stand_ins

    emulator = Emulator(demo=True, clock=clock)
    register_stand_ins(emulator)
    return emulator


@contextlib.asynccontextmanager
async def open_client(
    *, clock: Literal["instant", "real"] = "instant", **options: Any
) -> AsyncGenerator[replicate_async.AsyncClient]:
    """An ``AsyncClient``: the real API with a token, else the in-process demo emulator.

    ``clock="real"`` runs the emulator's models in real time, for examples that stop a
    prediction before it ends or let a deadline pass.
    """
    if not uses_emulator():
        async with replicate_async.AsyncClient(**options) as client:
            yield client
        return
    print(NOTICE, file=sys.stderr, flush=True)
    emulator = make_emulator(clock)
    async with emulator.async_client(**options) as client:
        yield client


async def latest_version(client: replicate_async.AsyncClient, model: str) -> str:
    """``owner/name:<latest version id>``: how to run a model that is not an official one."""
    found = (await client.models.get(model)).latest_version
    if found is None:
        raise SystemExit(f"{model} has no version to run")
    return f"{model}:{found.id}"


@contextlib.contextmanager
def served_emulator() -> Generator[None]:
    """Without a token, serve the demo emulator on 127.0.0.1 and point the environment at it.

    For code that builds its own client from the environment (``replicate_async.sync``,
    ``Client()``): it sets ``REPLICATE_API_TOKEN`` and ``REPLICATE_BASE_URL`` while it runs.
    With a token already set it does nothing.
    """
    if not uses_emulator():
        yield
        return
    print(NOTICE, file=sys.stderr, flush=True)
    emulator = make_emulator()
    server = emulator.serve()
    os.environ["REPLICATE_API_TOKEN"] = server.api_token
    os.environ["REPLICATE_BASE_URL"] = server.base_url
    try:
        yield
    finally:
        del os.environ["REPLICATE_API_TOKEN"], os.environ["REPLICATE_BASE_URL"]
        server.close()
        emulator.close()


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
