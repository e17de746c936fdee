"""Fixtures for the emulator's own tests: plain httpx clients over its transports."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from replicate_async.testing import Emulator


def auth(emu: Emulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {emu.api_token}"}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = Emulator(demo=True)
    yield emulator
    emulator.close()


@pytest.fixture
async def api(emu: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client over the in-process async transport (the emulator runs in the test loop)."""
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as client:
        yield client


@pytest.fixture
def sync_api(emu: Emulator) -> Iterator[httpx.Client]:
    """An httpx client over the in-process sync transport (the emulator runs on its thread)."""
    with httpx.Client(
        transport=emu.sync_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as client:
        yield client
