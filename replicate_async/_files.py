"""File-input policy: which input leaves are files, their name and MIME type, data URIs (pure).

Also the check that a whole input is JSON once its file leaves are replaced
(`check_input`), and where a download redirect leads (`redirect_target`).
"""

from __future__ import annotations

import base64
import io
import json
import math
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path, PurePath
from typing import Any, Final, cast

import httpx

__all__ = [
    "MAX_REDIRECTS",
    "MAX_UPLOAD_BYTES",
    "check_input",
    "data_uri",
    "guess_mime",
    "is_file_leaf",
    "leaf_name",
    "read_leaf",
    "redirect_target",
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


MAX_REDIRECTS: Final = 5
"""How many redirects a file download follows before giving up."""

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


def redirect_target(response: httpx.Response) -> str | None:
    """The absolute URL a download redirect points to, or None when `response` is no redirect.

    Only the URL is decided here; the caller sends the next request through the API client,
    which adds the token only on the API's own origin.

    Raises:
        ValueError: A redirect without a usable ``Location`` header.
    """
    if response.status_code not in _REDIRECTS:
        return None
    location = response.headers.get("location", "").strip()
    if not location:
        raise ValueError(f"a {response.status_code} redirect without a Location header")
    try:
        target = response.request.url.join(location)
    except (httpx.InvalidURL, ValueError):
        raise ValueError("a redirect to an invalid URL") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise ValueError(f"a redirect to a {target.scheme or 'relative'} URL, not http(s)")
    return str(target)


_Trail = tuple["_Trail", object] | None
"""Where a value sits in the input: (the parent's trail, the key or index), None at the root."""

_SCALARS = (str, bool, int)


def _path(root: str, trail: _Trail) -> str:
    """The readable path of `trail`, such as ``input["images"][2]`` (built only for errors)."""
    keys: list[object] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    parts = [root]
    for key in reversed(keys):
        parts.append(
            f"[{json.dumps(key, ensure_ascii=False)}]" if isinstance(key, str) else f"[{key!r}]"
        )
    return "".join(parts)


def check_input(value: Mapping[str, Any], *, root: str = "input") -> bool:
    """Check that `value` is JSON once its file leaves are uploaded; say whether it has any.

    Everything is checked before any file is read or uploaded. Allowed: mappings with
    str, int, float, bool or None keys (as `json.dumps`), lists and tuples, str, int, finite
    float, bool, None, and file leaves (`is_file_leaf`).

    Returns:
        Whether `value` needs encoding: it holds a file leaf, or a mapping that is not a dict.

    Raises:
        TypeError: A value that is not JSON (a set, a datetime, an object...), a key that is
            not a string, or a text-mode file; the message names its path, such as
            ``input["images"][2]``.
        ValueError: A NaN or infinite float, or a container that contains itself.
    """
    needs_encoding = False
    # (item, where it is, ids of the containers above it), depth first, in input order.
    stack: list[tuple[object, _Trail, frozenset[int]]] = [(value, None, frozenset())]
    while stack:
        item, trail, above = stack.pop()
        if item is None or isinstance(item, _SCALARS):
            continue
        if isinstance(item, float):
            if not math.isfinite(item):
                raise ValueError(f"{_path(root, trail)} is {item!r}, which JSON cannot represent")
            continue
        identity = id(item)
        if isinstance(item, Mapping | list | tuple):
            if identity in above:
                raise ValueError(f"{_path(root, trail)} contains itself")
            inner = above | {identity}
            children: list[tuple[object, _Trail, frozenset[int]]] = []
            if isinstance(item, Mapping):
                if type(item) is not dict:  # pyright: ignore[reportUnknownArgumentType]
                    needs_encoding = True
                for key, child in cast("Mapping[object, object]", item).items():
                    if not (key is None or isinstance(key, str | int | float | bool)):
                        raise TypeError(
                            f"{_path(root, trail)} has a key of type {type(key).__name__}: "
                            "input keys must be strings"
                        )
                    if child is None or type(child) in _SCALARS:
                        continue  # the common leaf: nothing to check, no entry to make
                    children.append((child, (trail, key), inner))
            else:
                for index, child in enumerate(cast("list[object] | tuple[object, ...]", item)):
                    if child is None or type(child) in _SCALARS:
                        continue
                    children.append((child, (trail, index), inner))
            stack.extend(reversed(children))
            continue
        try:
            is_file = is_file_leaf(item)
        except TypeError as exc:
            raise TypeError(f"{_path(root, trail)}: {exc}") from None
        if is_file:
            needs_encoding = True
            continue
        path = _path(root, trail)
        raise TypeError(
            f"{path} is a {type(item).__module__}.{type(item).__qualname__}, which is not "
            "JSON: pass str, int, float, bool, None, lists, dicts, or a file (Path, bytes, "
            "a binary file object)"
            if type(item).__module__ != "builtins"
            else f"{path} is a {type(item).__name__}, which is not JSON: pass str, int, "
            "float, bool, None, lists, dicts, or a file (Path, bytes, a binary file object)"
        )
    return needs_encoding
