"""AsyncFileOutput: a file a model produced, fetched lazily (token only on the API origin)."""

from __future__ import annotations

import mimetypes
import os
from collections.abc import AsyncIterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import unquote, urlsplit

import httpx

from .._concurrency import AsyncRuntime
from .._exceptions import decoding_error, from_response
from .._files import MAX_REDIRECTS, redirect_target
from .._output import decode_data_uri, is_file_url, map_outputs
from .api_client import AsyncAPIClient

if TYPE_CHECKING:
    from .client import AsyncClient

__all__ = ["AsyncFileOutput", "map_file_outputs"]


class AsyncFileOutput:
    """A file output of a prediction. ``str()`` is its URL; nothing is fetched until asked.

    ``run()`` and `AsyncPredictions.output` make these; you can make one from a URL too
    (``AsyncFileOutput(url, client=client)``; without a client, the default client is used).
    Read it whole (`read`), in chunks (``async for chunk in output`` or `iter_bytes`), or
    `save` it. Delivery URLs and API prediction data expire about an hour after the prediction
    was created: read or save outputs promptly.
    """

    def __init__(self, url: str, *, client: AsyncClient | None = None) -> None:
        self.url = url
        """The file's URL (an https delivery URL, a file URL of the API, or a data: URI)."""
        self._client = client
        self._bound_api: AsyncAPIClient | None = None
        self._content_type: str | None = None
        if url.startswith("data:"):
            self._content_type = url[5:].partition(",")[0].split(";")[0] or "text/plain"

    @classmethod
    def _for_api(cls, url: str, api: AsyncAPIClient) -> Self:
        output = cls(url)
        output._bound_api = api
        return output

    @property
    def _api(self) -> AsyncAPIClient:
        api = self._bound_api
        if api is None:
            client = self._client
            if client is None:
                from .default import default_client

                client = default_client()
            api = self._bound_api = client._api  # pyright: ignore[reportPrivateUsage]
        return api

    def __str__(self) -> str:
        return self.url

    def __aiter__(self) -> AsyncIterator[bytes]:
        """Iterate over the file's bytes in chunks (see `iter_bytes`)."""
        return self.iter_bytes()

    def __repr__(self) -> str:
        shown = self.url if not self.url.startswith("data:") else self.url[:40] + "…"
        return f"{type(self).__name__}({shown!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AsyncFileOutput):
            return self.url == other.url
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.url)

    @property
    def filename(self) -> str:
        """The file name from the URL's path (``output`` plus an extension for data URIs)."""
        if self.url.startswith("data:"):
            ext = mimetypes.guess_extension(self._content_type or "") or ""
            return f"output{ext}"
        name = PurePosixPath(unquote(urlsplit(self.url).path)).name
        return name or "output"

    @property
    def content_type(self) -> str | None:
        """The MIME type, once known (from a data URI, or after the file was fetched)."""
        return self._content_type

    async def read(self) -> bytes:
        """Return the whole file."""
        if self.url.startswith("data:"):
            return decode_data_uri(self.url)[0]
        chunks: list[bytes] = []
        async for chunk in self.iter_bytes():
            chunks.append(chunk)
        return b"".join(chunks)

    async def iter_bytes(self, chunk_size: int = 64 * 1024) -> AsyncIterator[bytes]:
        """Yield the file in chunks, without holding it all in memory.

        Redirects are followed (at most five); the token goes only to the API's origin.
        A body whose content-encoding is corrupt raises `ResponseDecodingError`.
        """
        if self.url.startswith("data:"):
            yield decode_data_uri(self.url)[0]
            return
        response = await self._open(self.url)
        try:
            self._content_type = response.headers.get("content-type", self._content_type)
            try:
                async for chunk in response.aiter_bytes(chunk_size):
                    yield chunk
            except httpx.DecodingError as exc:
                raise decoding_error(exc, response) from exc
        finally:
            await response.aclose()

    async def _open(self, url: str) -> httpx.Response:
        """Open the download of `url`, following redirects by hand (see `redirect_target`)."""
        hops = 0
        while True:
            response = await self._api.request("GET", url, kind="download", stream=True)
            try:
                target = redirect_target(response)
            except ValueError:
                target = ""  # no usable Location: raised below as the status error
            if target is None:
                return response
            hops += 1
            if not target or hops > MAX_REDIRECTS:
                try:
                    await response.aread()
                finally:
                    await response.aclose()
                raise from_response(response)
            await response.aclose()
            url = target

    async def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the file to `path` (a directory gets the file's own name); return the path."""
        target = Path(path)
        if await AsyncRuntime.run_in_thread(target.is_dir):
            target = target / self.filename
        handle = await AsyncRuntime.run_in_thread(target.open, "wb")
        try:
            async for chunk in self.iter_bytes():
                await AsyncRuntime.run_in_thread(handle.write, chunk)
        finally:
            await AsyncRuntime.run_in_thread(handle.close)
        return target


def map_file_outputs(api: AsyncAPIClient, output: Any) -> Any:
    """`output` with each string that is a file URL replaced by an `AsyncFileOutput`.

    File URLs are data: URIs, https URLs on Replicate's delivery hosts and file URLs on the
    API's own origin; any other string, such as a URL inside a language model's answer, stays
    a string.
    """
    base = api.options.base_url
    prefixes = api.options.file_output_prefixes
    return map_outputs(
        output,
        lambda s: is_file_url(s, base_url=base, extra_prefixes=prefixes),
        lambda url: AsyncFileOutput._for_api(url, api),  # pyright: ignore[reportPrivateUsage]
    )
