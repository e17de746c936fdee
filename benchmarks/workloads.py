"""One client doing one benchmark scenario, in a process of its own (so its peak RSS is its own).

Run as ``python benchmarks/workloads.py CLIENT SCENARIO BASE_URL [--scale K]``; `bench.py` does
it for every client and scenario, alternating. The process runs the scenario once at a tenth of
its size (warm-up: imports, bytecode, first connections), then once timed, each in a fresh event
loop with a fresh client, and prints one JSON line: the timed seconds, the operations done in
all (for requests per operation, counted at the server), the output events of the timed run, and
the process's peak RSS.

Every client does the same work against the same server (`server.py`):

- ``httpx``: plain httpx and httpx-sse, the floor;
- ``replicate_async``: this SDK, its default transport;
- ``replicate_async+aiohttp``: this SDK over its aiohttp transport (``replicate-async[aiohttp]``);
- ``replicate``: the official client, 1.0.7;
- ``httpx+aiohttp``: plain httpx over ``httpx_aiohttp.AiohttpTransport`` (reference);
- ``aiohttp``: plain aiohttp with a minimal SSE reader (reference).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import resource
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

TOKEN = "r8_benchmark"
MODEL = "bench/echo"
VERSION_ID = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
VERSIONED = f"{MODEL}:{VERSION_ID}"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class Scenario:
    """A workload: `n` operations, `concurrency` at a time."""

    label: str
    op: str  # "create", "run", "run_version", "run_held", "stream"
    n: int
    concurrency: int
    tokens: int = 0
    hold: float = 0.0
    scales: bool = True  # whether --quick shrinks it


SCENARIOS: dict[str, Scenario] = {
    "creates": Scenario("2,000 creates, 64 in flight", "create", 2000, 64),
    "runs": Scenario("500 instant run(), 32 in flight", "run", 500, 32),
    "run_version": Scenario(
        '200 x run("owner/name:version"), one at a time', "run_version", 200, 1
    ),
    "held_runs": Scenario("50 x 0.3 s run()", "run_held", 50, 50, hold=0.3, scales=False),
    "stream_1": Scenario("1 stream x 20,000 tokens", "stream", 1, 1, tokens=20000),
    "streams_100": Scenario("100 streams x 200 tokens", "stream", 100, 100, tokens=200),
}


class Client(Protocol):
    async def create(self) -> None: ...
    async def run(self, ref: str, given: dict[str, Any]) -> None: ...
    async def stream(self, tokens: int) -> int: ...


# -- plain httpx (optionally over the httpx-aiohttp transport) -----------------------------------


class PlainHttpx:
    def __init__(self, http: Any, base: str) -> None:
        self.http = http
        self.base = base

    async def create(self) -> None:
        r = await self.http.post(
            f"{self.base}/v1/models/{MODEL}/predictions",
            json={"input": {"prompt": "x"}},
            headers=HEADERS,
        )
        r.raise_for_status()
        assert r.json()["status"] == "starting"

    async def run(self, ref: str, given: dict[str, Any]) -> None:
        if ":" in ref:
            url, body = f"{self.base}/v1/predictions", {"version": VERSION_ID, "input": given}
        else:
            url, body = f"{self.base}/v1/models/{ref}/predictions", {"input": given}
        r = await self.http.post(url, json=body, headers={**HEADERS, "Prefer": "wait"})
        r.raise_for_status()
        answer = r.json()
        assert answer["status"] == "succeeded" and answer["output"] == "done"

    async def stream(self, tokens: int) -> int:
        import httpx_sse

        r = await self.http.post(
            f"{self.base}/v1/models/{MODEL}/predictions",
            json={"input": {"tokens": tokens}, "stream": True},
            headers=HEADERS,
        )
        r.raise_for_status()
        url = r.json()["urls"]["stream"]
        count = 0
        async with httpx_sse.aconnect_sse(
            self.http, "GET", url, headers={"Cache-Control": "no-store"}
        ) as source:
            async for event in source.aiter_sse():
                if event.event == "output":
                    count += 1
                elif event.event == "done":
                    break
        return count


@asynccontextmanager
async def plain_httpx(base: str, concurrency: int) -> AsyncIterator[Client]:
    import httpx

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        yield PlainHttpx(http, base)


@asynccontextmanager
async def httpx_over_aiohttp(base: str, concurrency: int) -> AsyncIterator[Client]:
    import httpx
    from httpx_aiohttp import AiohttpTransport

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    transport = AiohttpTransport(limits=limits)
    async with httpx.AsyncClient(transport=transport, timeout=30) as http:
        yield PlainHttpx(http, base)


# -- plain aiohttp -------------------------------------------------------------------------------


class PlainAiohttp:
    def __init__(self, session: Any, base: str) -> None:
        self.session = session
        self.base = base

    async def create(self) -> None:
        async with self.session.post(
            f"{self.base}/v1/models/{MODEL}/predictions",
            json={"input": {"prompt": "x"}},
            headers=HEADERS,
        ) as r:
            r.raise_for_status()
            assert (await r.json())["status"] == "starting"

    async def run(self, ref: str, given: dict[str, Any]) -> None:
        if ":" in ref:
            url, body = f"{self.base}/v1/predictions", {"version": VERSION_ID, "input": given}
        else:
            url, body = f"{self.base}/v1/models/{ref}/predictions", {"input": given}
        async with self.session.post(url, json=body, headers={**HEADERS, "Prefer": "wait"}) as r:
            r.raise_for_status()
            answer = await r.json()
            assert answer["status"] == "succeeded" and answer["output"] == "done"

    async def stream(self, tokens: int) -> int:
        async with self.session.post(
            f"{self.base}/v1/models/{MODEL}/predictions",
            json={"input": {"tokens": tokens}, "stream": True},
            headers=HEADERS,
        ) as r:
            r.raise_for_status()
            url = (await r.json())["urls"]["stream"]
        count = 0
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        async with self.session.get(url, headers=headers) as r:
            r.raise_for_status()
            event, data = "message", []
            async for raw in r.content:  # one line at a time
                line = raw.rstrip(b"\r\n").decode()
                if not line:
                    if data:
                        if event == "output":
                            count += 1
                        elif event == "done":
                            break
                    event, data = "message", []
                elif line.startswith(":"):
                    continue
                else:
                    field, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if field == "event":
                        event = value
                    elif field == "data":
                        data.append(value)
        return count


@asynccontextmanager
async def plain_aiohttp(base: str, concurrency: int) -> AsyncIterator[Client]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        yield PlainAiohttp(session, base)


# -- replicate_async -----------------------------------------------------------------------------


class Ours:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def create(self) -> None:
        p = await self.client.predictions.create(MODEL, input={"prompt": "x"})
        assert p.status == "starting"

    async def run(self, ref: str, given: dict[str, Any]) -> None:
        assert await self.client.run(ref, input=given) == "done"

    async def stream(self, tokens: int) -> int:
        from replicate_async import OutputEvent

        count = 0
        async for event in self.client.stream(MODEL, input={"tokens": tokens}):
            if isinstance(event, OutputEvent):
                count += 1
        return count


@asynccontextmanager
async def replicate_async_default(base: str, concurrency: int) -> AsyncIterator[Client]:
    import replicate_async

    async with replicate_async.AsyncClient(
        TOKEN, base_url=base, max_concurrency=concurrency, max_streams=concurrency
    ) as client:
        yield Ours(client)


@asynccontextmanager
async def replicate_async_aiohttp(base: str, concurrency: int) -> AsyncIterator[Client]:
    import replicate_async

    options: dict[str, Any] = {}
    if "http_backend" in inspect.signature(replicate_async.AsyncClient).parameters:
        options["http_backend"] = "aiohttp"
    else:  # before the option is wired: the transport itself
        from replicate_async._aiohttp import aiohttp_transport

        options["transport"] = aiohttp_transport(max_connections=2 * concurrency)
    async with replicate_async.AsyncClient(
        TOKEN, base_url=base, max_concurrency=concurrency, max_streams=concurrency, **options
    ) as client:
        yield Ours(client)


# -- replicate 1.0.7, the official client --------------------------------------------------------


class Official:
    def __init__(self, client: Any) -> None:
        self.client = client

    async def create(self) -> None:
        p = await self.client.models.predictions.async_create(model=MODEL, input={"prompt": "x"})
        assert p.status == "starting"

    async def run(self, ref: str, given: dict[str, Any]) -> None:
        assert await self.client.async_run(ref, input=given) == "done"

    async def stream(self, tokens: int) -> int:
        count = 0
        async for event in await self.client.async_stream(MODEL, input={"tokens": tokens}):
            if event.event.value == "output":
                count += 1
        return count


@asynccontextmanager
async def official(base: str, concurrency: int) -> AsyncIterator[Client]:
    import replicate

    # As users get it: the client's own defaults (httpx's default pool, its retry transport).
    client = replicate.Client(api_token=TOKEN, base_url=base)
    try:
        yield Official(client)
    finally:
        await client._async_client.aclose()


CLIENTS: dict[str, Callable[[str, int], Any]] = {
    "httpx": plain_httpx,
    "replicate_async": replicate_async_default,
    "replicate_async+aiohttp": replicate_async_aiohttp,
    "replicate": official,
    "httpx+aiohttp": httpx_over_aiohttp,
    "aiohttp": plain_aiohttp,
}


async def bounded(n: int, concurrency: int, job: Callable[[], Awaitable[object]]) -> list[object]:
    semaphore = asyncio.Semaphore(concurrency)

    async def one() -> object:
        async with semaphore:
            return await job()

    return await asyncio.gather(*(one() for _ in range(n)))


async def perform(client_name: str, scenario: Scenario, base: str, n: int) -> int:
    """Do `n` operations of `scenario`; return the output events received."""
    async with CLIENTS[client_name](base, scenario.concurrency) as client:
        if scenario.op == "create":
            await bounded(n, scenario.concurrency, client.create)
            return 0
        if scenario.op == "run":
            await bounded(n, scenario.concurrency, lambda: client.run(MODEL, {"prompt": "x"}))
            return 0
        if scenario.op == "run_version":
            await bounded(n, scenario.concurrency, lambda: client.run(VERSIONED, {"prompt": "x"}))
            return 0
        if scenario.op == "run_held":
            hold = {"hold": scenario.hold}
            await bounded(n, scenario.concurrency, lambda: client.run(MODEL, hold))
            return 0
        counts = await bounded(n, scenario.concurrency, lambda: client.stream(scenario.tokens))
        assert all(c == scenario.tokens for c in counts), counts
        return sum(counts)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("client", choices=list(CLIENTS))
    parser.add_argument("scenario", choices=list(SCENARIOS))
    parser.add_argument("base")
    parser.add_argument("--scale", type=int, default=1, help="divide the workload by this")
    args = parser.parse_args()
    scenario = SCENARIOS[args.scenario]
    scale = args.scale if scenario.scales else 1
    if scenario.n > 1:  # fewer operations; a tenth of them to warm up
        scenario = replace(scenario, n=max(1, scenario.n // scale))
        warm = replace(scenario, n=max(1, scenario.n // 10))
    else:  # one long stream: a shorter stream; a tenth of it to warm up
        scenario = replace(scenario, tokens=max(1, scenario.tokens // scale))
        warm = replace(scenario, tokens=max(1, scenario.tokens // 10))
    n, warm_n = scenario.n, warm.n
    asyncio.run(perform(args.client, warm, args.base, warm_n))
    started = time.perf_counter()
    events = asyncio.run(perform(args.client, scenario, args.base, n))
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "operations": n + warm_n,
                "timed_operations": n,
                "events": events,
                "peak_rss_mib": peak_kib / 1024,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
