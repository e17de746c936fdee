"""Benchmark replicate_async against plain httpx, the official client and aiohttp.

Run with ``nox -s bench`` (or ``python benchmarks/bench.py`` in an environment with the
``bench`` dependency group and the ``aiohttp`` extra). One local server (`server.py`) answers
every client the same bytes. Each client runs each scenario (`workloads.py`) in a process of its
own, so its peak RSS is its own; the clients alternate, their order rotating each round, and the
report gives the median wall time per client, its ratio to plain httpx (the floor; lower is
better), the HTTP requests per operation counted at the server, and peak RSS. Import times are
ratios to ``import httpx`` in venvs holding only the runtime dependencies, measured in the same
run. The tables printed at the end paste into an issue note; ``benchmarks/results.json`` keeps
the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
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
import workloads  # benchmarks/workloads.py, beside this file

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


# -- the harness: every client in a process of its own, alternating ------------------------------

# Columns, in the order they are printed. The first is the floor every ratio divides by.
MAIN_CLIENTS = ("httpx", "replicate", "replicate_async", "replicate_async+aiohttp")
REFERENCE_CLIENTS = ("httpx+aiohttp", "aiohttp")
REFERENCE_SCENARIOS = ("creates", "runs", "streams_100")
TARGETS = {
    "creates": "≤ 1.0x",
    "runs": "≤ 1.0x",
    "run_version": "≤ 1.0x",
    "held_runs": "≤ 1.02x",
    "stream_1": "≤ 1.15x",
    "streams_100": "≤ 1.2x, 2.0 requests",
}
TITLES = {
    "httpx": "plain httpx",
    "replicate": "replicate 1.0.7",
    "replicate_async": "replicate_async",
    "replicate_async+aiohttp": "replicate_async + aiohttp",
    "httpx+aiohttp": "httpx + aiohttp transport",
    "aiohttp": "plain aiohttp",
}


def installed(client: str) -> bool:
    """Whether the worker can run `client` here (the official client and aiohttp are optional)."""
    needs = {
        "replicate": ("replicate",),
        "httpx+aiohttp": ("httpx_aiohttp",),
        "aiohttp": ("aiohttp",),
        "replicate_async+aiohttp": ("aiohttp", "replicate_async._aiohttp"),
    }.get(client, ())
    try:
        return all(importlib.util.find_spec(name) is not None for name in needs)
    except ModuleNotFoundError:
        return False


def server_requests(base: str) -> int:
    return int(httpx.get(f"{base}/count").json()["requests"])


def run_worker(client: str, scenario: str, base: str, scale: int) -> dict[str, float]:
    """One timed run of `scenario` by `client` in a fresh process, with the requests it made."""
    before = server_requests(base)
    out = subprocess.run(
        [sys.executable, str(HERE / "workloads.py"), client, scenario, base, "--scale", str(scale)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode:
        raise RuntimeError(f"{client} {scenario} failed:\n{out.stdout}\n{out.stderr}")
    after = server_requests(base)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["requests"] = after - before - 1  # the second /count counts itself
    return result


def measure(
    scenarios: list[str], clients: list[str], base: str, rounds: int, scale: int
) -> dict[str, dict[str, dict[str, float]]]:
    """Median seconds, ratio to plain httpx, requests per operation and peak RSS, per cell."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for scenario in scenarios:
        spec = workloads.SCENARIOS[scenario]
        runners = [
            c
            for c in clients
            if c in MAIN_CLIENTS or scenario in REFERENCE_SCENARIOS or c == "httpx"
        ]
        samples: dict[str, list[dict[str, float]]] = {c: [] for c in runners}
        for r in range(rounds):
            shift = r % len(runners)
            for client in runners[shift:] + runners[:shift]:  # alternate the order each round
                samples[client].append(run_worker(client, scenario, base, scale))
        row: dict[str, dict[str, float]] = {}
        for client, runs in samples.items():
            seconds = statistics.median(s["seconds"] for s in runs)
            cell = {
                "seconds": seconds,
                "operations_per_second": runs[0]["timed_operations"] / seconds,
                "requests_per_operation": sum(s["requests"] for s in runs)
                / sum(s["operations"] for s in runs),
                "peak_rss_mib": max(s["peak_rss_mib"] for s in runs),
            }
            if spec.op == "stream":
                cell["events_per_second"] = runs[0]["events"] / seconds
            row[client] = cell
        floor = row["httpx"]["seconds"]
        for cell in row.values():
            cell["ratio"] = cell["seconds"] / floor
        table[scenario] = row
        print(
            f"  {spec.label}: " + ", ".join(f"{c} {row[c]['ratio']:.2f}x" for c in runners),
            flush=True,
        )
    return table


