"""Run a model, follow a prediction, and save a file output.

With REPLICATE_API_TOKEN set this talks to Replicate (and costs what the models cost); without
it, it runs against replicate_async's built-in emulator: no network, no token, no cost.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

import replicate_async

ECHO = os.environ.get("QUICKSTART_TEXT_MODEL", "demo/echo")
IMAGE = os.environ.get("QUICKSTART_IMAGE_MODEL", "demo/image")


async def main() -> None:
    async with open_client() as client:
        # 1. run(): create, wait, return the output.
        text = await client.run(ECHO, input={"text": "hello from replicate_async"})
        print("run() returned:", text)

        # 2. The whole prediction: create returns at once, wait follows it to the end.
        prediction = await client.predictions.create(model=ECHO, input={"text": "again"})
        prediction = await client.predictions.wait(prediction, timeout=60)
        print(f"prediction {prediction.id}: {prediction.status}, output {prediction.output!r}")

        # 3. File outputs are fetched lazily and saved where you say.
        image = await client.run(IMAGE, input={"size": 32})
        first = image[0] if isinstance(image, list) else image
        with tempfile.TemporaryDirectory() as folder:
            path = await first.save(Path(folder))
            print(f"saved {path.name} ({path.stat().st_size} bytes)")

        # 4. Failures are typed and carry the prediction.
        try:
            await client.run("demo/fail", input={"message": "this model always fails"})
        except replicate_async.ModelError as exc:
            print("failed as expected:", exc)


if __name__ == "__main__":
    asyncio.run(main())
