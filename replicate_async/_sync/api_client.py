# GENERATED from replicate_async/_async/api_client.py by scripts/gen_sync.py. DO NOT EDIT.
"""APIClient: one logical API call, from limiter slot to decoded response.

Every request of the SDK goes through `APIClient.request` (with ``stream=True`` for responses
read incrementally): the limiter slot, the rate gate, the per-kind timeout, the retry loop, the
error mapping and the per-request Authorization header live here and nowhere else.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextvars import Token
from typing import Any

import httpx

from .._concurrency import Limiter, Runtime, Tasks
from .._config import ClientOptions
from .._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ResponseDecodingError,
    decoding_error,
    from_response,
    retry_after_hint,
)
from .._http import (
    ACTIVE_GUARD,
    MIN_SEND_SECONDS,
    Abandoned,
    SendGuard,
    check_guard_at_send,
    environment_proxies,
    same_origin,
    user_agent,
)
from .._logging import logger, redact
from .._ratelimit import LimitClass, RateGate
from .._retry import RequestKind, RetryDecision, is_unsent, kind_timeout
from .lanes import Lanes

__all__ = ["APIClient", "Connection"]

_JSON_ACCEPT = "application/json"
_URL_CACHE_SIZE = 256


class Connection:
    """The resources shared by a client and its `with_options` copies.

    The httpx client and the limiters are bound to one event loop. When a client that owns its
    pool is used from a new loop after the old one closed (a second ``asyncio.run()``), the
    pool and limiters are rebuilt; while the old loop still runs, the call is refused.
    """

    def __init__(
        self,
        options: ClientOptions,
        *,
        http_client: httpx.Client | None,
        transport: httpx.BaseTransport | None,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass either http_client= or transport=, not both")
        self._options = options
        self._user_client = http_client
        self._transport = transport
        self._http: httpx.Client | None = http_client
        self._direct: httpx.BaseTransport | None = None
        self._default_headers: dict[str, str] = {}
        self._urls: dict[str, httpx.URL] = {}
        self._limiter: Limiter | None = None
        self._stream_limiter: Limiter | None = None
        self._tasks: Tasks | None = None
        self.left_running: list[str] = []
        """Ids of predictions and trainings whose cancel could not be delivered."""
        self._loop: object = None
        self._bound = False
        self.gate: RateGate = RateGate()
        self.closed: bool = False
        self.user_agent: str = user_agent(options.user_agent_suffix)

    @property
    def owns_http(self) -> bool:
        """Whether the connection created (and so must close) its httpx client."""
        return self._user_client is None

    def _bind(self) -> None:
        if self.closed:
            raise RuntimeError("this client is closed: create a new client")
        key = Runtime.loop_key()
        if self._bound and key == self._loop:
            return
        if self._bound:
            if self._user_client is not None or Runtime.loop_is_alive(self._loop):
                raise RuntimeError(
                    "this client is bound to another event loop that is still running: "
                    "use one client per event loop"
                )
            # The old loop is gone; its connections died with it.
            self._http = None
            self._direct = None
        self._loop = key
        self._bound = True
        self._limiter = Limiter(self._options.max_concurrency)
        self._stream_limiter = Limiter(self._options.max_streams)
        self._tasks = Tasks()
        if self._http is None:
            opts = self._options
            pool = opts.max_concurrency + opts.max_streams
            limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
            transport = self._transport
            if transport is None and not environment_proxies():
                transport = Lanes(keep=pool)
            self._http = httpx.Client(
                transport=transport,
                timeout=opts.timeout,
                limits=limits,
                headers={"User-Agent": self.user_agent},
                event_hooks={"request": [_check_guard]},
                follow_redirects=False,
                trust_env=True,
            )
            # Requests go straight to the transport, unless the environment names a proxy:
            # then httpx's client, made without a transport, picks the proxy's per URL. The
            # client's layers (cookies, auth, redirects, hooks) do nothing for API calls but
            # cost CPU; a transport given to httpx's client turns its proxy lookup off anyway.
            self._direct = transport
            self._default_headers = {k.lower(): v for k, v in self._http.headers.items()}

    def build_request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        timeout: httpx.Timeout,
        json: Any = None,
        content: bytes | str | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Request:
        """A request for the running loop's pool (call after `limiter()`, which binds it)."""
        if self._http is None:
            raise RuntimeError("this client is closed: create a new client")
        if self._direct is None:
            return self._http.build_request(
                method,
                url,
                json=json,
                content=content,
                files=files,
                data=data,
                params=params,
                headers=headers,
                timeout=timeout,
            )
        parsed = self._urls.get(url)
        if parsed is None:
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            parsed = self._urls[url] = httpx.URL(url)
        return httpx.Request(
            method,
            parsed,
            params=params,
            headers=_merge_headers(self._default_headers, headers),
            content=content,
            data=data,
            files=files,
            json=json,
            extensions={"timeout": timeout.as_dict()},
        )

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send `request` (made by `build_request`); the response's body is left unread."""
        direct = self._direct
        if direct is None:
            if self._http is None:
                raise RuntimeError("this client is closed: create a new client")
            return self._http.send(request, stream=True)
        check_guard_at_send()
        response = direct.handle_request(request)
        response.request = request
        return response

    def limiter(self) -> Limiter:
        """The in-flight request limiter for the running loop."""
        self._bind()
        assert self._limiter is not None
        return self._limiter

    def stream_limiter(self) -> Limiter:
        """The concurrent-stream limiter for the running loop."""
        self._bind()
        assert self._stream_limiter is not None
        return self._stream_limiter

    @property
    def tasks(self) -> Tasks:
        """The jobs the client owns on the running loop (cleanups that outlive their caller)."""
        self._bind()
        assert self._tasks is not None
        return self._tasks

    def close(self) -> None:
        """Finish the client's own jobs, then close the pool if this connection owns it.

        Later calls are refused.
        """
        if self.closed:
            return
        tasks = self._tasks
        if tasks is not None and self._bound and Runtime.loop_key() == self._loop:
            tasks.join()
        self.closed = True
        self._direct = None
        http, self._http = self._http, None
        if http is not None and self._user_client is None:
            http.close()


