"""Generate images with FLUX schnell and save them in the current directory.

    python examples/image_generation.py "a watercolour fox by a river"

With REPLICATE_API_TOKEN set this runs black-forest-labs/flux-schnell on Replicate (a fraction
of a cent per image); without it, the built-in emulator's stand-in draws a small gradient.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

from replicate_async import AsyncFileOutput

MODEL = "black-forest-labs/flux-schnell"


async def main(prompt: str) -> None:
    async with open_client() as client:
        # run() returns the model's output; file URLs come back as file outputs.
        outputs = await client.run(
            MODEL,
            input={"prompt": prompt, "num_outputs": 2, "output_format": "png"},
            timeout=300,  # one deadline for the whole call (the prediction is canceled after)
        )
        for index, output in enumerate(outputs):
            assert isinstance(output, AsyncFileOutput)
            # save() streams the file to disk; a directory gets the file's own name.
            path = await output.save(Path(f"flux-{index}.png"))
            print(f"saved {path.resolve()} ({path.stat().st_size} bytes, {output.content_type})")


if __name__ == "__main__":
    asyncio.run(main(" ".join(sys.argv[1:]) or "a watercolour fox by a river"))
