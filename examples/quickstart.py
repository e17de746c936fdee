"""Run a model, follow a prediction, and save a file output.

With REPLICATE_API_TOKEN set this talks to Replicate (about a cent); without it, it runs
against replicate_async's built-in emulator: no network, no token, no cost.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

import replicate_async

LLAMA = "meta/meta-llama-3-8b-instruct"
FLUX = "black-forest-labs/flux-schnell"


async def main() -> None:
    async with open_client() as client:
        # 1. run(): create, wait, return the output (a language model's: a list of tokens).
        tokens = await client.run(LLAMA, input={"prompt": "Say hello from replicate_async."})
        print("run() returned:", "".join(tokens))

        # 2. The whole prediction: create returns at once, wait follows it to the end.
        prediction = await client.predictions.create(model=LLAMA, input={"prompt": "Again."})
        prediction = await client.predictions.wait(prediction, timeout=60)
        print(f"prediction {prediction.id}: {prediction.status}")

        # 3. File outputs are fetched when you read or save them.
        images = await client.run(FLUX, input={"prompt": "a red fox", "output_format": "png"})
        path = await images[0].save(Path.cwd())  # a directory gets the file's own name
        print(f"saved {path} ({images[0].content_type})")

        # 4. Errors are typed: here the input does not match the model's schema.
        try:
            await client.run(FLUX, input={"prompt": "a red fox", "num_outputs": "two"})
        except replicate_async.UnprocessableEntityError as exc:
            print("rejected as expected:", (exc.detail or "").strip())


if __name__ == "__main__":
    asyncio.run(main())
