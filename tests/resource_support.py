"""Support for the resource tests in tests/_async (and their generated twins in tests/_sync).

Everything here is colour-free except the `AsyncConcurrently` / `Concurrently` pair, which the
sync generator swaps by name (rule 2: ``AsyncX`` -> ``X``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import anyio
import httpx

T = TypeVar("T")

RECORDED = Path(__file__).resolve().parent / "fixtures" / "recorded"
API = "https://api.replicate.com/v1"
TOKEN = "r8_test"

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response]


def recorded(name: str, index: int = 0) -> dict[str, Any]:
    """One recorded exchange, ``{"request": ..., "response": ...}``, from tests/fixtures."""
    exchanges: list[dict[str, Any]] = json.loads((RECORDED / name).read_text(encoding="utf-8"))
    return exchanges[index]


def recorded_body(name: str, index: int = 0) -> Any:
    """The response body of a recorded exchange, without the fixtures' `truncated_from` key."""
    body = recorded(name, index)["response"]["body"]
    if isinstance(body, dict):
        fields = cast("dict[str, Any]", body)
        body = {k: v for k, v in fields.items() if k != "truncated_from"}
    return body


def page(results: list[Any], next: str | None = None) -> dict[str, Any]:
    """A page of results as the API returns it."""
    return {"results": results, "next": next, "previous": None}


class FakeAPI:
    """A MockTransport handler: answers by ``(METHOD, path)`` and records every request.

    Each route holds a queue of answers; the last one repeats. An unrouted request fails the
    test (the AssertionError propagates out of the client call).
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []
        self.lock = threading.Lock()

    def on(self, method: str, path: str, *answers: Answer) -> FakeAPI:
        """Route ``METHOD /v1/...`` (path relative to /v1, or absolute) to `answers`."""
        full = path if path.startswith("/v1/") else "/v1/" + path.lstrip("/")
        self.routes[(method, full)] = list(answers)
        return self

    def json(self, method: str, path: str, body: Any, status: int = 200) -> FakeAPI:
        """Route to one JSON answer."""
        return self.on(method, path, httpx.Response(status, json=body))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self.lock:
            self.requests.append(request)
            queue = self.routes.get((request.method, request.url.path))
            if not queue:
                raise AssertionError(f"unexpected request {request.method} {request.url}")
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request) if callable(answer) else answer

    def transport(self) -> httpx.MockTransport:
        """A transport for ``AsyncClient(transport=...)`` and ``Client(transport=...)``."""
        return httpx.MockTransport(self)

    def calls(self) -> list[str]:
        """``"METHOD /path"`` of every request so far."""
        return [f"{r.method} {r.url.path}" for r in self.requests]

    @property
    def last(self) -> httpx.Request:
        """The latest request."""
        return self.requests[-1]

    def body(self, index: int = -1) -> Any:
        """The JSON body of a request."""
        return json.loads(self.requests[index].content)


def never_called(request: httpx.Request) -> httpx.Response:
    """A handler for calls that must fail before any request."""
    raise AssertionError(f"no request expected, got {request.method} {request.url}")


class AsyncConcurrently:
    """Run calls concurrently as tasks (async colour)."""

    blocking_reads_leave_the_caller = True
    """Whether blocking file reads run off the calling thread (a worker thread)."""

    @staticmethod
    async def run(*calls: Callable[[], Awaitable[T]]) -> list[T]:
        """Run every call in its own task; return their results in order."""
        results: dict[int, T] = {}

        async def one(index: int) -> None:
            results[index] = await calls[index]()

        async with anyio.create_task_group() as group:
            for index in range(len(calls)):
                group.start_soon(one, index)
        return [results[i] for i in range(len(calls))]


class Concurrently:
    """Run calls concurrently in threads (sync colour)."""

    blocking_reads_leave_the_caller = False
    """Sync code reads files on the calling thread."""

    @staticmethod
    def run(*calls: Callable[[], T]) -> list[T]:
        """Run every call in its own thread; return their results in order."""
        results: dict[int, T] = {}
        errors: list[BaseException] = []
        start = threading.Barrier(len(calls))

        def one(index: int) -> None:
            try:
                start.wait()
                results[index] = calls[index]()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return [results[i] for i in range(len(calls))]
