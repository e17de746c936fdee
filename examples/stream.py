"""Stream a language model's tokens as they are produced.

With REPLICATE_API_TOKEN set this talks to Replicate (and costs what the model costs); without
it, it runs against replicate_async's built-in emulator: no network, no token, no cost.

    python examples/stream.py
    STREAM_MODEL=meta/meta-llama-3-8b-instruct python examples/stream.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import NOTICE, open_client, uses_emulator

import replicate_async
from replicate_async import DoneEvent, LogsEvent, OutputEvent

MODEL = os.environ.get("STREAM_MODEL", "demo/tokens")
PROMPT = "Write one sentence about foxes and rivers."
# A real language model takes a while per token; the demo model is told to (0.2 s per word), or
# it would finish before section 4 could stop it early.
SLOW = {"delay": 0.2} if MODEL.startswith("demo/") else {}


@contextlib.asynccontextmanager
async def open_stream_client() -> AsyncIterator[replicate_async.AsyncClient]:
    """The client: Replicate with a token; else the demo emulator, here on real time.

    The examples' usual emulator runs on an instant clock, where a model's sleeps take no time:
    a prediction would always be done before the caller could stop it early.
    """
    if not uses_emulator():
        async with open_client() as client:
            yield client
        return
    from replicate_async.testing import Emulator

    print(NOTICE, file=sys.stderr, flush=True)
    async with Emulator(demo=True, clock="real").async_client() as client:
        yield client


async def main() -> None:
    async with open_stream_client() as client:
        # 1. The familiar loop: str() of an output event is its text, of any other event "".
        async for event in client.stream(MODEL, input={"prompt": PROMPT}):
            print(str(event), end="", flush=True)
        print()

        # 2. Typed events, and a prompt close: leaving the block early closes the connection
        #    at once and cancels the prediction (pass cancel_on_exit=False to keep it running).
        async with client.stream(MODEL, input={"prompt": PROMPT}) as stream:
            async for event in stream:
                if isinstance(event, OutputEvent):
                    print(f"[{event.id}] {event.data!r}")
                elif isinstance(event, LogsEvent):
                    print(f"(log) {event.data}", file=sys.stderr)
                elif isinstance(event, DoneEvent):
                    print(f"done (reason={event.reason}, synthetic={event.synthetic})")
            # A stream that succeeds costs no request for the final state: wait() fetches it.
            print("final status:", (await stream.wait()).status)

        # 3. Only the text, then the whole text at once.
        async with client.stream(MODEL, input={"prompt": PROMPT}) as stream:
            words = [text async for text in stream.text()]
        print(f"{len(words)} chunks")
        text = await client.stream(MODEL, input={"prompt": PROMPT}).output_text()
        print("output_text():", text)

        # 4. Stop early: a prediction still running is canceled on the server.
        async with client.stream(MODEL, input={"prompt": PROMPT, **SLOW}) as stream:
            async for chunk in stream.text():
                print("first chunk only:", repr(chunk))
                break
        assert stream.prediction is not None
        left = await client.predictions.get(stream.prediction.id)
        print("left early; the prediction's status is now", left.status)

        # 5. Failures arrive as events first, then as a typed error carrying the prediction.
        try:
            async for event in client.stream("demo/fail", input={"message": "no tokens today"}):
                print("event:", type(event).__name__)
        except replicate_async.ModelError as exc:
            print("failed as expected:", exc)


if __name__ == "__main__":
    asyncio.run(main())
