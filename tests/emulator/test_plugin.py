"""The pytest plugin's fixtures (registered through the pytest11 entry point)."""

from __future__ import annotations

from replicate_async import AsyncClient, Client
from replicate_async.testing import Emulator


async def test_emulated_client(replicate_emulator: Emulator, emulated_client: AsyncClient) -> None:
    @replicate_emulator.model("acme/shout")
    def shout(text: str) -> str:
        return text.upper()

    assert await emulated_client.run("acme/shout", input={"text": "hey"}) == "HEY"
    assert await emulated_client.run("demo/echo", input={"text": "demo"}) == "demo"
    assert replicate_emulator.runs_here()


def test_emulated_sync_client(replicate_emulator: Emulator, emulated_sync_client: Client) -> None:
    assert emulated_sync_client.run("demo/sleep", input={"seconds": 30}) == "slept 30 seconds"
    assert not replicate_emulator.runs_here()


def test_the_fixture_is_a_fresh_demo_emulator(replicate_emulator: Emulator) -> None:
    assert replicate_emulator.clock.mode == "instant"
    assert "demo/echo" in replicate_emulator.core.store.models
    assert replicate_emulator.jobs() == []
