# GENERATED from replicate_async/_async/lanes.py by scripts/gen_sync.py. DO NOT EDIT.
"""Lanes: httpx's transport with one connection per lane, the client's default transport.

httpx's connection pool scans every connection it holds (and polls each idle socket) whenever
a request starts or ends, and compares each idle connection with all the others: the CPU a
request costs grows with the pool, and at a few dozen requests in flight that bookkeeping is
most of what a request costs. The client already bounds what is in flight with its own
limiters, so it needs no pool-wide bookkeeping: each lane is httpx's own transport limited to
one connection, and a request takes an idle lane of its origin (the most recently used, whose
connection is warm) or opens a new one. Everything else httpx does per request (HTTP/1.1, TLS,
timeouts, exception mapping, keep-alive expiry) is unchanged. The client uses lanes unless the
environment names a proxy (then httpx's own client and pool, which apply it).
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx

from .._http import tls_context

__all__ = ["Lanes"]

_ONE = httpx.Limits(max_connections=1, max_keepalive_connections=1)


class Lanes(httpx.BaseTransport):
    """A transport whose requests each take a lane: an httpx transport of one connection.

    Idle lanes are kept per origin (scheme, host, port), so a request reuses a warm connection
    to its own origin; `keep` is how many idle lanes are kept open in all (the client's pool
    size), and a lane freed beyond that is closed. The number of lanes in use is bounded by
    the caller (the client's limiters), not here: a request never waits for a lane. https
    lanes share one TLS context (`tls_context`), made on the first https request.
    """

    def __init__(self, *, keep: int) -> None:
        self._keep = keep
        self._idle: dict[tuple[str, str, int | None], list[httpx.HTTPTransport]] = {}
        self._lanes: set[httpx.HTTPTransport] = set()
        self._plain: ssl.SSLContext | None = None
        self._closed = False

    def _new_lane(self, scheme: str) -> httpx.HTTPTransport:
        if self._closed:
            raise RuntimeError("the client's transport is closed")
        if scheme == "https":
            context = tls_context()
        else:
            if self._plain is None:  # never used for plain http: no certificates to load
                self._plain = httpx.create_ssl_context(verify=False)
            context = self._plain
        lane = httpx.HTTPTransport(verify=context, limits=_ONE, trust_env=True)
        self._lanes.add(lane)
        return lane

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` on an idle lane of its origin (or a new one); freed with its body."""
        url = request.url
        origin = (url.scheme, url.host, url.port)
        lane = None
        idle = self._idle.get(origin)
        if idle:
            try:
                lane = idle.pop()
            except IndexError:  # taken by another thread (sync clients) meanwhile
                lane = None
        if lane is None:
            lane = self._new_lane(origin[0])
        try:
            response = lane.handle_request(request)
        except BaseException:
            self._free(origin, lane)
            raise
        response.stream = _LaneBody(response.stream, self, origin, lane)
        return response

    def _free(self, origin: tuple[str, str, int | None], lane: httpx.HTTPTransport) -> None:
        if self._closed or sum(map(len, self._idle.values())) >= self._keep:
            self._lanes.discard(lane)
            lane.close()
        else:
            self._idle.setdefault(origin, []).append(lane)

    @property
    def open_lanes(self) -> int:
        """Lanes open now, idle or in use."""
        return len(self._lanes)

    def close(self) -> None:
        """Close every lane and its connection."""
        self._closed = True
        lanes, self._lanes = list(self._lanes), set()
        self._idle.clear()
        for lane in lanes:
            lane.close()


class _LaneBody(httpx.SyncByteStream):
    """A response body that frees its lane when it is closed."""

    def __init__(
        self,
        body: Any,
        lanes: Lanes,
        origin: tuple[str, str, int | None],
        lane: httpx.HTTPTransport,
    ) -> None:
        self._body = body
        self._lanes: Lanes | None = lanes
        self._origin = origin
        self._lane = lane

    def __iter__(self) -> Iterator[bytes]:
        return self._body.__iter__()  # type: ignore[no-any-return]

    def close(self) -> None:
        try:
            self._body.close()
        finally:
            lanes, self._lanes = self._lanes, None
            if lanes is not None:
                lanes._free(self._origin, self._lane)  # pyright: ignore[reportPrivateUsage]
