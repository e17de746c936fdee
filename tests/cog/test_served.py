"""Cog models through the sync client, over sockets, and from ``python -m ... serve --cog``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from replicate_async import Client, FileOutput, OutputEvent, PredictionFailedError
from replicate_async.testing import cog_emulator

from .support import FIXTURES, PNG, emulator_with_models


def test_the_sync_client_in_process() -> None:
    emu = emulator_with_models()
    with emu, emu.client() as client:
        assert client.run("me/text", input={"prompt": "s"}) == "> s s [16 ab1 None a -]"
        out = client.run("me/image", input={"image": PNG})
        assert isinstance(out, list) and isinstance(out[0], FileOutput)
        assert out[0].read() == PNG[::-1]
        assert client.run("me/async-stream", input={"prompt": "u v"}) == ["u ", "v "]
        with pytest.raises(PredictionFailedError, match="cannot handle x"):
            client.run("me/fails", input={})


def test_the_sync_client_over_sockets(tmp_path: Path) -> None:
    emu = cog_emulator(FIXTURES / "slow", "me/slow")
    emu.register_cog(FIXTURES / "stream", name="me/stream")
    server = emu.serve()
    marker = tmp_path / "marker"
    try:
        with Client(base_url=server.base_url, api_token=server.api_token) as client:
            events = list(client.stream("me/stream", input={"prompt": "m n"}))
            assert [e.data for e in events if isinstance(e, OutputEvent)] == ["m ", "n "]
            prediction = client.predictions.create("me/slow", input={"marker": str(marker)})
            while "started" not in (client.predictions.get(prediction.id).logs or ""):
                time.sleep(0.01)
            assert client.predictions.cancel(prediction.id).status == "canceled"
            follow = client.predictions.create("me/slow", input={"marker": str(tmp_path / "b")})
            while client.predictions.get(follow.id).status == "starting":
                time.sleep(0.01)  # the slot is given back once predict() has stopped
            assert marker.read_text() == "cancelled"
            client.predictions.cancel(follow.id)
    finally:
        emu.close()


def test_python_m_testing_serve_with_cog() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "replicate_async.testing",
            "serve",
            "--port",
            "0",
            "--cog",
            str(FIXTURES / "text" / "cog.yaml"),
            "--name",
            "me/text",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip().partition("=")[2]
        token = process.stdout.readline().strip().partition("=")[2]
        assert base_url.startswith("http://127.0.0.1:")
        with Client(base_url=base_url, api_token=token) as client:
            assert client.run("me/text", input={"prompt": "cli"}) == "> cli cli [16 ab1 None a -]"
            schema = client.models.get("me/text").latest_version
            assert schema is not None and schema.openapi_schema is not None
            assert schema.openapi_schema["components"]["schemas"]["style"]["enum"] == [
                "plain",
                "shout",
            ]
            models = [m.name for m in client.models.list().results]
            assert models == ["text"]  # no demo models beside it
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_serve_reports_a_broken_model_and_exits_1() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "replicate_async.testing",
            "serve",
            "--cog",
            str(FIXTURES / "broken_yaml"),
            "--name",
            "me/broken",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{FIXTURES / 'broken_yaml' / 'cog.yaml'}:5: invalid YAML" in result.stderr
