"""Fault injection: answers and failures the emulator produces on purpose, per route and call.

A `Fault` names what goes wrong (an injected status, a 429, a dropped connection, a slow
answer, a broken or stalled event stream, a create answered 202) and where: a route template
such as ``"POST /predictions"`` or ``"GET /predictions/{id}"`` (``{...}`` matches one path
segment; the method may be ``*``; no route means every request), how many matching calls to let
through first (`after`) and how many to affect (`times`; None means all that follow). Stream
URLs match ``"GET /streams/{token}"`` and output files ``"GET /delivery/{id}/{name}"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal

__all__ = ["Fault", "FaultPlan", "Fired"]

FaultKind = Literal["status", "rate_limit", "drop", "delay", "break_stream", "stall", "accepted"]


@dataclass(frozen=True, eq=False)
class Fault:
    """One fault rule: build it with a class method such as `Fault.status`, then add it.

    Add it with ``emulator.faults.add(fault)``.

    Example:
        ```python
        emu.faults.add(Fault.status(503, route="POST /predictions", times=1))
        emu.faults.add(Fault.rate_limit(retry_after=2, header=False, times=3))
        emu.faults.add(Fault.drop(before_read=True, route="GET /predictions/{id}", after=1))
        emu.faults.add(Fault.break_stream(after_events=3, times=1))
        ```
    """

    kind: FaultKind
    """What the fault does."""
    route: str | None = None
    """``"METHOD /path/{param}"``, or None for every request."""
    times: int | None = None
    """How many matching calls it affects (None: every one after `after`)."""
    after: int = 0
    """How many matching calls pass untouched first."""
    status_code: int = 0
    """The injected status (``status``, ``rate_limit``)."""
    body: bytes | None = None
    """The injected body (``status``)."""
    content_type: str | None = None
    """The injected body's content type (``status``)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Extra response headers (``status``, ``rate_limit``)."""
    retry_after: int = 1
    """Seconds in the 429 body and header (``rate_limit``)."""
    retry_after_header: bool = True
    """Whether the 429 carries a Retry-After header (``rate_limit``)."""
    before_read: bool = False
    """Drop before the request body is read (``drop``); otherwise after it was processed."""
    seconds: float = 0.0
    """The stall before answering (``delay``)."""
    after_events: int = 0
    """Events sent before the stream breaks or stalls (``break_stream``, ``stall``)."""

    @classmethod
    def status(
        cls,
        status: int,
        *,
        route: str | None = None,
        times: int | None = None,
        after: int = 0,
        body: bytes | str | dict[str, Any] | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """Answer with `status` instead of handling the request (nothing happens server-side).

        5xx answers default to an HTML page, as a proxy in front of the API would send; other
        statuses default to a problem document.

        Args:
            status: The HTTP status.
            route: The route template, e.g. ``"POST /predictions"`` (None: every request).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.
            body: The body: bytes, text, or a dict sent as JSON.
            content_type: The body's content type (default: guessed from the body).
            headers: Extra response headers.

        Returns:
            The fault.
        """
        raw: bytes
        kind = content_type
        if body is None:
            phrase = _phrase(status)
            if status >= 500:
                raw = (
                    f"<html>\r\n<head><title>{status} {phrase}</title></head>\r\n<body>\r\n"
                    f"<center><h1>{status} {phrase}</h1></center>\r\n<hr><center>cloudflare"
                    "</center>\r\n</body>\r\n</html>\r\n"
                ).encode()
                kind = kind or "text/html"
            else:
                raw = json.dumps({"detail": phrase, "status": status}).encode()
                kind = kind or "application/problem+json"
        elif isinstance(body, dict):
            raw = json.dumps(body).encode()
            kind = kind or "application/problem+json"
        elif isinstance(body, str):
            raw = body.encode()
            kind = kind or "text/plain; charset=utf-8"
        else:
            raw = bytes(body)
            kind = kind or "application/octet-stream"
        return cls(
            "status",
            route,
            times,
            after,
            status_code=status,
            body=raw,
            content_type=kind,
            headers=tuple((headers or {}).items()),
        )

    @classmethod
    def rate_limit(
        cls,
        *,
        retry_after: int = 1,
        header: bool = True,
        route: str | None = None,
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        """Answer 429 with the current problem body ``{detail, status, retry_after}``.

        Args:
            retry_after: The seconds named in the body (and the header).
            header: Whether to send a ``Retry-After`` header (the real server's habit here is
                not established, so test both).
            route: The route template (None: every request).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.

        Returns:
            The fault.
        """
        return cls(
            "rate_limit",
            route,
            times,
            after,
            status_code=429,
            retry_after=int(retry_after),
            retry_after_header=header,
        )

    @classmethod
    def drop(
        cls,
        *,
        before_read: bool = False,
        route: str | None = None,
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        """Drop the connection.

        In process, a drop before the request is read raises ``httpx.ConnectError`` (nothing
        reached the server); a drop after it raises ``httpx.RemoteProtocolError`` once the
        request has been fully handled (a create did create its prediction). Over sockets the
        connection is closed without an answer.

        Args:
            before_read: Drop before reading the request (else after handling it).
            route: The route template (None: every request).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.

        Returns:
            The fault.
        """
        return cls("drop", route, times, after, before_read=before_read)

    @classmethod
    def delay(
        cls,
        seconds: float,
        *,
        route: str | None = None,
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        """Answer slowly: wait `seconds` before handling the request.

        With a virtual clock the in-process transport does not wait: when `seconds` exceeds the
        request's read timeout it raises ``httpx.ReadTimeout`` at once, otherwise it answers at
        once. With the real clock, and always over sockets, it really waits.

        Args:
            seconds: The stall.
            route: The route template (None: every request).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.

        Returns:
            The fault.
        """
        return cls("delay", route, times, after, seconds=float(seconds))

    @classmethod
    def break_stream(
        cls,
        *,
        after_events: int = 0,
        route: str | None = "GET /streams/{token}",
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        """Break an event stream after `after_events` events, before its ``done``.

        In process the reader gets ``httpx.RemoteProtocolError``; over sockets the connection
        is closed mid-body.

        Args:
            after_events: Events (not comments) sent before the break.
            route: The route template (default: every stream URL).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.

        Returns:
            The fault.
        """
        return cls("break_stream", route, times, after, after_events=after_events)

    @classmethod
    def stall_stream(
        cls,
        *,
        after_events: int = 0,
        route: str | None = "GET /streams/{token}",
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        """Stop sending on an event stream after `after_events` events, keeping it open.

        In process a reader with a read timeout gets ``httpx.ReadTimeout`` (in real time).

        Args:
            after_events: Events sent before the stall.
            route: The route template (default: every stream URL).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.

        Returns:
            The fault.
        """
        return cls("stall", route, times, after, after_events=after_events)

    @classmethod
    def accepted(
        cls,
        *,
        route: str | None = None,
        times: int | None = None,
        after: int = 0,
    ) -> Fault:
        """Answer a prediction create with 202 instead of 201 (the body is the same).

        Args:
            route: The route template (None: every create).
            times: How many matching calls to affect (None: all).
            after: How many matching calls to let through first.

        Returns:
            The fault.
        """
        return cls("accepted", route, times, after)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass(slots=True)
class Fired:
    """What the faults that fired on one call ask for."""

    delay: float = 0.0
    drop_before: bool = False
    drop_after: bool = False
    response: tuple[int, list[tuple[str, str]], bytes] | None = None
    accepted: bool = False
    break_after: int | None = None
    stall_after: int | None = None

    @property
    def any(self) -> bool:
        """Whether anything fired."""
        return (
            self.delay > 0
            or self.drop_before
            or self.drop_after
            or self.response is not None
            or self.accepted
            or self.break_after is not None
            or self.stall_after is not None
        )


NOTHING = Fired()


def _parse_route(route: str) -> tuple[str, tuple[str, ...]]:
    method, _, path = route.strip().partition(" ")
    path = path.strip()
    if not path.startswith("/"):
        raise ValueError(f"a fault route looks like 'POST /predictions', not {route!r}")
    if path == "/v1" or path.startswith("/v1/"):
        path = path[3:]
    return method.upper(), tuple(path.strip("/").split("/"))


@dataclass(eq=False)
class _Rule:
    fault: Fault
    method: str | None
    segments: tuple[str, ...] | None
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, segments: list[str]) -> bool:
        if self.method is not None and self.method not in ("*", method):
            return False
        if self.segments is None:
            return True
        if len(self.segments) != len(segments):
            return False
        return all(
            (want.startswith("{") and want.endswith("}")) or want == got
            for want, got in zip(self.segments, segments, strict=True)
        )


@dataclass(eq=False)
class FaultPlan:
    """The faults of one emulator: ``emulator.faults``."""

    _rules: list[_Rule] = field(default_factory=lambda: list[_Rule]())

    def add(self, fault: Fault) -> Fault:
        """Add a fault; returns it (pass it to `remove` or `fired` later).

        Args:
            fault: The fault.

        Returns:
            The same fault.
        """
        if fault.route is None:
            method, segments = None, None
        else:
            method, parsed = _parse_route(fault.route)
            segments = parsed
        self._rules.append(_Rule(fault, method, segments))
        return fault

    def remove(self, fault: Fault) -> None:
        """Remove a fault.

        Args:
            fault: A fault added earlier.
        """
        self._rules = [rule for rule in self._rules if rule.fault is not fault]

    def clear(self) -> None:
        """Remove every fault."""
        self._rules.clear()

    def fired(self, fault: Fault) -> int:
        """How many calls `fault` has affected so far.

        Args:
            fault: A fault added earlier.

        Returns:
            The count.
        """
        for rule in self._rules:
            if rule.fault is fault:
                return rule.fired
        return 0

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, method: str, path: str) -> Fired:
        """Count this call against every rule and collect what fires (internal)."""
        if not self._rules:
            return NOTHING
        segments = path.strip("/").split("/")
        create = method == "POST" and segments[-1] == "predictions" and len(segments) in (1, 4)
        result = Fired()
        for rule in self._rules:
            fault = rule.fault
            if fault.kind == "accepted" and fault.route is None and not create:
                continue
            if fault.kind in ("break_stream", "stall") and not path.startswith("/streams/"):
                continue
            if not rule.matches(method, segments):
                continue
            rule.seen += 1
            if rule.seen <= fault.after:
                continue
            if fault.times is not None and rule.fired >= fault.times:
                continue
            rule.fired += 1
            _apply(fault, result)
        return result


def _apply(fault: Fault, result: Fired) -> None:
    if fault.kind == "delay":
        result.delay += fault.seconds
    elif fault.kind == "drop":
        if fault.before_read:
            result.drop_before = True
        else:
            result.drop_after = True
    elif fault.kind == "accepted":
        result.accepted = True
    elif fault.kind == "break_stream":
        result.break_after = fault.after_events
    elif fault.kind == "stall":
        result.stall_after = fault.after_events
    elif result.response is None:
        if fault.kind == "rate_limit":
            seconds = fault.retry_after
            body = json.dumps(
                {
                    "detail": f"Request was throttled. Your rate limit resets in ~{seconds}s.",
                    "status": 429,
                    "retry_after": seconds,
                }
            ).encode()
            headers = [
                ("content-type", "application/problem+json"),
                ("ratelimit-remaining", "0"),
                ("ratelimit-reset", str(seconds)),
            ]
            if fault.retry_after_header:
                headers.append(("retry-after", str(seconds)))
            result.response = (429, headers + list(fault.headers), body)
        else:
            headers = [("content-type", fault.content_type or "text/plain")]
            result.response = (fault.status_code, headers + list(fault.headers), fault.body or b"")
