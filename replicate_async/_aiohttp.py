"""An httpx transport over aiohttp's connection pool (extra ``replicate-async[aiohttp]``).

httpx's own pool (httpcore) spends most of a request's CPU on pool bookkeeping that grows with
the number of connections; aiohttp's pool does not. This transport keeps httpx's API (requests,
responses, timeouts, errors) and hands the wire to aiohttp, on asyncio only.

What it keeps from httpx, so that every guarantee of the client holds over it:

- **Errors**: aiohttp's exceptions become httpx's, and *unsent* is told apart from *maybe
  sent*: only a failure to get a connection (`ConnectError`, `ConnectTimeout`) says nothing
  was sent; a connection dropped or reset after the request went out is a `ReadError` or
  `RemoteProtocolError`, so a create is never repeated. (httpx-aiohttp 0.2 maps a server
  disconnect to `ConnectTimeout`, which would make a create look unsent.)
- **Timeouts**: the request's httpx timeout is honoured: ``connect`` per connection attempt,
  ``pool`` + ``connect`` for getting a connection, ``read`` between two reads. aiohttp has no
  write timeout, so ``write`` is not applied (the client's clock deadlines still are).
- **Bodies**: not decompressed here (httpx decodes ``Content-Encoding`` itself, and
  ``aiter_raw`` stays raw); read incrementally, each chunk as it arrives; a response left before
  its end closes its connection instead of returning it to the pool.
- **No redirects, no cookies, no netrc**: redirects are httpx's business (the client follows
  none); aiohttp's cookie jar is disabled (no cookies are kept); credentials are never taken
  from the environment, so nothing but the request's own headers reaches another host.
- **Proxies**: ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` are honoured as
  httpx honours them (read when the transport is made); TLS trusts httpx's certificate bundle
  (certifi, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``).

The aiohttp session belongs to the transport: it is opened on first use on the running event
loop, closed by `aclose` (which httpx's ``AsyncClient.aclose`` calls), and reopened on the next
use. Used from a new event loop after the old one closed, the transport opens a new session
there (the old one's connections died with its loop); used from two running loops at once, it
refuses, as the client does.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import urllib.request
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any, cast

import httpx

from ._exceptions import ConfigurationError
from ._http import tls_context

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AiohttpTransport", "aiohttp_transport"]

_EXTRA = "pip install 'replicate-async[aiohttp]'"


def aiohttp_transport(*, max_connections: int) -> httpx.AsyncBaseTransport:
    """An httpx transport that sends requests through aiohttp, on asyncio.

    Args:
        max_connections: The size of the connection pool (open connections, in use or idle).

    Returns:
        The transport: give it to ``httpx.AsyncClient(transport=...)``; closing that client
        closes it.

    Raises:
        ConfigurationError: aiohttp is not installed (the ``aiohttp`` extra).
        ValueError: `max_connections` is not a positive integer.
    """
    try:
        importlib.import_module("aiohttp")
    except ImportError as exc:
        raise ConfigurationError(
            f"the aiohttp transport needs aiohttp: {_EXTRA}, or use the default transport"
        ) from exc
    return AiohttpTransport(max_connections=max_connections)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's transport interface over an ``aiohttp.ClientSession`` (asyncio only).

    Make it with `aiohttp_transport`. It owns its session: `aclose` closes it.
    """

    def __init__(self, *, max_connections: int, keepalive_expiry: float = 5.0) -> None:
        if not _positive_int(max_connections):
            raise ValueError("max_connections must be a positive integer")
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timeouts: dict[tuple[float | None, float | None, float | None], Any] = {}
        self._proxies = urllib.request.getproxies_environment()
        self._proxy_for: dict[tuple[str, str], tuple[str | None, Any]] = {}

    # -- the session, one per event loop -------------------------------------------------------

    def _current_session(self) -> aiohttp.ClientSession:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise ConfigurationError(_not_asyncio()) from None
        session = self._session
        if session is not None and self._loop is loop and not session.closed:
            return session
        return self._open(loop)

    def _open(self, loop: asyncio.AbstractEventLoop) -> aiohttp.ClientSession:
        import aiohttp

        old, old_loop = self._session, self._loop
        if old is not None and old_loop is not loop and not old.closed:
            assert old_loop is not None
            if not old_loop.is_closed() and old_loop.is_running():
                raise RuntimeError(
                    "this aiohttp transport is in use on another event loop that is still "
                    "running: use one client per event loop"
                )
            _abandon(old)
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            limit_per_host=0,
            keepalive_timeout=self._keepalive_expiry,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("Content-Type",),
            trust_env=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        self._loop = loop
        return self._session

    async def aclose(self) -> None:
        """Close the aiohttp session and its connections (a later request opens a new one)."""
        session, self._session = self._session, None
        if session is None or session.closed:
            return
        loop = self._loop
        if loop is not None and loop is not _running_loop():
            _abandon(session)  # its loop is gone or elsewhere: nothing to await here
            return
        await session.close()

    # -- one request -----------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through aiohttp; the body is read later, as httpx asks for it."""
        session = self._current_session()
        timeouts: dict[str, float | None] = request.extensions.get("timeout") or {}
        body: Any
        headers = request.headers
        try:
            body = request.content or None
        except httpx.RequestNotRead:
            body = _RequestBody(request.stream)
            if "transfer-encoding" in headers:  # aiohttp frames the body itself
                headers = headers.copy()
                del headers["transfer-encoding"]
        url = request.url
        proxy, proxy_auth = self._proxy(url)
        with _mapped(request):
            response = await session.request(
                request.method,
                _yarl_url(url),
                headers=_header_items(headers),
                data=body,
                allow_redirects=False,
                timeout=self._timeout(timeouts),
                proxy=proxy,
                proxy_auth=proxy_auth,
                ssl=tls_context() if url.scheme == "https" else True,
                server_hostname=request.extensions.get("sni_hostname"),
            )
        extensions: dict[str, Any] = {"http_version": b"HTTP/1.1"}
        if response.reason:
            extensions["reason_phrase"] = response.reason.encode("ascii", "replace")
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseBody(response, request),
            request=request,
            extensions=extensions,
        )

    def _timeout(self, timeouts: dict[str, float | None]) -> Any:
        connect, read, pool = timeouts.get("connect"), timeouts.get("read"), timeouts.get("pool")
        key = (connect, read, pool)
        cached = self._timeouts.get(key)
        if cached is None:
            import aiohttp

            acquire = None if connect is None or pool is None else connect + pool
            cached = aiohttp.ClientTimeout(
                total=None, connect=acquire, sock_connect=connect, sock_read=read
            )
            if len(self._timeouts) < 64:
                self._timeouts[key] = cached
        return cached

    def _proxy(self, url: httpx.URL) -> tuple[str | None, Any]:
        if not self._proxies:
            return None, None
        key = (url.scheme, url.host)
        found = self._proxy_for.get(key)
        if found is None:
            found = _proxy_for(url, self._proxies)
            if len(self._proxy_for) < 256:
                self._proxy_for[key] = found
        return found


