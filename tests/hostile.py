"""A hostile HTTP server on 127.0.0.1 that misbehaves on demand, for deadline and cancel tests.

It speaks just enough HTTP/1.1 (raw asyncio sockets, keep-alive, Content-Length or chunked
request bodies) to play Replicate's prediction routes, and it misbehaves per test:

- holds a create for exactly the ``Prefer: wait=N`` asked (capped by `max_hold`; ended early by
  `release_holds` or when the prediction ends), then answers 201 ``processing``;
- drips response bodies one byte per `drip_interval` (creates, GETs) for at most `drip_for`;
- serves ``urls.stream`` as an SSE stream of ``: ping`` comments only, until the prediction ends;
- answers any route with a scripted `Reply`: 429 with any ``Retry-After``, HTML 200, truncated
  JSON, a corrupt gzip body, ``"id": null``, a 302, a held answer, or a dropped connection.

Every request is recorded (method, path, headers, body, time; the prediction it concerns; when
its answer was complete), so tests count creates and cancels. The server runs on its own thread
with its own event loop, so asyncio, trio and sync clients (and other processes) can use it. It
is bounded: every hold and drip has a cap, the whole server stops after `lifetime` seconds, and
`stop` (called by the fixture at teardown) closes every connection and joins the thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import re
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HostileServer",
    "Prediction",
    "Recorded",
    "Reply",
    "hostile_server",
    "prefer_wait_seconds",
]

_CREATE_ROUTES = re.compile(
    r"/v1/(?:predictions|models/[^/]+/[^/]+/predictions|deployments/[^/]+/[^/]+/predictions)"
)
_PREDICTION_ROUTE = re.compile(r"/v1/predictions/(?P<id>[^/]+)")
_CANCEL_ROUTE = re.compile(r"/v1/predictions/(?P<id>[^/]+)/cancel")
_STREAM_ROUTE = re.compile(r"/stream/(?P<id>[^/]+)")
_PREFER_WAIT = re.compile(r"^\s*wait(?:\s*=\s*(?P<n>[^,;\s]+))?\s*$")

_PHRASES = {
    200: "OK",
    201: "Created",
    302: "Found",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})


def prefer_wait_seconds(value: str | None) -> float | None:
    """The hold a ``Prefer`` header asks for (``wait`` alone is 60 s); None without one."""
    if value is None:
        return None
    for part in value.split(","):
        match = _PREFER_WAIT.match(part)
        if match is None:
            continue
        n = match.group("n")
        if n is None:
            return 60.0
        try:
            return float(n)
        except ValueError:
            return None
    return None


@dataclass
class Recorded:
    """One request as the server read it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes
    at: float
    """`time.monotonic()` when the request had been read."""
    prediction_id: str | None = None
    """The prediction created (creates) or named in the path."""
    answered_at: float | None = None
    """`time.monotonic()` when the answer was completely written (None: not, or not yet)."""
    generation: int = 0
    """`release_holds` calls made before the request arrived: a later call ends its hold or
    drip, even one that had not begun when the call was made."""

    @property
    def prefer_wait(self) -> float | None:
        """The hold asked by ``Prefer: wait[=N]`` (None: no hold asked)."""
        return prefer_wait_seconds(self.headers.get("prefer"))

    @property
    def route(self) -> str:
        """``"METHOD /path"``."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Reply:
    """A scripted answer, used instead of the server's default behaviour for one request."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    hold: float = 0.0
    """Seconds to wait before the head is sent (ended early by `release_holds`)."""
    drip: float | None = None
    """Seconds per body byte (None: the body at once)."""
    drop: bool = False
    """Close the connection after reading the request, without answering."""

    @classmethod
    def json(cls, status: int, payload: object, **options: Any) -> Reply:
        """A JSON answer."""
        return cls(
            status,
            json.dumps(payload).encode(),
            (("Content-Type", "application/json"),),
            **options,
        )

    @classmethod
    def too_many_requests(cls, retry_after: float | str, **options: Any) -> Reply:
        """429 with a ``Retry-After`` header and the current problem body."""
        seconds = str(retry_after)
        body = {
            "detail": f"Request was throttled. Your rate limit resets in ~{seconds}s.",
            "status": 429,
        }
        return cls(
            429,
            json.dumps(body).encode(),
            (("Content-Type", "application/problem+json"), ("Retry-After", seconds)),
            **options,
        )

    @classmethod
    def html(cls, status: int = 200) -> Reply:
        """An HTML page (a proxy's or a captive portal's)."""
        page = b"<!doctype html><html><body><h1>Welcome</h1></body></html>"
        return cls(status, page, (("Content-Type", "text/html; charset=utf-8"),))

    @classmethod
    def truncated_json(cls, status: int = 200) -> Reply:
        """A JSON body cut off halfway."""
        return cls(
            status, b'{"id": "abc", "status": "proc', (("Content-Type", "application/json"),)
        )

    @classmethod
    def corrupt_gzip(cls, status: int = 200) -> Reply:
        """``Content-Encoding: gzip`` on bytes that are not gzip."""
        garbage = gzip.compress(b'{"id": "abc"}')[:10] + b"\x00garbage\xff" * 4
        return cls(
            status,
            garbage,
            (("Content-Type", "application/json"), ("Content-Encoding", "gzip")),
        )

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Reply:
        """A redirect, with a body that is not the target."""
        return cls(
            status,
            b"<html>Moved</html>",
            (("Location", location), ("Content-Type", "text/html")),
        )

    @classmethod
    def dropped(cls) -> Reply:
        """Read the request, then close the connection without a word."""
        return cls(drop=True)