class APIClient:
    """Sends API requests with the client's options over a shared `Connection`."""

    def __init__(self, options: ClientOptions, connection: Connection) -> None:
        self.options = options
        self.connection = connection
        self._timeouts: dict[tuple[str, float | None], httpx.Timeout] = {}

    def url(self, path_or_url: str) -> str:
        """An absolute URL: `path_or_url` itself, or joined onto the base URL."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.options.base_url}/{path_or_url.lstrip('/')}"

    def headers(self, url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Per-request headers; the token goes only to the API origin."""
        headers: dict[str, str] = {"Accept": _JSON_ACCEPT}
        if not self.connection.owns_http:
            headers["User-Agent"] = self.connection.user_agent
        base = self.options.base_url
        if url.startswith(base + "/") or same_origin(url, base):
            headers["Authorization"] = f"Bearer {self.options.require_token()}"
        if extra:
            headers.update(extra)
        return headers

    def timeout_for(self, kind: RequestKind, hold: float | None) -> httpx.Timeout:
        """The timeout of a request kind (cached: options never change on a client)."""
        key = (kind, hold)
        timeout = self._timeouts.get(key)
        if timeout is None:
            timeout = self._timeouts[key] = kind_timeout(self.options.timeout, kind, hold=hold)
        return timeout

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        kind: RequestKind,
        json: Any = None,
        content: bytes | str | None = None,
        files: Any = None,
        data: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        hold: float | None = None,
        limit_class: LimitClass = "other",
        deadline: float | None = None,
        send_by: float | None = None,
        guard: SendGuard | None = None,
        timeout: httpx.Timeout | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one logical request, retrying as its `kind` allows; return a 2xx/3xx response.

        Raises the typed `APIStatusError` subclass for error statuses and `APIConnectionError`
        (or `APITimeoutError`) for transport failures. With a `deadline` (monotonic seconds),
        every wait (rate gate, backoff) and every read is bounded by it, the body is read with
        the clock checked between chunks, and nothing is sent with too little time left.
        `send_by` bounds only the sending (no attempt starts after it), not the reading of an
        answer. With a `guard`, nothing is sent once the caller has abandoned the request.

        With `stream`, a successful response is returned open, its body unread, for the caller
        to read incrementally and close (``response.close()``); `timeout` replaces the
        kind's timeout (a stream reads for its idle timeout).
        """
        url = self.url(path_or_url)
        request_headers = self.headers(url, headers)
        base_timeout = timeout or self.timeout_for(kind, hold)
        policy = self.options.retry
        connection = self.connection
        limiter = connection.limiter()
        min_left = MIN_SEND_SECONDS.get(kind, 0.0)
        cutoff = deadline if send_by is None else send_by
        # The rate gate holds back requests to the API, not downloads from file hosts.
        gated = "Authorization" in request_headers
        attempt = 0
        while True:
            wait = connection.gate.delay(limit_class, Runtime.now()) if gated else 0.0
            if wait > 0:
                if cutoff is not None and Runtime.now() + wait + min_left >= cutoff:
                    raise _too_late(method, url, "the rate limit's pause outlasts the deadline")
                Runtime.sleep(wait)
            decision: RetryDecision
            with limiter:
                if cutoff is not None and cutoff - Runtime.now() <= min_left:
                    raise _too_late(method, url, "too little time is left to send it")
                active: Token[SendGuard | None] | None = None
                if guard is not None:
                    if guard.abandoned or guard.caller_gave_up():
                        guard.abandoned = True
                        raise _too_late(method, url, "the caller gave up before it was sent")
                    if not connection.owns_http:
                        guard.sending = True  # no hook on a user's client: sent from here
                    active = ACTIVE_GUARD.set(guard)
                attempt_timeout = _clip_timeout(base_timeout, deadline)
                started = Runtime.now()
                try:
                    response = self._send(
                        connection.build_request(
                            method,
                            url,
                            json=json,
                            content=content,
                            files=files,
                            data=data,
                            params=params,
                            headers=request_headers,
                            timeout=attempt_timeout,
                        ),
                        deadline,
                        stream=stream,
                    )
                except Abandoned:
                    raise _too_late(method, url, "the caller gave up before it was sent") from None
                except (httpx.TransportError, httpx.DecodingError) as exc:
                    decision = policy.for_error(kind, _as_transport(exc), attempt)
                    _log_call(method, url, type(exc).__name__, started)
                    if not decision.retry or _past(cutoff, decision.delay):
                        raise _connection_error(exc, attempt + 1) from exc
                else:
                    status = response.status_code
                    _log_call(method, url, status, started)
                    if status < 400:
                        return response
                    hint = retry_after_hint(response.headers, _peek_json(response))
                    decision = policy.for_status(kind, status, hint, attempt)
                    if gated and status == 429 and (hint is None or hint <= policy.max_retry_after):
                        # A hint the client refuses to sleep on does not close the gate.
                        connection.gate.throttled(
                            limit_class,
                            Runtime.now(),
                            hint if hint is not None else policy.backoff(attempt),
                        )
                    if not decision.retry or _past(cutoff, decision.delay + min_left):
                        raise from_response(response, attempts=attempt + 1)
                finally:
                    if guard is not None:
                        guard.sending = False
                    if active is not None:
                        ACTIVE_GUARD.reset(active)
            logger.info(
                "retrying %s %s in %.2f s (attempt %d of %d): %s",
                method,
                redact(httpx.URL(url).path),
                decision.delay,
                attempt + 2,
                policy.max_retries + 1,
                decision.reason,
            )
            Runtime.sleep(decision.delay)
            attempt += 1

    def _send(
        self,
        request: httpx.Request,
        deadline: float | None,
        *,
        stream: bool,
    ) -> httpx.Response:
        """Send `request` and read its body within a bound checked between chunks.

        A per-read timeout does not bound a body that drips a byte at a time: the whole body
        must arrive within one read timeout of its headers (and before `deadline`).
        """
        response = self.connection.send(request)
        if response.is_stream_consumed:
            return response  # read already (a transport that answers with whole bodies)
        if stream and response.status_code < 400:
            return response  # the caller reads it as it arrives
        read = request.extensions.get("timeout", {}).get("read")
        limit = Runtime.now() + (read if read is not None else 30.0)
        if deadline is not None:
            limit = min(limit, deadline)
        response.stream = _ClockedBody(response.stream, limit, request)
        try:
            response.read()
        finally:
            response.close()
        return response


class _ClockedBody(httpx.SyncByteStream):
    """A response body that must arrive whole by `limit` (monotonic seconds)."""

    def __init__(self, body: Any, limit: float, request: httpx.Request) -> None:
        self._body = body
        self._limit = limit
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        limit = self._limit
        for chunk in self._body:
            if Runtime.now() >= limit:
                raise httpx.ReadTimeout("the body did not arrive in time", request=self._request)
            yield chunk

    def close(self) -> None:
        self._body.close()


def _check_guard(request: httpx.Request) -> None:
    """Check the guard as the request leaves for the transport: the commit point of a create."""
    del request
    check_guard_at_send()


def _merge_headers(defaults: dict[str, str], headers: Mapping[str, str]) -> dict[str, str]:
    """The client's default headers updated by `headers`, names compared case-insensitively."""
    merged = dict(defaults)
    for name, value in headers.items():
        merged[name.lower()] = value
    return merged


