"""Test an application together with its own Cog model, offline: no Docker, no GPU, no push.

The model in ``examples/cog_model/`` (a ``cog.yaml`` and a ``predict.py``) runs unchanged
inside the emulator, behind the same API the application uses in production; the
application code (`label_reviews`) does not know the difference. Needs the ``cog`` extra::

    pip install 'replicate-async[cog]'
    python examples/cog_app.py

The same model can be served to other processes (or ``replicate-async``'s command line)::

    python -m replicate_async.testing serve --cog examples/cog_model/cog.yaml --name me/sentiment
"""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

from replicate_async import AsyncClient, UnprocessableEntityError

MODEL = "me/sentiment"
COG_YAML = Path(__file__).parent / "cog_model" / "cog.yaml"


async def label_reviews(client: AsyncClient, reviews: list[str]) -> list[str]:
    """The application: label every review with the model, concurrently, in order."""
    labels = [""] * len(reviews)

    async def label(index: int, review: str) -> None:
        output = await client.run(MODEL, input={"text": review})
        labels[index] = str(output)

    async with anyio.create_task_group() as group:
        for index, review in enumerate(reviews):
            group.start_soon(label, index, review)
    return labels


async def main() -> int:
    try:
        from replicate_async.testing import Emulator

        emulator = Emulator()
        emulator.register_cog(COG_YAML, name=MODEL)  # runs the model's setup() now
    except ImportError as exc:
        print(exc, file=sys.stderr)
        return 1
    reviews = ["Great product, I love it!", "Slow and broken.", "It arrived on Tuesday."]
    async with emulator.async_client() as client:
        labels = await label_reviews(client, reviews)
        for review, found in zip(reviews, labels, strict=True):
            print(f"{found:>8}: {review}")
        version = (await client.models.get(MODEL)).latest_version
        assert version is not None
        assert version.openapi_schema is not None
        inputs = version.openapi_schema["components"]["schemas"]["Input"]["properties"]
        print("inputs from the model's schema:", ", ".join(inputs))
        try:  # the schema Cog derives from run() is enforced, as on Replicate
            await client.run(MODEL, input={"text": "fine", "threshold": 9})
        except UnprocessableEntityError as exc:
            print(f"rejected as expected: {(exc.detail or '').strip()}")
    logs = [job.logs for job in emulator.jobs()]
    print(f"the model printed: {logs[0].strip()!r}")
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main))
