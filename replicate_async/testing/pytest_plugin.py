"""pytest fixtures for the emulator (registered through the ``pytest11`` entry point).

Fixtures only, no hooks; the emulator itself is imported when a fixture is first used, so the
plugin costs nothing in test suites that do not use it.

- ``replicate_emulator``: a fresh `Emulator` with the demo models (instant clock), closed after
  the test. Register your own models on it with ``@replicate_emulator.model("acme/x")``.
- ``emulated_client``: an ``AsyncClient`` bound to it, the emulator running in the test's event
  loop (needs anyio's pytest plugin: an ``anyio_backend`` fixture, or ``anyio_mode = "auto"``).
- ``emulated_sync_client``: a sync ``Client`` bound to it, the emulator on its own thread.

A test uses one of the two clients: the emulator runs either in the test's event loop or on
its own thread, not both.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from replicate_async import AsyncClient, Client

    from . import Emulator

__all__ = ["emulated_client", "emulated_sync_client", "replicate_emulator"]


@pytest.fixture
def replicate_emulator() -> Generator[Emulator]:
    """A fresh emulator with the demo models registered."""
    from . import Emulator

    emulator = Emulator(demo=True)
    try:
        yield emulator
    finally:
        emulator.close()


@pytest.fixture
async def emulated_client(
    replicate_emulator: Emulator, anyio_backend: object
) -> AsyncGenerator[AsyncClient]:
    """An ``AsyncClient`` bound to `replicate_emulator`, which runs in the test's loop."""
    async with replicate_emulator.async_client() as client:
        yield client


@pytest.fixture
def emulated_sync_client(replicate_emulator: Emulator) -> Generator[Client]:
    """A sync ``Client`` bound to `replicate_emulator`, which runs on its own thread."""
    with replicate_emulator.client() as client:
        yield client
