"""Deployments: create one for a model version, run it, then change its scaling.

    python examples/deployments.py [NAME]

A deployment gives a model version a fixed name under your account (owner/NAME, default
"hello-example") and its own scaling. With REPLICATE_API_TOKEN set this creates a real,
scale-to-zero deployment of replicate/hello-world on CPU (it costs only while an instance
runs; delete it on the web page when done); without it, it runs against the built-in emulator.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import latest_version, open_client

from replicate_async import ConflictError, Deployment

MODEL = "replicate/hello-world"


def describe(deployment: Deployment) -> str:
    release = deployment.current_release
    config = release.configuration if release else None
    scale = f"{config.min_instances}..{config.max_instances}" if config else "?"
    return f"{deployment.ref}: release {release.number if release else '?'}, instances {scale}"


async def main(name: str) -> None:
    async with open_client() as client:
        owner = (await client.account.get()).username
        version = (await latest_version(client, MODEL)).partition(":")[2]
        try:
            deployment = await client.deployments.create(
                name=name,
                model=MODEL,
                version=version,
                hardware="cpu",
                min_instances=0,  # scale to zero: no instance (and no cost) while idle
                max_instances=1,
            )
            print("created", describe(deployment))
        except ConflictError:  # it exists from an earlier run: use it as it is
            deployment = await client.deployments.get(f"{owner}/{name}")
            print("found", describe(deployment))

        output = await client.deployments.run(deployment.ref, input={"text": "deployment"})
        print("run() returned:", output)

        # Every change makes a new release; only the arguments given are changed.
        deployment = await client.deployments.update(deployment.ref, max_instances=2)
        print("updated", describe(deployment))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "hello-example"))
