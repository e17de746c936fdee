"""`replicate_async.sync`: the module-level API for sync code, on one default Client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from replicate_async import Client, OutputEvent, Prediction, sync
from replicate_async.testing import Emulator


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    emu = Emulator()

    @emu.model("acme/echo")
    def echo(text: str) -> str:  # pyright: ignore[reportUnusedFunction]
        return text.upper()

    @emu.model("acme/words")
    def words(text: str) -> Iterator[str]:  # pyright: ignore[reportUnusedFunction]
        yield from text.split()

    server = emu.serve()
    monkeypatch.setenv("REPLICATE_API_TOKEN", emu.api_token)
    monkeypatch.setenv("REPLICATE_BASE_URL", server.base_url)
    try:
        yield emu
    finally:
        sync.close()
        emu.close()


def test_sync_run_stream_and_resources_share_one_default_client(served: Emulator) -> None:
    assert sync.run("acme/echo", input={"text": "hi"}) == "HI"
    texts = [
        e.data
        for e in sync.stream("acme/words", input={"text": "a b"})
        if isinstance(e, OutputEvent)
    ]
    assert texts == ["a", "b"]
    listed = sync.predictions.list().results
    assert all(isinstance(p, Prediction) for p in listed)
    assert len(listed) == 2
    client = sync.default_client()
    assert isinstance(client, Client)
    assert sync.default_client() is client


def test_close_makes_the_next_call_use_a_new_client(served: Emulator) -> None:
    first = sync.default_client()
    sync.close()
    assert first.is_closed
    assert sync.run("acme/echo", input={"text": "again"}) == "AGAIN"
    assert sync.default_client() is not first


def test_the_aiohttp_backend_is_refused_by_the_sync_client() -> None:
    from replicate_async import ConfigurationError

    with pytest.raises(ConfigurationError, match="async client"):
        Client("r8_x", http_backend="aiohttp")
