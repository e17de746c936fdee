"""client.files: create (Path, bytes, file objects), get, list, iter, delete, download."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import IO, Any, cast

import httpx
import pytest

from replicate_async import AsyncClient, File, NotFoundError
from tests.resource_support import (
    API,
    TOKEN,
    AsyncConcurrently,
    FakeAPI,
    never_called,
    page,
    recorded,
)

FILE_ID = "NGZiNmY2YzQtMThhZi00ZjcyLWFhZjktODg4NTY0NWNlMDEy"
LIMIT = 100 * 1024 * 1024


def client_for(api: Any, **options: Any) -> AsyncClient:
    return AsyncClient(api_token=TOKEN, transport=httpx.MockTransport(api), **options)


def file_record() -> dict[str, Any]:
    body: dict[str, Any] = recorded("file-operations.json")["response"]["body"]
    return body


def multipart_parts(request: httpx.Request) -> dict[str, tuple[str, bytes]]:
    """{part name: (its header block, its content)} of a multipart request."""
    boundary = request.headers["content-type"].split("boundary=")[1].encode()
    parts: dict[str, tuple[str, bytes]] = {}
    for chunk in request.content.split(b"--" + boundary)[1:-1]:
        assert chunk.startswith(b"\r\n") and chunk.endswith(b"\r\n")
        head, _, content = chunk[2:-2].partition(b"\r\n\r\n")
        text = head.decode()
        name = text.split('name="')[1].split('"')[0]
        parts[name] = (text, content)
    return parts


async def test_create_uploads_bytes_with_name_type_and_metadata() -> None:
    api = FakeAPI().json("POST", "files", file_record(), 201)
    async with client_for(api) as client:
        uploaded = await client.files.create(
            b"hello", filename="notes.txt", metadata={"purpose": "test"}
        )
    assert api.calls() == ["POST /v1/files"]
    sent = api.last
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = multipart_parts(sent)
    head, content = parts["content"]
    assert 'filename="notes.txt"' in head
    assert "Content-Type: text/plain" in head
    assert content == b"hello"
    assert json.loads(parts["metadata"][1]) == {"purpose": "test"}
    assert isinstance(uploaded, File)
    assert uploaded.id == FILE_ID
    assert uploaded.size == 0
    assert uploaded.checksums is not None
    assert uploaded.checksums.sha256 == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert uploaded.urls is not None
    assert uploaded.urls.get == f"{API}/files/{FILE_ID}"
    assert uploaded.expires_at is not None
    assert uploaded.created_at is not None
    assert (uploaded.expires_at - uploaded.created_at).total_seconds() == 24 * 3600


async def test_create_from_a_path_uses_its_name_and_guessed_type(tmp_path: Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    api = FakeAPI().json("POST", "files", file_record(), 201)
    async with client_for(api) as client:
        await client.files.create(image)
    head, content = multipart_parts(api.last)["content"]
    assert 'filename="photo.png"' in head
    assert "Content-Type: image/png" in head
    assert content == b"\x89PNG\r\n\x1a\n"
    assert json.loads(multipart_parts(api.last)["metadata"][1]) == {}


async def test_create_reads_a_binary_file_object_off_the_event_loop() -> None:
    readers: list[int] = []

    class Tracked(io.BytesIO):
        name = "data.bin"

        def read(self, size: int | None = -1) -> bytes:
            readers.append(threading.get_ident())
            return super().read(size)

    api = FakeAPI().json("POST", "files", file_record(), 201)
    async with client_for(api) as client:
        await client.files.create(Tracked(b"\x00\x01"), content_type="application/x-thing")
    head, content = multipart_parts(api.last)["content"]
    assert 'filename="data.bin"' in head
    assert "Content-Type: application/x-thing" in head
    assert content == b"\x00\x01"
    assert readers
    off_thread = readers[0] != threading.get_ident()
    assert off_thread == AsyncConcurrently.blocking_reads_leave_the_caller


async def test_create_of_bytes_without_a_name_uses_a_default() -> None:
    api = FakeAPI().json("POST", "files", file_record(), 201)
    async with client_for(api) as client:
        await client.files.create(b"raw")
    head, _ = multipart_parts(api.last)["content"]
    assert 'filename="upload"' in head
    assert "Content-Type: application/octet-stream" in head


async def test_create_refuses_a_str_and_text_mode_files(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    async with client_for(never_called) as client:
        with pytest.raises(TypeError, match="Path"):
            await client.files.create(str(path))  # type: ignore[arg-type]
        with path.open("r") as text_file, pytest.raises(TypeError, match="binary"):
            await client.files.create(text_file)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="Path"):
            await client.files.create(12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"filename": ""}, ValueError, "filename"),
        ({"filename": "dir/name.txt"}, ValueError, "filename"),
        ({"filename": "x" * 256}, ValueError, "255"),
        ({"content_type": "png"}, ValueError, "MIME"),
        ({"metadata": {"when": object()}}, TypeError, "JSON"),
        ({"metadata": ["a"]}, TypeError, "mapping"),
    ],
)
async def test_create_refuses_bad_options_before_any_request(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(error, match=message):
            await client.files.create(b"x", **kwargs)


async def test_create_refuses_files_of_100_mb_before_reading_or_sending(tmp_path: Path) -> None:
    sparse = tmp_path / "big.bin"
    with sparse.open("wb") as handle:
        handle.truncate(LIMIT)

    class Huge(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def tell(self) -> int:
            return 0

        def seek(self, offset: int, whence: int = 0) -> int:
            return LIMIT + 1 if whence == 2 else offset

        def read(self, size: int = -1) -> bytes:
            raise AssertionError("an oversized file must not be read")

    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="100 MB"):
            await client.files.create(sparse)
        with pytest.raises(ValueError, match="100 MB"):
            await client.files.create(cast("IO[bytes]", Huge()))


async def test_get_list_and_iter_parse_the_recorded_files() -> None:
    listing = recorded("file-operations.json", 2)["response"]["body"]
    api = (
        FakeAPI()
        .json("GET", f"files/{FILE_ID}", recorded("file-operations.json", 1)["response"]["body"])
        .json("GET", "files", listing)
    )
    async with client_for(api) as client:
        one = await client.files.get(FILE_ID)
        first = await client.files.list()
        every = [f.id async for f in client.files.iter()]
    assert one.id == FILE_ID
    assert one.name == "test_fileo20o3wth.txt"
    assert one.content_type == "text/plain"
    assert one.metadata == {}
    assert len(first) == len(listing["results"]) > 1
    assert first.next is None
    assert every == [item["id"] for item in listing["results"]]
    assert api.calls() == [f"GET /v1/files/{FILE_ID}", "GET /v1/files", "GET /v1/files"]


async def test_iter_follows_next_urls() -> None:
    record = file_record()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("cursor") == "2":
            return httpx.Response(200, json=page([{**record, "id": "f2"}]))
        return httpx.Response(200, json=page([{**record, "id": "f1"}], f"{API}/files?cursor=2"))

    api = FakeAPI().on("GET", "files", answer)
    async with client_for(api) as client:
        assert [f.id async for f in client.files.iter()] == ["f1", "f2"]


async def test_delete_accepts_the_recorded_204() -> None:
    exchange = recorded("file-operations.json", 3)["response"]
    api = FakeAPI().on(
        "DELETE", f"files/{FILE_ID}", httpx.Response(204, headers=exchange["headers"])
    )
    async with client_for(api) as client:
        await client.files.delete(FILE_ID)
    assert api.calls() == [f"DELETE /v1/files/{FILE_ID}"]


async def test_delete_of_an_unknown_file_raises_not_found() -> None:
    api = FakeAPI().json("DELETE", "files/nope", {"detail": "File not found"}, 404)
    async with client_for(api) as client:
        with pytest.raises(NotFoundError, match="File not found"):
            await client.files.delete("nope")


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, headers={"retry-after": "0"}),
        httpx.Response(502, text="<html>bad gateway</html>", headers={"retry-after": "0"}),
    ],
)
async def test_delete_after_an_ambiguous_failure_counts_404_as_done(
    failure: httpx.Response,
) -> None:
    api = FakeAPI().on(
        "DELETE",
        f"files/{FILE_ID}",
        failure,
        httpx.Response(404, json={"detail": "File not found"}),
    )
    async with client_for(api) as client:
        await client.files.delete(FILE_ID)
    assert len(api.requests) == 2


async def test_download_sends_the_signed_parameters_and_returns_bytes() -> None:
    api = FakeAPI().on(
        "GET",
        f"files/{FILE_ID}/download",
        httpx.Response(
            200, content=b"\x00bytes", headers={"content-type": "application/octet-stream"}
        ),
    )
    async with client_for(api) as client:
        data = await client.files.download(
            FILE_ID, owner="mattt", expiry=1708515345, signature="zuog+/8=="
        )
    assert data == b"\x00bytes"
    assert dict(api.last.url.params) == {
        "owner": "mattt",
        "expiry": "1708515345",
        "signature": "zuog+/8==",
    }


@pytest.mark.parametrize("file_id", ["", "a/b", "x?y=1"])
async def test_file_ids_are_checked_before_any_request(file_id: str) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="file id"):
            await client.files.get(file_id)
        with pytest.raises(ValueError, match="file id"):
            await client.files.delete(file_id)
        with pytest.raises(ValueError, match="file id"):
            await client.files.download(file_id, owner="o", expiry=1, signature="s")


async def test_create_accepts_a_file_object_with_a_coroutine_read() -> None:
    class Stream:
        name = "clip.wav"
        mode = "rb"

        async def read(self) -> bytes:
            return b"RIFF"

    api = FakeAPI().json("POST", "files", file_record(), 201)
    async with client_for(api) as client:
        await client.files.create(Stream())  # type: ignore[arg-type]
    head, content = multipart_parts(api.last)["content"]
    assert 'filename="clip.wav"' in head
    assert "Content-Type: audio/x-wav" in head or "Content-Type: audio/wav" in head
    assert content == b"RIFF"