@dataclass
class Prediction:
    """A prediction the server made up."""

    id: str
    model: str
    created: float
    status: str = "processing"
    output: Any = None


@dataclass
class _Rule:
    method: str
    path: re.Pattern[str]
    reply: Reply
    times: int | None


class _Closed(Exception):
    """The peer went away."""


class HostileServer:
    """A misbehaving stand-in for Replicate's API on 127.0.0.1 (see the module docstring).

    Knobs (plain attributes, set them before or during a test):

    - `max_hold`: the longest ``Prefer: wait`` hold served (default 20 s).
    - `hold_creates`: honour ``Prefer: wait`` at all (default True).
    - `drip_creates`, `drip_gets`: drip those bodies, one byte per `drip_interval` seconds, for at
      most `drip_for` seconds (then the rest at once).
    - `stream`: give predictions a ``urls.stream`` that sends only ``: ping`` comments, every
      `ping_interval` seconds, until the prediction ends (then ``done``).
    - `succeed_after`: seconds after creation at which predictions succeed (None: never).
    """

    def __init__(self, *, lifetime: float = 120.0) -> None:
        self.lifetime = lifetime
        self.max_hold = 20.0
        self.hold_creates = True
        self.drip_creates = False
        self.drip_gets = False
        self.drip_interval = 1.0
        self.drip_for = 10.0
        self.stream = False
        self.ping_interval = 0.2
        self.succeed_after: float | None = None
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._predictions: dict[str, Prediction] = {}
        self._rules: list[_Rule] = []
        self._generation = 0
        self._stopping = False
        self._seq = 0
        self._port = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> HostileServer:
        """Start serving on a free port of 127.0.0.1 (returns once it listens)."""
        thread = threading.Thread(target=self._main, name="hostile-server", daemon=True)
        self._thread = thread
        thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        if self._failure is not None:
            raise RuntimeError("the hostile server failed to start") from self._failure
        return self

    def stop(self) -> None:
        """Close every connection, stop the loop and join the thread (idempotent)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        thread = self._thread
        if thread is not None:
            thread.join(10)
            if thread.is_alive():  # pragma: no cover - a bug in this file
                raise RuntimeError("the hostile server did not stop")

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The API base URL (``…/v1``)."""
        return f"{self.origin}/v1"

    # -- scripting ------------------------------------------------------------------------------

    def script(self, method: str, path: str, *replies: Reply, times: int | None = 1) -> None:
        """Answer requests matching `method` (or ``*``) and the `path` regex with `replies`.

        Each reply is used `times` times (None: for ever) in order; after the last, the default
        behaviour resumes. A path regex must match the whole path, e.g. ``/v1/predictions/[^/]+``.
        """
        with self._lock:
            for reply in replies:
                self._rules.append(_Rule(method.upper(), re.compile(path), reply, times))

    def release_holds(self) -> None:
        """End the holds and drips under way now (those that start later are served as usual)."""
        self._generation += 1

    def prediction(self, prediction_id: str) -> Prediction:
        """A prediction's state."""
        with self._lock:
            return self._predictions[prediction_id]

    def predictions(self) -> list[Prediction]:
        """Every prediction made, oldest first."""
        with self._lock:
            return list(self._predictions.values())

    # -- what was received ----------------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """A copy of the requests received so far, in order."""
        with self._lock:
            return list(self._requests)

    def creates(self) -> list[Recorded]:
        """The prediction creates received."""
        return [r for r in self.requests if r.method == "POST" and _CREATE_ROUTES.fullmatch(r.path)]

    def cancels(self, prediction_id: str | None = None) -> list[Recorded]:
        """The cancels received (of one prediction, or all)."""
        return [
            r
            for r in self.requests
            if r.method == "POST"
            and _CANCEL_ROUTE.fullmatch(r.path)
            and (prediction_id is None or r.prediction_id == prediction_id)
        ]

    def gets(self, prediction_id: str | None = None) -> list[Recorded]:
        """The ``GET /v1/predictions/{id}`` received."""
        return [
            r
            for r in self.requests
            if r.method == "GET"
            and _PREDICTION_ROUTE.fullmatch(r.path)
            and (prediction_id is None or r.prediction_id == prediction_id)
        ]

    def streams(self) -> list[Recorded]:
        """The stream connections received."""
        return [r for r in self.requests if r.method == "GET" and _STREAM_ROUTE.fullmatch(r.path)]

    def wait_until(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "that"
    ) -> None:
        """Block the calling thread until `predicate()` holds (AssertionError after `timeout`)."""
        end = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > end:
                raise AssertionError(f"the server did not see {what} within {timeout} s")
            time.sleep(0.005)

    # -- the server -----------------------------------------------------------------------------

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # pragma: no cover - reported by start()
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self._port = int(server.sockets[0].getsockname()[1])
        self._ready.set()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.lifetime)
        finally:
            self._stopping = True
            server.close()
            for task in list(self._connections):
                task.cancel()
            if self._connections:
                await asyncio.wait(list(self._connections), timeout=5)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                keep_open = await self._respond(request, writer)
                if not keep_open:
                    break
        except (_Closed, ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _read_request(self, reader: asyncio.StreamReader) -> Recorded | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        path, _, query = target.partition("?")
        record = Recorded(method.upper(), path, query, headers, body, time.monotonic())
        for pattern in (_CANCEL_ROUTE, _PREDICTION_ROUTE, _STREAM_ROUTE):
            match = pattern.fullmatch(path)
            if match is not None:
                record.prediction_id = match.group("id")
                break
        with self._lock:
            record.generation = self._generation
            self._requests.append(record)
        return record

    def _scripted(self, request: Recorded) -> Reply | None:
        with self._lock:
            for rule in self._rules:
                if rule.method in ("*", request.method) and rule.path.fullmatch(request.path):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self._rules.remove(rule)
                    return rule.reply
        return None

    async def _respond(self, request: Recorded, writer: asyncio.StreamWriter) -> bool:
        reply = self._scripted(request)
        if reply is not None:
            return await self._send_reply(request, writer, reply)
        path = request.path
        if request.method == "POST" and _CREATE_ROUTES.fullmatch(path):
            return await self._create(request, writer)
        if request.method == "POST" and _CANCEL_ROUTE.fullmatch(path):
            prediction = self._find(request.prediction_id)
            if prediction is None:
                return await self._send_reply(request, writer, _not_found())
            if prediction.status not in TERMINAL:
                prediction.status = "canceled"
            return await self._send_reply(
                request, writer, Reply.json(200, self._render(prediction))
            )
        if request.method == "GET" and _PREDICTION_ROUTE.fullmatch(path):
            prediction = self._find(request.prediction_id)
            if prediction is None:
                return await self._send_reply(request, writer, _not_found())
            drip = self.drip_interval if self.drip_gets else None
            return await self._send_reply(
                request, writer, Reply.json(200, self._render(prediction), drip=drip)
            )
        if request.method == "GET" and _STREAM_ROUTE.fullmatch(path):
            prediction = self._find(request.prediction_id)
            if prediction is None:
                return await self._send_reply(request, writer, _not_found())
            await self._pings(request, writer, prediction)
            return False
        return await self._send_reply(request, writer, _not_found())

    def _find(self, prediction_id: str | None) -> Prediction | None:
        with self._lock:
            prediction = self._predictions.get(prediction_id or "")
        if prediction is not None:
            self._advance(prediction)
        return prediction

    def _advance(self, prediction: Prediction) -> None:
        after = self.succeed_after
        if (
            after is not None
            and prediction.status not in TERMINAL
            and time.monotonic() - prediction.created >= after
        ):
            prediction.status = "succeeded"
            prediction.output = "done"

    async def _create(self, request: Recorded, writer: asyncio.StreamWriter) -> bool:
        match = re.fullmatch(r"/v1/models/([^/]+/[^/]+)/predictions", request.path)
        with self._lock:
            self._seq += 1
            prediction = Prediction(
                f"hostile{self._seq:04d}",
                match.group(1) if match else "acme/hostile",
                time.monotonic(),
            )
            self._predictions[prediction.id] = prediction
            request.prediction_id = prediction.id
        hold = request.prefer_wait if self.hold_creates else None
        headers: tuple[tuple[str, str], ...] = ()
        if hold is not None:
            await self._hold(min(hold, self.max_hold), request.generation, prediction)
            applied = request.headers.get("prefer", "wait").strip()
            headers = (("Preference-Applied", applied),)
        self._advance(prediction)
        reply = Reply.json(
            201,
            self._render(prediction),
            drip=self.drip_interval if self.drip_creates else None,
        )
        reply = Reply(reply.status, reply.body, reply.headers + headers, drip=reply.drip)
        return await self._send_reply(request, writer, reply)

    async def _hold(
        self, seconds: float, generation: int, prediction: Prediction | None = None
    ) -> None:
        end = time.monotonic() + max(0.0, seconds)
        while time.monotonic() < end and generation == self._generation and not self._stopping:
            if prediction is not None:
                self._advance(prediction)
                if prediction.status in TERMINAL:
                    return
            await asyncio.sleep(min(0.005, max(0.0, end - time.monotonic())))

    def _render(self, prediction: Prediction) -> dict[str, Any]:
        base = self.base_url
        urls: dict[str, str] = {
            "get": f"{base}/predictions/{prediction.id}",
            "cancel": f"{base}/predictions/{prediction.id}/cancel",
        }
        if self.stream:
            urls["stream"] = f"{self.origin}/stream/{prediction.id}"
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        return {
            "id": prediction.id,
            "model": prediction.model,
            "version": "hidden",
            "input": {},
            "status": prediction.status,
            "output": prediction.output,
            "logs": "",
            "error": None,
            "created_at": created,
            "urls": urls,
        }

    async def _send_reply(
        self, request: Recorded, writer: asyncio.StreamWriter, reply: Reply
    ) -> bool:
        if reply.drop:
            return False
        if reply.hold:
            await self._hold(min(reply.hold, self.max_hold), request.generation)
        phrase = _PHRASES.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {phrase}", f"Content-Length: {len(reply.body)}"]
        head += [f"{name}: {value}" for name, value in reply.headers]
        await _write(writer, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if reply.drip is None or not reply.body:
            await _write(writer, reply.body)
        else:
            end = time.monotonic() + self.drip_for
            body = reply.body
            sent = 0
            generation = request.generation
            while (
                sent < len(body)
                and time.monotonic() < end
                and generation == self._generation
                and not self._stopping
            ):
                await _write(writer, body[sent : sent + 1])
                sent += 1
                await asyncio.sleep(reply.drip)
            await _write(writer, body[sent:])
        request.answered_at = time.monotonic()
        return True

    async def _pings(
        self, request: Recorded, writer: asyncio.StreamWriter, prediction: Prediction
    ) -> None:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        )
        await _write(writer, head.encode())
        end = time.monotonic() + self.max_hold
        while time.monotonic() < end:
            self._advance(prediction)
            if prediction.status in TERMINAL:
                reason = {} if prediction.status == "succeeded" else {"reason": prediction.status}
                await _write(writer, f"event: done\ndata: {json.dumps(reason)}\n\n".encode())
                break
            await _write(writer, b": ping\n\n")
            await asyncio.sleep(self.ping_interval)
        request.answered_at = time.monotonic()


def _not_found() -> Reply:
    return Reply.json(404, {"detail": "Not found.", "status": 404})


async def _write(writer: asyncio.StreamWriter, data: bytes) -> None:
    if not data:
        return
    if writer.is_closing():
        raise _Closed
    writer.write(data)
    await writer.drain()


@contextlib.contextmanager
def hostile_server(**knobs: Any) -> Generator[HostileServer]:
    """A started `HostileServer` with `knobs` set, stopped on exit."""
    server = HostileServer()
    for name, value in knobs.items():
        if not hasattr(server, name):
            raise AttributeError(f"HostileServer has no knob {name!r}")
        setattr(server, name, value)
    with server:
        yield server
