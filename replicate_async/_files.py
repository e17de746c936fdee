"""File-input policy: which input leaves are files, their name and MIME type, data URIs (pure)."""

from __future__ import annotations

import base64
import io
import mimetypes
import os
from pathlib import Path, PurePath
from typing import Any

__all__ = [
    "MAX_UPLOAD_BYTES",
    "data_uri",
    "guess_mime",
    "is_file_leaf",
    "leaf_name",
    "read_leaf",
]

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
"""The Files API refuses files of 100 MB or more."""


def is_file_leaf(value: object) -> bool:
    """Whether an input value is a file to upload: Path, bytes-like, or a binary file object.

    A str is never treated as a path. A text-mode file raises TypeError.
    """
    if isinstance(value, str):
        return False
    if isinstance(value, PurePath | bytes | bytearray | memoryview):
        return True
    read = getattr(value, "read", None)
    if read is None or not callable(read):
        return False
    if isinstance(value, io.TextIOBase) or "b" not in str(getattr(value, "mode", "b")):
        raise TypeError(
            "a file input must be opened in binary mode: use open(path, 'rb') or pass a Path"
        )
    return True


def leaf_name(value: object, default: str = "upload") -> str:
    """The filename to upload a file leaf under (at most 255 bytes of UTF-8)."""
    name: str | None = None
    if isinstance(value, PurePath):
        name = value.name
    else:
        raw = getattr(value, "name", None)
        if isinstance(raw, str | os.PathLike):
            name = Path(os.fspath(raw)).name  # pyright: ignore[reportUnknownArgumentType]
    name = name or default
    encoded = name.encode("utf-8")
    if len(encoded) > 255:
        _, dot, ext = name.rpartition(".")
        keep = ("." + ext) if dot and len(ext) < 16 else ""
        name = encoded[: 255 - len(keep.encode())].decode("utf-8", errors="ignore") + keep
    return name


def guess_mime(name: str) -> str:
    """The MIME type for a filename, else application/octet-stream."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def data_uri(content: bytes, mime: str) -> str:
    """Encode bytes as a base64 ``data:`` URI."""
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


def read_leaf(value: Any) -> bytes:
    """Read a file leaf's bytes (blocking: call through the colour seam's worker thread)."""
    if isinstance(value, PurePath):
        size = os.path.getsize(value)
        if size >= MAX_UPLOAD_BYTES:
            raise ValueError(f"{value} is {size} bytes: files must be less than 100 MB")
        return Path(value).read_bytes()
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, memoryview):
        return value.tobytes()
    data = value.read()
    if not isinstance(data, bytes | bytearray):
        raise TypeError("a file input's read() must return bytes: open it in binary mode")
    return bytes(data)