def _too_late(method: str, url: str, why: str) -> APITimeoutError:
    return APITimeoutError(
        f"{method} {redact(httpx.URL(url).path)} was not sent: {why}", request_sent=False
    )


def _as_transport(exc: httpx.HTTPError) -> httpx.TransportError:
    """A body that could not be decoded is retried like a read error (never for a create)."""
    if isinstance(exc, httpx.TransportError):
        return exc
    return httpx.ReadError(str(exc))


def _past(deadline: float | None, delay: float) -> bool:
    return deadline is not None and Runtime.now() + delay >= deadline


def _clip_timeout(timeout: httpx.Timeout, deadline: float | None) -> httpx.Timeout:
    if deadline is None:
        return timeout
    left = max(0.001, deadline - Runtime.now())
    assert timeout.connect is not None
    assert timeout.read is not None
    assert timeout.write is not None
    return httpx.Timeout(
        connect=min(timeout.connect, left),
        read=min(timeout.read, left),
        write=min(timeout.write, left),
        pool=timeout.pool,
    )


def _peek_json(response: httpx.Response) -> object:
    content_type = response.headers.get("content-type", "").lower()
    if "json" not in content_type or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _connection_error(
    exc: httpx.HTTPError, attempts: int
) -> APIConnectionError | ResponseDecodingError:
    sent = not is_unsent(exc)
    try:
        request: httpx.Request | None = exc.request
    except RuntimeError:
        request = None
    where = f" ({request.method} {redact(request.url.path)})" if request is not None else ""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"the request timed out{where}: {type(exc).__name__}",
            request=request,
            request_sent=sent,
            attempts=attempts,
        )
    if isinstance(exc, httpx.DecodingError):
        return decoding_error(exc, attempts=attempts)
    detail = redact(str(exc)) or type(exc).__name__
    return APIConnectionError(
        f"the connection failed{where}: {detail}",
        request=request,
        request_sent=sent,
        attempts=attempts,
    )


def _log_call(method: str, url: str, outcome: object, started: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s -> %s (%.0f ms)",
            method,
            redact(httpx.URL(url).path),
            outcome,
            (Runtime.now() - started) * 1000,
        )
