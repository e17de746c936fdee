# GENERATED from replicate_async/_async/files.py by scripts/gen_sync.py. DO NOT EDIT.
"""Files: the Files API (create, get, list, iter, delete, download).

Also home to two helpers the other resource modules share: `check_segment`, which validates an
identifier before it goes into a URL path, and `delete_resource`, the client's DELETE rule (a
404 after an ambiguous, retried attempt means the resource is gone: done).
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import PurePath
from typing import IO, Any

from .._concurrency import Runtime
from .._exceptions import NotFoundError, decode_json_body, from_response
from .._files import (
    MAX_REDIRECTS,
    MAX_UPLOAD_BYTES,
    is_file_leaf,
    leaf_name,
    read_leaf,
    redirect_target,
)
from .._refs import check_id
from .._serde import structure
from ..types.files import File
from ..types.pages import Page
from .api_client import APIClient
from .pagination import fetch_page, iterate_pages
from .uploads import upload_file

__all__ = ["Files", "FileContent", "check_segment", "delete_resource"]

FileContent = PurePath | bytes | bytearray | memoryview | IO[bytes]
"""What `Files.create` uploads: a path, bytes, or a file object opened in binary mode."""

_MAX_FILENAME_BYTES = 255
_NOT_BYTES = "the file object's read() must return bytes: open it in binary mode"
_COROUTINE_READ = (
    "this file object's read() is a coroutine function, which only the async client can call: "
    "pass bytes, a Path or a binary file object"
)


def check_segment(value: object, *, what: str = "id", example: str | None = None) -> str:
    """Return `value` if it can be one path segment of an API URL, else raise before any request.

    Args:
        value: The identifier the caller passed.
        what: What the identifier is, for the error message ("id", "collection slug", ...).
        example: What to write instead, for the error message.

    Returns:
        The identifier, unchanged.

    Raises:
        TypeError: `value` is not a str.
        ValueError: `value` is empty, ``.`` or ``..``, or contains '/', '?', '#', '%', a backslash,
            whitespace or a non-printable character (see `replicate_async._refs.check_id`).
    """
    return check_id(value, what, example=example or "pass the value the API returned")


def delete_resource(api: APIClient, path: str) -> None:
    """DELETE `path`; retried like a read, and a 404 after an earlier failed attempt is success.

    When an attempt fails ambiguously (a timeout or a 5xx: the server may have deleted the
    resource anyway), the retry can only find it gone. That 404 means the deletion happened.
    A 404 on the first attempt is raised as `NotFoundError`.
    """
    try:
        api.request("DELETE", path, kind="idempotent")
    except NotFoundError as exc:
        if exc.attempts > 1:
            return
        raise


def _read_capped(file: Any) -> bytes:
    """Read a file leaf (blocking), refusing files of 100 MB or more before reading them."""
    if not isinstance(file, PurePath | bytes | bytearray | memoryview):
        size = _remaining_size(file)
        if size is not None and size >= MAX_UPLOAD_BYTES:
            raise ValueError(
                f"the file has {size} bytes left to read: the Files API takes files under 100 MB"
            )
    return read_leaf(file)


def _remaining_size(file: Any) -> int | None:
    """The bytes between a seekable file's position and its end, or None if unknown."""
    try:
        if not file.seekable():
            return None
        position = int(file.tell())
        end = int(file.seek(0, os.SEEK_END))
        file.seek(position)
    except (AttributeError, OSError, ValueError, TypeError):
        return None
    return end - position


