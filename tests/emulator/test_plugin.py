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


def test_the_plugin_has_fixtures_only_and_loads_nothing_else() -> None:
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, replicate_async.testing.pytest_plugin as p;"
        "print(json.dumps([sorted(m for m in sys.modules if m.startswith('replicate_async.testing')),"
        " [n for n in dir(p) if n.startswith('pytest_')]]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules, hooks = json.loads(out.stdout)
    assert modules == ["replicate_async.testing", "replicate_async.testing.pytest_plugin"]
    assert hooks == []
