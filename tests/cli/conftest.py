"""The CLI against the emulator served over real sockets: one server for the package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from replicate_async import Client
from replicate_async.testing import Emulator

from .support import TOKEN, USER, Served, typed


@pytest.fixture(scope="package")
def served() -> Iterator[Served]:
    emulator = Emulator(api_token=TOKEN, demo=True, clock="real", username=USER)
    emulator.add_model(f"{USER}/typed", typed)
    emulator.add_model(f"{USER}/trained")  # a training destination (no versions)
    server = emulator.serve()
    client = Client(TOKEN, base_url=server.base_url)
    try:
        yield Served(emulator, server, client)
    finally:
        client.close()
        server.close()
        emulator.close()
