"""A journaled batch run as its own process, for the crash test (killed with SIGKILL midway).

Usage: python crash_child.py BASE_URL TOKEN JOURNAL COUNT [sync-hang]

With ``sync-hang`` the batch runs through `run_batch_sync` on a model that never finishes (the
Ctrl-C test sends SIGINT).
"""

from __future__ import annotations

import sys

import anyio

from replicate_async import AsyncClient
from replicate_async.batch import run_batch, run_batch_sync


async def main(base_url: str, token: str, journal: str, count: int) -> None:
    async with AsyncClient(token, base_url=base_url, poll_interval=0.02) as client:
        await run_batch(
            client,
            "acme/work",
            [{"i": i, "d": 0.15} for i in range(count)],
            concurrency=4,
            journal=journal,
        )


def sync_hang(base_url: str, token: str, journal: str, count: int) -> None:
    run_batch_sync(
        lambda: AsyncClient(token, base_url=base_url, poll_interval=0.02),
        "acme/work",
        [{"i": i, "hang": True} for i in range(count)],
        concurrency=count,
        journal=journal,
    )


if __name__ == "__main__":
    if sys.argv[5:] == ["sync-hang"]:
        sync_hang(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        anyio.run(main, sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
