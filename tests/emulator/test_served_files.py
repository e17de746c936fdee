"""File outputs of the emulator served over sockets are file objects, with no configuration.

Regression tests for issue 9, item 9: against ``Emulator.serve()`` (and ``python -m
replicate_async.testing serve``) output URLs are ``http://127.0.0.1:PORT/delivery/...``; the SDK
recognises file URLs on the API's own origin, so ``run()`` returns file objects and the command
line's ``--save`` saves them, exactly as against the real API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from replicate_async import AsyncClient, AsyncFileOutput, Client, FileOutput
from replicate_async._output import is_file_url
from replicate_async.cli import main
from replicate_async.testing import Emulator, EmulatorServer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def server(emu: Emulator) -> Iterator[EmulatorServer]:
    served = emu.serve()
    yield served
    served.close()


def test_file_urls_on_the_api_origin() -> None:
    base = "http://127.0.0.1:8000/v1"
    yes = [
        "http://127.0.0.1:8000/delivery/abc/out-0.png",
        "http://127.0.0.1:8000/v1/files/abc",
        "https://replicate.delivery/pbxt/a/out-0.png",
        "data:text/plain,hi",
    ]
    no = [
        "http://127.0.0.1:8001/delivery/abc/out-0.png",  # another port: another origin
        "http://localhost:8000/delivery/abc/out-0.png",  # another host name
        "https://127.0.0.1:8000/delivery/abc/out-0.png",  # another scheme
        "http://127.0.0.1:8000/v1/predictions/abc",  # the API itself, not a file
        "http://127.0.0.1:8000/v1",
        "http://example.com/out.png",  # plain http elsewhere is never a file
        "http://127.0.0.1:8000/delivery/a b.png",
        "http://[::1/broken",
        "see http://127.0.0.1:8000/delivery/abc/out-0.png",
    ]
    assert [u for u in yes if not is_file_url(u, base_url=base)] == []
    assert [u for u in no if is_file_url(u, base_url=base)] == []
    # The real API's origin keeps its rules: https delivery URLs and Files API URLs.
    real = "https://api.replicate.com/v1"
    assert is_file_url("https://api.replicate.com/v1/files/abc", base_url=real)
    assert not is_file_url("https://api.replicate.com/v1/predictions/abc", base_url=real)
    assert not is_file_url("http://api.replicate.com/delivery/x.png", base_url=real)


async def test_async_client_gets_file_objects_over_sockets(
    anyio_backend: str, server: EmulatorServer
) -> None:
    async with AsyncClient(api_token=server.api_token, base_url=server.base_url) as client:
        output = await client.run("demo/image", input={"size": 8})
        assert isinstance(output, list)
        images = cast("list[object]", output)
        assert len(images) == 1
        image = images[0]
        assert isinstance(image, AsyncFileOutput)
        assert image.url.startswith(server.delivery_url)
        assert (await image.read()).startswith(PNG)
        assert image.content_type == "image/png"
        # A text output that is not a file stays a string.
        assert await client.run("demo/echo", input={"text": server.base_url}) == server.base_url


def test_sync_client_gets_file_objects_over_sockets(server: EmulatorServer) -> None:
    with Client(api_token=server.api_token, base_url=server.base_url) as client:
        output = client.run("demo/image", input={"size": 8})
        assert isinstance(output, list) and isinstance(output[0], FileOutput)
        assert output[0].read().startswith(PNG)


def test_cli_save_writes_served_file_outputs(
    server: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", server.api_token)
    monkeypatch.setenv("REPLICATE_BASE_URL", server.base_url)
    assert main(["run", "demo/image", "size:=8", "--save", str(tmp_path)]) == 0
    saved = [Path(line) for line in capsys.readouterr().out.split()]
    assert len(saved) == 1 and saved[0].parent == tmp_path
    assert saved[0].read_bytes().startswith(PNG)
