"""Benchmark replicate_async against plain httpx (and httpx-sse) on the same local server.

Run with ``nox -s bench`` (or ``python benchmarks/bench.py``). Each workload runs through both
clients, alternately, for several rounds; the report gives the median wall time of each and
their ratio (replicate_async / plain; lower is better, 1.00 is parity). Import time is the
median cumulative ``import replicate_async`` line of ``python -X importtime`` over 7 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import httpx_sse

import replicate_async

HERE = Path(__file__).parent
TOKEN = "r8_benchmark"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(HERE / "server.py"), str(port)])
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/count", timeout=0.5)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the benchmark server did not start")


async def bounded(n: int, concurrency: int, job: Callable[[int], Awaitable[object]]) -> None:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            await job(i)

    await asyncio.gather(*(one(i) for i in range(n)))


def plain_client(concurrency: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, timeout=30)


def ours(base: str, concurrency: int) -> replicate_async.AsyncClient:
    return replicate_async.AsyncClient(TOKEN, base_url=base, max_concurrency=concurrency)


async def creates_plain(base: str, n: int, c: int) -> None:
    async with plain_client(c) as http:

        async def job(i: int) -> None:
            r = await http.post(
                f"{base}/v1/models/bench/echo/predictions",
                json={"input": {"prompt": "x"}},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            r.raise_for_status()
            assert r.json()["status"] == "starting"

        await bounded(n, c, job)


async def creates_ours(base: str, n: int, c: int) -> None:
    async with ours(base, c) as client:

        async def job(i: int) -> None:
            p = await client.predictions.create("bench/echo", input={"prompt": "x"})
            assert p.status == "starting"

        await bounded(n, c, job)


async def runs_plain(base: str, n: int, c: int) -> None:
    async with plain_client(c) as http:

        async def job(i: int) -> None:
            r = await http.post(
                f"{base}/v1/models/bench/echo/predictions",
                json={"input": {"prompt": "x"}},
                headers={"Authorization": f"Bearer {TOKEN}", "Prefer": "wait"},
            )
            r.raise_for_status()
            body = r.json()
            assert body["status"] == "succeeded" and body["output"] == "done"

        await bounded(n, c, job)


async def runs_ours(base: str, n: int, c: int) -> None:
    async with ours(base, c) as client:

        async def job(i: int) -> None:
            assert await client.run("bench/echo", input={"prompt": "x"}) == "done"

        await bounded(n, c, job)


async def streams_plain(base: str, n: int, tokens: int, first: list[float]) -> None:
    async with plain_client(n) as http:

        async def job(i: int) -> None:
            started = time.perf_counter()
            r = await http.get(
                f"{base}/v1/predictions/s{i}-{tokens}-{time.time_ns()}-{tokens}",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert r.json()["status"] == "processing"
            url = r.json()["urls"]["stream"]
            count = 0
            async with httpx_sse.aconnect_sse(http, "GET", url) as source:
                async for event in source.aiter_sse():
                    if event.event == "output":
                        if count == 0:
                            first.append(time.perf_counter() - started)
                        count += 1
                    elif event.event == "done":
                        break
            assert count == tokens

        await bounded(n, n, job)


async def streams_ours(base: str, n: int, tokens: int, first: list[float]) -> None:
    async with replicate_async.AsyncClient(
        TOKEN, base_url=base, max_streams=n, max_concurrency=n
    ) as client:

        async def job(i: int) -> None:
            started = time.perf_counter()
            prediction = await client.predictions.get(f"s{i}-{tokens}-{time.time_ns()}-{tokens}")
            assert prediction.status == "processing"
            count = 0
            async for event in client.predictions.stream(prediction):
                if isinstance(event, replicate_async.OutputEvent):
                    if count == 0:
                        first.append(time.perf_counter() - started)
                    count += 1
            assert count == tokens

        await bounded(n, n, job)


def timed(fn: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    asyncio.run(fn())  # type: ignore[arg-type]
    return time.perf_counter() - started


def compare(
    name: str,
    plain: Callable[[], Awaitable[None]],
    mine: Callable[[], Awaitable[None]],
    rounds: int,
) -> dict[str, float]:
    timed(plain)  # warm up both
    timed(mine)
    plain_times: list[float] = []
    our_times: list[float] = []
    for _ in range(rounds):
        plain_times.append(timed(plain))
        our_times.append(timed(mine))
    p, o = statistics.median(plain_times), statistics.median(our_times)
    print(f"{name:<44} plain {p:7.3f} s   replicate_async {o:7.3f} s   ratio {o / p:5.2f}x")
    return {"plain": p, "ours": o, "ratio": o / p}


def import_time(python: str) -> float:
    samples: list[float] = []
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    for i in range(8):
        out = subprocess.run(
            [python, "-X", "importtime", "-c", "import replicate_async"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stderr
        line = [row for row in out.splitlines() if row.rstrip().endswith("| replicate_async")][-1]
        if i:  # the first run warms the bytecode cache
            samples.append(int(line.split("|")[1]) / 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller workloads, one round")
    parser.add_argument(
        "--import-python",
        default=sys.executable,
        help="the interpreter whose environment holds only the runtime dependencies",
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rounds = 1 if args.quick else args.rounds
    proc, base = start_server()
    results: dict[str, object] = {}
    try:
        print(
            f"python {sys.version.split()[0]}, httpx {httpx.__version__}, {os.cpu_count()} CPUs, {rounds} rounds (median)"
        )
        n1, n2 = 2000 // scale, 500 // scale
        results["creates"] = compare(
            f"{n1} prediction creates, 64 at a time",
            lambda: creates_plain(base, n1, 64),
            lambda: creates_ours(base, n1, 64),
            rounds,
        )
        before = httpx.get(f"{base}/count").json()["requests"]
        results["runs"] = compare(
            f"{n2} instant run() calls, 32 at a time",
            lambda: runs_plain(base, n2, 32),
            lambda: runs_ours(base, n2, 32),
            rounds,
        )
        after = httpx.get(f"{base}/count").json()["requests"]
        per_run = (after - before - 1) / (n2 * (rounds + 1) * 2)
        print(f"{'HTTP requests per instant run()':<44} {per_run:.2f}")
        results["requests_per_run"] = per_run
        if hasattr(replicate_async.AsyncClient, "stream"):
            for label, n, tokens in (
                ("1 stream of 20,000 tokens", 1, 20000 // scale),
                ("100 streams of 200 tokens", 100, 200),
            ):
                plain_first: list[float] = []
                our_first: list[float] = []
                r = compare(
                    label,
                    lambda n=n, t=tokens: streams_plain(base, n, t, plain_first),
                    lambda n=n, t=tokens: streams_ours(base, n, t, our_first),
                    rounds,
                )
                r["events_per_second_ratio"] = 1 / r["ratio"]
                r["first_token_plain_ms"] = statistics.median(plain_first) * 1000
                r["first_token_ours_ms"] = statistics.median(our_first) * 1000
                print(
                    f"{'  events/s vs plain; time to first token':<44} {1 / r['ratio']:.2f}x; "
                    f"plain {r['first_token_plain_ms']:.1f} ms, replicate_async {r['first_token_ours_ms']:.1f} ms"
                )
                results[label] = r
    finally:
        proc.terminate()
        proc.wait()
    results["import_ms"] = import_time(args.import_python)
    print(f"{'import replicate_async (cumulative, median)':<44} {results['import_ms']:.1f} ms")
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
