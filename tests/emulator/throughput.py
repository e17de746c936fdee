"""Throughput of the emulator's socket server (a script, not a test).

Starts ``python -m replicate_async.testing serve`` in its own process and drives it with plain
httpx over real sockets, the way the project's benchmark does:

1. 2,000 prediction creates (``POST /models/demo/echo/predictions``), 64 in flight;
2. 500 instantly finishing runs (a create with ``Prefer: wait``, answered ``succeeded``), 32 in
   flight.

It reports requests per second as seen by the client, and the server process's CPU time per
request, which bounds what the server could serve if the client were infinitely fast (the
client, in Python on the same machine, is usually the slower side).

    python tests/emulator/throughput.py [--creates 2000] [--concurrency 64]
        [--runs 500] [--run-concurrency 32] [--clients 1]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import dataclass

import anyio
import httpx


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    server_cpu: float
    client_cpu: float | None

    def report(self) -> str:
        rate = self.requests / self.seconds
        per_request = self.server_cpu / self.requests * 1e6
        capacity = self.requests / self.server_cpu if self.server_cpu else float("inf")
        text = (
            f"{self.name}: {self.requests} in {self.seconds:.2f} s = {rate:,.0f}/s served; "
            f"server CPU {per_request:,.0f} µs per request (≈ {capacity:,.0f}/s per core)"
        )
        if self.client_cpu is not None:
            text += f"; client CPU {self.client_cpu / self.requests * 1e6:,.0f} µs per request"
        return text


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


async def drive(base: str, token: str, count: int, concurrency: int, prefer: str | None) -> None:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    if prefer:
        headers["Prefer"] = prefer
    todo = iter(range(count))
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            for i in todo:
                response = await client.post(
                    "/models/demo/echo/predictions", json={"input": {"text": f"t{i}"}}
                )
                if response.status_code != 201:
                    raise RuntimeError(f"unexpected {response.status_code}: {response.text}")
                if prefer and response.json()["status"] != "succeeded":
                    raise RuntimeError(f"run did not finish: {response.json()['status']}")

        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker)


def _client_process(args: tuple[str, str, int, int, str | None]) -> None:
    anyio.run(drive, *args)


def phase(
    name: str, server: subprocess.Popen[str], base: str, token: str, count: int,
    concurrency: int, prefer: str | None, clients: int,
) -> Phase:  # fmt: skip
    before = cpu_seconds(server.pid)
    client_before = time.process_time()
    start = time.perf_counter()
    if clients == 1:
        anyio.run(drive, base, token, count, concurrency, prefer)
    else:
        share = [(base, token, count // clients, max(1, concurrency // clients), prefer)] * clients
        with multiprocessing.Pool(clients) as pool:
            pool.map(_client_process, share)
        count = (count // clients) * clients
    seconds = time.perf_counter() - start
    client_cpu = time.process_time() - client_before if clients == 1 else None
    return Phase(name, count, seconds, cpu_seconds(server.pid) - before, client_cpu)


def main() -> int:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--run-concurrency", type=int, default=32)
    parser.add_argument("--clients", type=int, default=1, help="client processes (default 1)")
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-m", "replicate_async.testing", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        found: dict[str, str] = {}
        while len(found) < 2:
            key, _, value = server.stdout.readline().strip().partition("=")
            found[key] = value
        base, token = found["REPLICATE_BASE_URL"], found["REPLICATE_API_TOKEN"]
        anyio.run(drive, base, token, 200, 16, None)  # warm up
        creates = phase(
            "creates", server, base, token, args.creates, args.concurrency, None, args.clients
        )
        runs = phase(
            "runs (Prefer: wait)", server, base, token, args.runs, args.run_concurrency,
            "wait", args.clients,
        )  # fmt: skip
        print(f"server {base}, {os.cpu_count()} CPU(s), {args.clients} client process(es)")
        print(creates.report())
        print(runs.report())
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
