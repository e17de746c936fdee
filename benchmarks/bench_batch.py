"""The batch scenario: `run_batch` against a plain httpx loop doing the same creates and waits.

Run with ``python benchmarks/bench_batch.py`` (``--quick`` for a smaller run). N predictions
that each take S seconds (default 2,000 of 0.3 s) run C at a time (default 64) three ways:

- ``plain``: httpx with an asyncio semaphore: create (no hold), follow the prediction's stream
  until ``done``, GET the final state;
- ``batch``: ``run_batch(client, ..., concurrency=C)``;
- ``journal``: the same with ``journal=<file>``.

Each run is a fresh process (so that its peak RSS is its own); the runs alternate for several
rounds and the report gives median wall times, the ratios batch/plain and journal/batch, the
peak RSS of each, and HTTP requests per prediction (counted by the server). `batch_scenario`
is the entry point for ``benchmarks/bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import httpx_sse

HERE = Path(__file__).parent
TOKEN = "r8_benchmark"
MODEL = "bench/sleep"

# -- the server ------------------------------------------------------------------------------

COUNTS = {"requests": 0}
FINISH: dict[str, float] = {}
"""Prediction id → the monotonic time at which it succeeds."""


def _prediction(pid: str, status: str, base: str) -> bytes:
    return json.dumps(
        {
            "id": pid,
            "model": MODEL,
            "version": "hidden",
            "input": {"i": 0},
            "output": "done" if status == "succeeded" else None,
            "logs": "",
            "error": None,
            "status": status,
            "created_at": "2026-11-22T00:00:00.123Z",
            "urls": {
                "get": f"{base}/v1/predictions/{pid}",
                "cancel": f"{base}/v1/predictions/{pid}/cancel",
                "stream": f"{base}/stream/{pid}",
            },
        }
    ).encode()


async def _respond(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _app(seconds: float) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        COUNTS["requests"] += 1
        while (await receive()).get("more_body"):
            pass
        path: str = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        base = f"http://{headers.get('host', '127.0.0.1')}"
        if path == "/count":
            await _respond(send, 200, json.dumps(COUNTS).encode())
        elif scope["method"] == "POST" and path == f"/v1/models/{MODEL}/predictions":
            pid = f"q{COUNTS['requests']}"
            FINISH[pid] = time.monotonic() + seconds
            await _respond(send, 201, _prediction(pid, "starting", base))
        elif path.startswith("/stream/"):
            pid = path.rsplit("/", 1)[-1]
            start = {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
            await send(start)
            await send({"type": "http.response.body", "body": b": hi\n\n", "more_body": True})
            left = FINISH[pid] - time.monotonic()
            if left > 0:
                await asyncio.sleep(left)
            done = b"event: done\nid: 1700000000:0\ndata: {}\n\n"
            await send({"type": "http.response.body", "body": done, "more_body": False})
        elif path.startswith("/v1/predictions/"):
            pid = path.split("/")[3]
            if path.endswith("/cancel"):
                FINISH[pid] = math.inf
                await _respond(send, 200, _prediction(pid, "canceled", base))
            else:
                done = time.monotonic() >= FINISH[pid]
                await _respond(
                    send, 200, _prediction(pid, "succeeded" if done else "processing", base)
                )
        else:
            await _respond(send, 404, b'{"detail": "Not found."}')

    return app


def serve(port: int, seconds: float) -> None:
    import uvicorn

    uvicorn.run(
        _app(seconds),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


def start_server(seconds: float) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--seconds", str(seconds)]
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{base}/count", timeout=0.5)
            return proc, base
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the batch benchmark server did not start")


# -- the clients (each run in a process of its own) ------------------------------------------


async def plain(base: str, n: int, c: int) -> int:
    limits = httpx.Limits(max_connections=2 * c, max_keepalive_connections=2 * c)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    semaphore = asyncio.Semaphore(c)
    ok = 0
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:

        async def one(i: int) -> None:
            nonlocal ok
            async with semaphore:
                r = await http.post(
                    f"{base}/v1/models/{MODEL}/predictions", json={"input": {"i": i}}, headers=auth
                )
                r.raise_for_status()
                created = r.json()
                async with httpx_sse.aconnect_sse(
                    http, "GET", created["urls"]["stream"], headers=auth
                ) as source:
                    async for event in source.aiter_sse():
                        if event.event == "done":
                            break
                final = await http.get(created["urls"]["get"], headers=auth)
                ok += final.json()["status"] == "succeeded"

        await asyncio.gather(*(one(i) for i in range(n)))
    return ok


async def ours(base: str, n: int, c: int, journal: str | None) -> int:
    from replicate_async import AsyncClient
    from replicate_async.batch import run_batch

    async with AsyncClient(TOKEN, base_url=base, max_concurrency=c, max_streams=c) as client:
        results = await run_batch(
            client, MODEL, [{"i": i} for i in range(n)], concurrency=c, journal=journal
        )
    return sum(r.ok for r in results)


def client_run(kind: str, base: str, n: int, c: int) -> None:
    if kind != "plain":
        import replicate_async.batch  # imported before the clock starts, like httpx

        del replicate_async
    with tempfile.TemporaryDirectory() as tmp:
        journal = str(Path(tmp) / "batch.sqlite") if kind == "journal" else None
        started = time.perf_counter()
        if kind == "plain":
            ok = asyncio.run(plain(base, n, c))
        else:
            ok = asyncio.run(ours(base, n, c, journal))
        wall = time.perf_counter() - started
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"wall": wall, "ok": ok, "rss_mb": rss_kb / 1024}))


# -- the scenario ----------------------------------------------------------------------------


def one_run(kind: str, base: str, n: int, c: int) -> dict[str, float]:
    before = httpx.get(f"{base}/count").json()["requests"]
    out = subprocess.run(
        [sys.executable, __file__, "--client", kind, "--base", base, "-n", str(n), "-c", str(c)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"},
    )
    after = httpx.get(f"{base}/count").json()["requests"]
    measured: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    if measured["ok"] != n:
        raise RuntimeError(f"{kind}: {measured['ok']} of {n} predictions succeeded")
    measured["requests_per_prediction"] = (after - before - 1) / n
    return measured


def batch_scenario(n: int, c: int, seconds: float, rounds: int) -> dict[str, Any]:
    """Run the scenario and print its report; return the figures."""
    proc, base = start_server(seconds)
    runs: dict[str, list[dict[str, float]]] = {"plain": [], "batch": [], "journal": []}
    try:
        for kind in runs:  # warm-up
            one_run(kind, base, max(n // 10, c), c)
        for _ in range(rounds):
            for kind, found in runs.items():
                found.append(one_run(kind, base, n, c))
    finally:
        proc.terminate()
        proc.wait()
    figures: dict[str, Any] = {}
    for kind, found in runs.items():
        figures[kind] = {
            "wall": statistics.median(r["wall"] for r in found),
            "rss_mb": max(r["rss_mb"] for r in found),
            "requests_per_prediction": statistics.median(
                r["requests_per_prediction"] for r in found
            ),
        }
    figures["batch_vs_plain"] = figures["batch"]["wall"] / figures["plain"]["wall"]
    figures["journal_vs_batch"] = figures["journal"]["wall"] / figures["batch"]["wall"]
    floor = math.ceil(n / c) * seconds
    print(
        f"batch: {n} predictions of {seconds} s, {c} at a time (floor {floor:.1f} s), "
        f"{rounds} rounds (median)"
    )
    for kind in runs:
        f = figures[kind]
        print(
            f"  {kind:<8} {f['wall']:7.3f} s   peak RSS {f['rss_mb']:6.1f} MB   "
            f"{f['requests_per_prediction']:.2f} HTTP requests per prediction"
        )
    print(
        f"  run_batch / plain loop {figures['batch_vs_plain']:.3f}x (target <= 1.10)   "
        f"journal / no journal {figures['journal_vs_batch']:.3f}x (target <= 1.05)"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="predictions (default 2000)")
    parser.add_argument("-c", type=int, default=64, help="at a time (default 64)")
    parser.add_argument("--seconds", type=float, default=0.3, help="each prediction's duration")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 predictions, one round")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=["plain", "batch", "journal"], help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.seconds)
        return 0
    if args.client is not None:
        client_run(args.client, args.base, args.n, args.c)
        return 0
    n, rounds = (200, 1) if args.quick else (args.n, args.rounds)
    figures = batch_scenario(n, args.c, args.seconds, rounds)
    (HERE / "batch_results.json").write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
