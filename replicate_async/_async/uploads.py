"""Input encoding: file leaves are uploaded through the Files API (or inlined as data URIs)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from typing import Any

from .._concurrency import AsyncRuntime
from .._exceptions import decode_json_body
from .._files import (
    MAX_UPLOAD_BYTES,
    check_input,
    data_uri,
    guess_mime,
    is_file_leaf,
    leaf_name,
    read_leaf,
)
from .._serde import structure
from ..types.files import File
from .api_client import AsyncAPIClient

__all__ = ["encode_input", "upload_file"]


async def upload_file(
    api: AsyncAPIClient,
    content: bytes,
    *,
    filename: str,
    content_type: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> File:
    """Upload bytes through ``POST /files`` with their name and MIME type."""
    if len(content) >= MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{filename} is {len(content)} bytes: the Files API takes files under 100 MB"
        )
    mime = content_type or guess_mime(filename)
    payload = decode_json_body(
        await api.request(
            "POST",
            "files",
            kind="upload",
            files={"content": (filename, content, mime)},
            data={"metadata": json.dumps(dict(metadata or {}))},
        )
    )
    return structure(payload, File)


SYNC_ASYNC_FILE = "the sync Client cannot read an async file object: pass a Path, bytes or a file"


def ensure_bytes(data: object) -> bytes:
    if not isinstance(data, bytes | bytearray):
        raise TypeError("a file input's read() must return bytes: open it in binary mode")
    return bytes(data)


async def _read(value: Any) -> bytes:
    read = getattr(value, "read", None)
    if read is not None and inspect.iscoroutinefunction(read):
        return ensure_bytes(await read())  # sync: raise TypeError(SYNC_ASYNC_FILE)
    return await AsyncRuntime.run_in_thread(read_leaf, value)


async def encode_input(api: AsyncAPIClient, value: Mapping[str, Any]) -> dict[str, Any]:
    """Return `value` with every file leaf replaced by an uploaded URL or a data URI.

    The whole input is checked first (`check_input`): a value that is not JSON raises
    TypeError naming its path, such as ``input["images"][2]``, before any file is read or
    uploaded. Uploads run one after another. Strings are never treated as paths.
    """
    if not check_input(value):
        return dict(value)
    options = api.options
    budget = [options.max_data_uri_bytes]

    async def encode(item: Any) -> Any:
        if isinstance(item, Mapping):
            return {_json_key(k): await encode(v) for k, v in item.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        if isinstance(item, list | tuple):
            return [await encode(v) for v in item]  # pyright: ignore[reportUnknownVariableType]
        if not is_file_leaf(item):
            return item
        name = leaf_name(item)
        content = await _read(item)
        if options.file_encoding == "data-uri":
            budget[0] -= len(content)
            if budget[0] < 0:
                raise ValueError(
                    f"file inputs exceed max_data_uri_bytes={options.max_data_uri_bytes}: "
                    "use file_encoding='upload' (the default) for large files"
                )
            return data_uri(content, guess_mime(name))
        uploaded = await upload_file(api, content, filename=name)
        if uploaded.urls is None or uploaded.urls.get is None:
            raise ValueError("the Files API returned no URL for the uploaded file")
        return uploaded.urls.get

    encoded: dict[str, Any] = await encode(value)
    return encoded


def _json_key(key: object) -> str:
    """A mapping key as `json.dumps` writes it (``True`` becomes ``"true"``)."""
    return key if isinstance(key, str) else json.dumps(key)
