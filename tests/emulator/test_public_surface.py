"""The public testing API, and examples/_support.py."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType

import pytest

import replicate_async.testing as testing
from replicate_async.testing import Emulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_every_public_name_is_documented() -> None:
    for name in testing.__all__:
        obj = getattr(testing, name)
        assert inspect.getdoc(obj), name
        assert obj.__module__ == "replicate_async.testing", name
    for name, member in inspect.getmembers(Emulator):
        if not name.startswith("_") and (
            inspect.isfunction(member) or isinstance(member, property)
        ):
            assert inspect.getdoc(member), f"Emulator.{name}"


def load_support() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_support", EXAMPLES / "_support.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NOTICE = (
    "REPLICATE_API_TOKEN is not set: running against the built-in emulator (no network, no cost).\n"
)


async def test_open_client_without_a_token_uses_the_emulator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    support = load_support()
    async with support.open_client() as client:
        assert await client.run("demo/echo", input={"text": "hi"}) == "hi"
        assert client.base_url == "http://replicate.emulator/v1"
    assert capsys.readouterr().err == NOTICE


def test_open_sync_client_without_a_token_uses_the_emulator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    support = load_support()
    with support.open_sync_client() as client:
        assert client.run("demo/sleep", input={"seconds": 5}) == "slept 5 seconds"
    assert capsys.readouterr().err == NOTICE


async def test_open_client_with_a_token_is_the_real_client(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_real")
    support = load_support()
    async with support.open_client() as client:
        assert client.base_url == "https://api.replicate.com/v1"
    assert capsys.readouterr().err == ""
    assert "replicate_async" in sys.modules
