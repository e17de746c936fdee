"""Error handling: what each kind of failure raises, and what the error carries.

Every error is a `ReplicateError`. API answers are `APIStatusError`s (by status: NotFoundError,
UnprocessableEntityError, RateLimitError...); a prediction that ends badly raises a
`PredictionError` that carries it; a deadline raises a `TimeoutError`. With
REPLICATE_API_TOKEN set this runs on Replicate (about a cent); without it, on the emulator.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import latest_version, open_client

from replicate_async import ModelError, NotFoundError, ReplicateError, UnprocessableEntityError

FLUX = "black-forest-labs/flux-schnell"


async def main() -> None:
    # Transient failures (429, 5xx, dropped connections) are retried for you; reads up to
    # max_retries times, creates only when they provably never reached the server, or on 429.
    async with open_client(clock="real", max_retries=5) as client:
        try:
            await client.run("replicate/no-such-model-here", input={})
        except NotFoundError as exc:
            print("not found:", exc)

        try:  # input is checked against the model's schema before anything runs (or costs)
            await client.run(FLUX, input={"prompt": "a fox", "num_outputs": "four"})
        except UnprocessableEntityError as exc:
            print(f"{exc.status_code} {exc.title}: {(exc.detail or '').strip()}")

        blip = await latest_version(client, "salesforce/blip")
        try:  # the model fails at run time: the error carries the prediction
            await client.run(blip, input={"image": b"these bytes are not an image"})
        except ModelError as exc:
            print(f"prediction {exc.prediction.id} {exc.prediction.status}: {exc.prediction.error}")

        try:  # one deadline for the whole call; when it passes the prediction is canceled
            await client.run(FLUX, input={"prompt": "a slow fox"}, timeout=1)
            print("finished within a second")
        except TimeoutError as exc:  # PredictionTimeoutError, or APITimeoutError before a create
            print(f"timed out: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ReplicateError as exc:  # anything else the client raises on purpose
        raise SystemExit(f"{type(exc).__name__}: {exc}") from exc