# -- bodies ------------------------------------------------------------------------------------


class _RequestBody:
    """An httpx request stream as the async iterable aiohttp sends chunk by chunk."""

    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if isinstance(self._stream, httpx.AsyncByteStream):
            async for chunk in self._stream:
                yield chunk
        else:
            for chunk in self._stream:
                yield chunk


class _ResponseBody(httpx.AsyncByteStream):
    """An aiohttp response body, read as it arrives, with aiohttp's errors made httpx's."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        content = self._response.content
        with _mapped(self._request):
            while True:
                chunk = await content.readany()
                if not chunk:
                    return
                yield chunk

    async def aclose(self) -> None:
        response = self._response
        if response.content.at_eof():
            response.release()  # the whole body was read: the connection goes back to the pool
        else:
            response.close()  # left early: the connection is closed, never reused


# -- errors ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _mapped(request: httpx.Request) -> Generator[None]:
    """Raise aiohttp's failures as the httpx exceptions the client's retry rules know.

    Before the request is sent (no connection, a timed-out connect or pool wait) the error is
    `ConnectError` / `ConnectTimeout`: retrying cannot duplicate anything. Anything later is a
    read or protocol error: the request may have reached the server.
    """
    import aiohttp

    try:
        yield
    except asyncio.CancelledError:
        raise
    except aiohttp.ConnectionTimeoutError as exc:  # the connect or the wait for a connection
        raise httpx.ConnectTimeout(str(exc) or "timed out connecting", request=request) from exc
    except aiohttp.ServerTimeoutError as exc:  # a read (or any other socket wait) timed out
        raise httpx.ReadTimeout(str(exc) or "timed out reading", request=request) from exc
    except (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError) as exc:
        raise httpx.ProxyError(str(exc), request=request) from exc
    except aiohttp.ClientConnectorError as exc:  # no connection: nothing was sent
        raise httpx.ConnectError(str(exc), request=request) from exc
    except aiohttp.ServerDisconnectedError as exc:
        raise httpx.RemoteProtocolError(
            str(exc) or "the server disconnected", request=request
        ) from exc
    except aiohttp.ClientPayloadError as exc:  # a body cut short, bad chunking or encoding
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
        raise httpx.UnsupportedProtocol(str(exc), request=request) from exc
    except aiohttp.ClientResponseError as exc:  # an unparsable answer
        raise httpx.RemoteProtocolError(str(exc), request=request) from exc
    except (aiohttp.ClientError, OSError) as exc:  # a reset or other failure after connecting
        raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc


# -- helpers -----------------------------------------------------------------------------------


def _yarl_url(url: httpx.URL) -> Any:
    """The request URL for aiohttp, already percent-encoded by httpx (not re-quoted)."""
    from yarl import URL

    return URL(str(url), encoded=True)


def _proxy_for(url: httpx.URL, proxies: dict[str, str]) -> tuple[str | None, Any]:
    """The proxy for `url` from the environment, as httpx picks it, and its credentials."""
    import aiohttp

    host = url.host
    if _proxy_bypass(host, proxies):
        return None, None
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy:
        return None, None
    if "://" not in proxy:
        proxy = "http://" + proxy
    parsed = httpx.URL(proxy)
    auth = None
    if parsed.username or parsed.password:
        auth = aiohttp.BasicAuth(parsed.username, parsed.password)
        parsed = parsed.copy_with(username=None, password=None)
    return str(parsed), auth


# NO_PROXY matching as the standard library (and so httpx) does it; untyped in typeshed.
_proxy_bypass = cast(
    "Callable[[str, dict[str, str]], bool]",
    vars(urllib.request)["proxy_bypass_environment"],
)


def _header_items(headers: httpx.Headers) -> list[tuple[str, str]]:
    """The request's headers for aiohttp, as sent by httpx (name casing kept).

    Cheaper than ``Headers.multi_items()``, which re-derives the encoding for every item.
    """
    try:
        return [(k.decode("ascii"), v.decode("ascii")) for k, v in headers.raw]
    except UnicodeDecodeError:
        return headers.multi_items()


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _abandon(session: aiohttp.ClientSession) -> None:
    """Drop a session whose event loop is gone, without awaiting on that loop."""
    connector = session.connector
    session.detach()  # the session is closed; the connector is ours to drop
    if connector is not None:
        with contextlib.suppress(Exception):
            connector._close()  # pyright: ignore[reportPrivateUsage]


def _not_asyncio() -> str:
    try:
        import sniffio

        library = sniffio.current_async_library()
    except Exception:
        library = "no event loop"
    return (
        f"the aiohttp transport runs on asyncio only, and this code runs on {library}: "
        "use the default transport there"
    )