def import_ms(python: str, module: str, runs: int = 9) -> float:
    """Median cumulative `-X importtime` of `module` (the first run only warms the caches)."""
    samples: list[float] = []
    for i in range(runs):
        out = subprocess.run(
            [python, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        line = [row for row in out.splitlines() if row.rstrip().endswith(f"| {module}")][-1]
        if i:
            samples.append(int(line.split("|")[1]) / 1000)
    return statistics.median(samples)


def import_total_ms(python: str, code: str, runs: int = 5) -> float:
    """Median of every module `code` imports (top-level `-X importtime` lines), beyond bare
    startup: unlike one module's cumulative line, this counts what PEP 562 loads on first use."""

    def total(source: str) -> float:
        err = subprocess.run(
            [python, "-X", "importtime", "-c", source], capture_output=True, text=True, check=True
        ).stderr
        rows = [r.split("|") for r in err.splitlines() if r.startswith("import time:")]
        return sum(int(r[1]) for r in rows[1:] if not r[2].startswith("  ")) / 1000

    samples = [total(code) - total("pass") for _ in range(runs + 1)][1:]
    return statistics.median(samples)


def import_times(ours: str, official: str | None) -> dict[str, float]:
    """Import times in venvs with only runtime dependencies, each against its own httpx."""
    result: dict[str, float] = {}
    for _ in range(3):  # interleave, so a slow moment hits both sides
        for name, python, module in (
            ("httpx", ours, "httpx"),
            ("replicate_async", ours, "replicate_async"),
            ("replicate_async.webhooks", ours, "replicate_async.webhooks"),
            ("httpx (official venv)", official, "httpx"),
            ("replicate", official, "replicate"),
        ):
            if python is None:
                continue
            result.setdefault(name, 0.0)
            result[name] += import_ms(python, module, runs=5) / 3
    # What a first call costs on top: the client class and everything it loads lazily.
    result["replicate_async + AsyncClient (first use)"] = import_total_ms(
        ours, "import replicate_async; replicate_async.AsyncClient"
    )
    result["httpx (all modules)"] = import_total_ms(ours, "import httpx")
    out = {f"{k}_ms": v for k, v in result.items()}
    out["replicate_async_first_use_ratio"] = (
        result["replicate_async + AsyncClient (first use)"] / result["httpx (all modules)"]
    )
    out["replicate_async_ratio"] = result["replicate_async"] / result["httpx"]
    if "replicate" in result:
        out["replicate_ratio"] = result["replicate"] / result["httpx (official venv)"]
    return out


def markdown(table: dict[str, dict[str, dict[str, float]]], imports: dict[str, float]) -> str:
    """The tables for an issue note: ratios to plain httpx, throughput, requests, memory."""
    columns = [c for c in MAIN_CLIENTS[1:] if any(c in row for row in table.values())]
    lines = [
        "| scenario | " + " | ".join(TITLES[c] for c in columns) + " | target |",
        "|---|" + "---:|" * len(columns) + "---:|",
    ]
    for scenario, row in table.items():
        cells = []
        for c in columns:
            if c not in row:
                cells.append("n/a")
                continue
            text = f"{row[c]['ratio']:.2f}x"
            if workloads.SCENARIOS[scenario].op == "stream":
                text += f" ({row[c]['requests_per_operation']:.1f} req/stream)"
            elif row[c]["requests_per_operation"] != 1.0:
                text += f" ({row[c]['requests_per_operation']:.2f} req/run)"
            cells.append(text)
        label = workloads.SCENARIOS[scenario].label
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {TARGETS[scenario]} |")
    if imports:
        cells = []
        for c in columns:
            key = {"replicate": "replicate_ratio", "replicate_async": "replicate_async_ratio"}
            cells.append(f"{imports[key[c]]:.2f}x" if key.get(c, "") in imports else "n/a")
        lines.append("| import time (vs `import httpx`) | " + " | ".join(cells) + " | ≤ 1.25x |")
        first = [
            f"{imports['replicate_async_first_use_ratio']:.2f}x"
            if c.startswith("replicate_async") and "replicate_async_first_use_ratio" in imports
            else "n/a"
            for c in columns
        ]
        lines.append(
            "| import + first `AsyncClient` (vs all httpx imports) | " + " | ".join(first) + " | |"
        )
    lines.append("")
    lines.append("Throughput (operations or events per second; in brackets, vs plain httpx):")
    lines.append("")
    every = [c for c in (*MAIN_CLIENTS, *REFERENCE_CLIENTS) if any(c in r for r in table.values())]
    lines.append("| scenario | " + " | ".join(TITLES[c] for c in every) + " |")
    lines.append("|---|" + "---:|" * len(every))
    for scenario, row in table.items():
        unit = "events_per_second" if workloads.SCENARIOS[scenario].op == "stream" else None
        cells = []
        for c in every:
            if c not in row:
                cells.append("")
                continue
            value = row[c][unit or "operations_per_second"]
            speedup = row["httpx"]["seconds"] / row[c]["seconds"]
            shown = f"{value / 1000:,.1f}k ev/s" if unit else f"{value:,.0f}/s"
            cells.append(shown if c == "httpx" else f"{shown} ({speedup:.1f}x)")
        lines.append(f"| {workloads.SCENARIOS[scenario].label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Peak RSS of the client process (MiB):")
    lines.append("")
    lines.append("| scenario | " + " | ".join(TITLES[c] for c in every) + " |")
    lines.append("|---|" + "---:|" * len(every))
    for scenario, row in table.items():
        cells = [f"{row[c]['peak_rss_mib']:.0f}" if c in row else "" for c in every]
        lines.append(f"| {workloads.SCENARIOS[scenario].label} | " + " | ".join(cells) + " |")
    if imports:
        lines.append("")
        lines.append(
            "Import (median cumulative `-X importtime`, runtime-only venvs): "
            + ", ".join(
                f"`{k.removesuffix('_ms')}` {v:.1f} ms"
                for k, v in imports.items()
                if k.endswith("_ms")
            )
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tenth of each workload, one round")
    parser.add_argument(
        "--import-python",
        default=sys.executable,
        help="the interpreter whose environment holds only replicate_async's runtime dependencies",
    )
    parser.add_argument(
        "--official-import-python",
        default=None,
        help="an interpreter whose environment holds only replicate==1.0.7 and its dependencies",
    )
    parser.add_argument("--scenarios", default=",".join(workloads.SCENARIOS))
    parser.add_argument(
        "--clients", default=",".join((*MAIN_CLIENTS, *REFERENCE_CLIENTS)), help="comma-separated"
    )
    parser.add_argument("--output", default=str(HERE / "results.json"))
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rounds = 1 if args.quick else args.rounds
    clients = [c for c in args.clients.split(",") if installed(c)]
    if "httpx" not in clients:
        clients.insert(0, "httpx")
    skipped = sorted(set(args.clients.split(",")) - set(clients))
    print(
        f"python {sys.version.split()[0]}, httpx {httpx.__version__}, {os.cpu_count()} CPUs, "
        f"{rounds} rounds (median), each client in its own process"
        + (f"; not installed: {', '.join(skipped)}" if skipped else ""),
        flush=True,
    )
    started = time.perf_counter()
    proc, base = start_server()
    try:
        table = measure(args.scenarios.split(","), clients, base, rounds, scale)
    finally:
        proc.terminate()
        proc.wait()
    imports = import_times(args.import_python, args.official_import_python)
    report = markdown(table, imports)
    print()
    print(report)
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    meta = {
        "python": sys.version.split()[0],
        "httpx": httpx.__version__,
        "cpus": os.cpu_count(),
        "rounds": rounds,
        "scale": scale,
    }
    Path(args.output).write_text(
        json.dumps({"meta": meta, "scenarios": table, "import": imports}, indent=2) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
