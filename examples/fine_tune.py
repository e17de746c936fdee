"""Fine-tune FLUX on your images (a LoRA), wait for the training, run the trained version.

    python examples/fine_tune.py [IMAGES.zip]    # default: FLUX makes ./training_images.zip

Versions go to your private model flux-lora-example. With REPLICATE_API_TOKEN set this trains
on Replicate (a few dollars, some minutes); without it, on the built-in emulator.
"""

from __future__ import annotations

import asyncio
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import latest_version, open_client

from replicate_async import AsyncClient, NotFoundError

WORD = "ZYX"  # the trigger word: prompts that contain it get the trained look
ZIP = Path.cwd() / "training_images.zip"
NAME, FLUX = "flux-lora-example", "black-forest-labs/flux-schnell"


async def make_images(client: AsyncClient) -> Path:
    prompt = f"a photo of {WORD}, a small clay robot, studio light"
    images = await client.run(FLUX, input={"prompt": prompt, "num_outputs": 4})
    with zipfile.ZipFile(ZIP, "w") as archive:
        for image in images:
            archive.writestr(f"{len(archive.namelist())}-{image.filename}", await image.read())
    print(f"wrote {ZIP}")
    return ZIP


async def main(images: Path | None) -> None:
    async with open_client() as client:
        owner = (await client.account.get()).username
        try:  # the destination: a model of yours, which must exist
            await client.models.get(f"{owner}/{NAME}")
        except NotFoundError:
            await client.models.create(owner, NAME, visibility="private", hardware="gpu-t4")
        training = await client.trainings.create(
            await latest_version(client, "ostris/flux-dev-lora-trainer"),
            destination=f"{owner}/{NAME}",
            # A Path is uploaded for you (the Files API) and sent as its URL.
            input={"input_images": images or await make_images(client), "trigger_word": WORD},
        )
        print(f"training {training.id} started")  # wait(): Ctrl-C cancels it, with this flag
        training = await client.trainings.wait(training, timeout=3600, cancel_on_exit=True)
        if training.status != "succeeded" or not (training.output and training.output.version):
            raise SystemExit(f"training {training.status}: {training.error}")
        print("trained version:", training.output.version)
        made = await client.run(training.output.version, input={"prompt": f"{WORD} on a bike"})
        print("saved", await made[0].save(Path.cwd()))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
