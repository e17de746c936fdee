"""`AsyncClient(http_backend="aiohttp")`: the one documented way to use the aiohttp transport."""

from __future__ import annotations

import httpx
import pytest

from replicate_async import AsyncClient
from replicate_async._aiohttp import AiohttpTransport
from replicate_async.testing import Emulator, EmulatorServer

from .conftest import NEEDS_AIOHTTP, WORDS

pytest.importorskip("aiohttp", reason=NEEDS_AIOHTTP)


async def test_the_option_runs_the_client_over_aiohttp(
    emu: Emulator, server: EmulatorServer
) -> None:
    async with AsyncClient(emu.api_token, base_url=server.base_url, http_backend="aiohttp") as c:
        transport = c._connection._transport  # pyright: ignore[reportPrivateUsage]
        assert isinstance(transport, AiohttpTransport)
        assert await c.run("acme/echo", input={"text": "hi"}) == "hi"
        words = [str(e) async for e in c.stream("acme/words", input={}) if str(e)]
    assert words == WORDS


def test_the_option_makes_its_own_transport() -> None:
    with pytest.raises(ValueError, match="without http_client= or transport="):
        AsyncClient(
            "r8_x",
            http_backend="aiohttp",
            transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        )
    with pytest.raises(ValueError, match="not known"):
        AsyncClient("r8_x", http_backend="curl")  # type: ignore[arg-type]
