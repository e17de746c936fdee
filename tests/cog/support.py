"""Helpers for the Cog tests."""

from __future__ import annotations

from pathlib import Path

import anyio

from replicate_async import AsyncClient, Prediction
from replicate_async.testing import Emulator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cog"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(32))


def emulator_with_models() -> Emulator:
    """An emulator with every fixture model registered."""
    emu = Emulator()
    emu.register_cog(FIXTURES / "text" / "cog.yaml", name="me/text")
    emu.register_cog(FIXTURES / "image", name="me/image")
    emu.register_cog(FIXTURES / "stream" / "cog.yaml", name="me/stream")
    emu.register_cog(FIXTURES / "async_stream" / "cog.yaml", name="me/async-stream")
    emu.register_cog(FIXTURES / "fails" / "cog.yaml", name="me/fails")
    emu.register_cog(FIXTURES / "slow" / "cog.yaml", name="me/slow")
    return emu


async def until_processing(client: AsyncClient, prediction: Prediction) -> Prediction:
    """Poll until the prediction is processing and its model has logged "started"."""
    with anyio.fail_after(30):  # a guard against a hang, not a timing assertion
        while True:
            current = await client.predictions.get(prediction.id)
            if current.status == "processing" and "started" in (current.logs or ""):
                return current
            assert not current.is_terminal, current
            await anyio.sleep(0.01)
