"""Local files and URLs as model inputs: paths, open files, uploads, and other outputs' URLs.

    python examples/files_as_inputs.py [IMAGE]

Captions an image with salesforce/blip, passed five ways. FLUX schnell makes an image first
(for way 5; saved in the current directory, it is IMAGE when none is given). With
REPLICATE_API_TOKEN set this runs on Replicate (about a cent); without it, on the emulator.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import latest_version, open_client


async def main(image: Path | None) -> None:
    async with open_client() as client:
        flux = "black-forest-labs/flux-schnell"
        generated = (await client.run(flux, input={"prompt": "a fox", "output_format": "png"}))[0]
        local = image or await generated.save(Path.cwd())
        print(f"the image: {local}")
        blip = await latest_version(client, "salesforce/blip")

        # 1. A Path: uploaded through the Files API before the prediction is created.
        print("path:       ", await client.run(blip, input={"image": local}))

        # 2. An open binary file (or bytes): uploaded the same way.
        with local.open("rb") as handle:
            print("file object:", await client.run(blip, input={"image": handle}))

        # 3. Inlined as a data: URI instead of an upload (for small files).
        inline = client.with_options(file_encoding="data-uri")
        print("data URI:   ", await inline.run(blip, input={"image": local}))

        # 4. Upload once, then pass the file's URL to as many predictions as you like.
        upload = await client.files.create(local, metadata={"example": "files_as_inputs"})
        assert upload.urls is not None
        print("upload URL: ", await client.run(blip, input={"image": upload.urls.get}))
        await client.files.delete(upload.id)

        # 5. A URL of another prediction's output: str() of a file output is its URL.
        print("output URL: ", await client.run(blip, input={"image": str(generated)}))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