class Files:
    """The Files API: upload, inspect, list, delete and download files.

    Uploaded files can be used as model inputs through their ``urls.get`` URL. They expire
    (recorded uploads expired after 24 hours).
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api

    def create(
        self,
        file: FileContent,
        *,
        filename: str | None = None,
        content_type: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> File:
        """Upload a file and return its `File` record.

        The file is read in a worker thread when the event loop must not block. A `str` is
        never taken for a path: wrap it in `pathlib.Path`.

        Args:
            file: A `pathlib.Path`, bytes, or a file object opened in binary mode (``"rb"``).
            filename: The name to upload under (at most 255 bytes of UTF-8); defaults to the
                path's or file object's name, else ``upload``.
            content_type: The MIME type; defaults to a guess from the filename, else
                ``application/octet-stream``.
            metadata: JSON-serialisable metadata stored with the file.

        Returns:
            The uploaded file.

        Raises:
            TypeError: `file` is a str, a text-mode file or not a file at all; `metadata` is
                not a JSON-serialisable mapping.
            ValueError: The file is 100 MB or larger, or `filename` is empty or too long.
            RequestTooLargeError: The API refused the file as too large.
            APIStatusError: Any other error answer of the API.

        Example:
            ```python
            upload = client.files.create(Path("photo.jpg"))
            assert upload.urls is not None
            output = client.run(version, input={"image": upload.urls.get})
            ```
        """
        if not is_file_leaf(file):
            raise TypeError(
                f"file must be a pathlib.Path, bytes or a binary file object, not "
                f"{type(file).__name__} (a str is never taken for a path: pass Path(...))"
            )
        name = _check_filename(filename) if filename is not None else leaf_name(file)
        if content_type is not None and "/" not in str(content_type):
            raise ValueError(
                f"content_type={content_type!r} is not a MIME type such as 'image/png'"
            )
        if metadata is not None:
            if not isinstance(metadata, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise TypeError(f"metadata must be a mapping, not {type(metadata).__name__}")
            try:
                json.dumps(dict(metadata))
            except (TypeError, ValueError) as exc:
                raise TypeError(f"metadata must be JSON-serialisable: {exc}") from None
        self._api.options.require_token()
        content = _read_content(file)
        return upload_file(
            self._api, content, filename=name, content_type=content_type, metadata=metadata
        )

    def get(self, id: str) -> File:
        """Return the record of the file `id`.

        Raises:
            NotFoundError: The file does not exist (or was deleted, or expired).
        """
        check_segment(id, what="file id", example="pass File.id")
        payload = decode_json_body(self._api.request("GET", f"files/{id}", kind="read"))
        return structure(payload, File)

    def list(self, *, cursor: str | None = None) -> Page[File]:
        """Return one page of your uploaded files.

        Args:
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        return fetch_page(self._api, "files", File, cursor=cursor)

    def iter(self) -> Iterator[File]:
        """Yield every uploaded file, page after page."""
        for item in iterate_pages(self._api, "files", File):
            yield item

    def delete(self, id: str) -> None:
        """Delete the file `id`.

        A retried deletion that finds the file already gone counts as done.

        Raises:
            NotFoundError: The file did not exist.
        """
        check_segment(id, what="file id", example="pass File.id")
        delete_resource(self._api, f"files/{id}")

    def download(self, id: str, *, owner: str, expiry: int, signature: str) -> bytes:
        """Download a file's content through a signed download link's parameters.

        The parameters come from a signed ``/files/{id}/download`` URL; they cannot be made
        on the client (the signing secret is not exposed by any endpoint).

        Args:
            id: The file id.
            owner: The username of the account that uploaded the file.
            expiry: The link's expiry, in Unix seconds.
            signature: The link's base64 signature.

        Returns:
            The file's bytes.

        Redirects are followed (at most five); the token goes only to the API's origin.
        """
        check_segment(id, what="file id", example="pass File.id")
        if not isinstance(owner, str) or not owner:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValueError("owner must be the uploading account's username")
        if isinstance(expiry, bool) or not isinstance(expiry, int):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"expiry must be an int of Unix seconds, not {type(expiry).__name__}")
        if not isinstance(signature, str) or not signature:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValueError("signature must be the download link's signature parameter")
        url = f"files/{id}/download"
        params: dict[str, str] | None = {
            "owner": owner,
            "expiry": str(expiry),
            "signature": signature,
        }
        hops = 0
        while True:
            response = self._api.request(
                "GET", url, kind="download", params=params, headers={"Accept": "*/*"}
            )
            try:
                target = redirect_target(response)
            except ValueError:
                raise from_response(response) from None
            if target is None:
                return response.content
            hops += 1
            if hops > MAX_REDIRECTS:
                raise from_response(response)
            url, params = target, None


def _check_filename(filename: object) -> str:
    if not isinstance(filename, str):
        raise TypeError(f"filename must be a str, not {type(filename).__name__}")
    if not filename or "/" in filename or "\\" in filename:
        raise ValueError(f"filename={filename!r} must be a non-empty name without a directory")
    if len(filename.encode("utf-8", "surrogatepass")) > _MAX_FILENAME_BYTES:
        raise ValueError(f"filename={filename!r} is longer than 255 bytes of UTF-8")
    return filename


def _read_content(file: Any) -> bytes:
    """The bytes of a file leaf, read without blocking the event loop."""
    read = getattr(file, "read", None)
    if read is not None and inspect.iscoroutinefunction(read):
        raise TypeError(_COROUTINE_READ)
    return Runtime.run_in_thread(_read_capped, file)
