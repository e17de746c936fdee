"""Stream a language model's tokens as they are produced.

With REPLICATE_API_TOKEN set this talks to Replicate (and costs what the model costs); without
it, it runs against replicate_async's built-in emulator: no network, no token, no cost.

    python examples/stream.py
    STREAM_MODEL=meta/meta-llama-3-8b-instruct python examples/stream.py
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

import replicate_async
from replicate_async import DoneEvent, LogsEvent, OutputEvent

MODEL = os.environ.get("STREAM_MODEL", "demo/tokens")
PROMPT = "Write one sentence about foxes and rivers."


async def main() -> None:
    async with open_client() as client:
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
            assert stream.prediction is not None
            print("final status:", stream.prediction.status)

        # 3. Only the text, then the whole text at once.
        async with client.stream(MODEL, input={"prompt": PROMPT}) as stream:
            words = [text async for text in stream.text()]
        print(f"{len(words)} chunks")
        text = await client.stream(MODEL, input={"prompt": PROMPT}).output_text()
        print("output_text():", text)

        # 4. Stop early: a prediction still running is canceled on the server.
        async with client.stream(MODEL, input={"prompt": PROMPT}) as stream:
            async for chunk in stream.text():
                print("first chunk only:", repr(chunk))
                break
        assert stream.prediction is not None
        print("left early; the prediction's status is now", stream.prediction.status)

        # 5. Failures arrive as events first, then as a typed error carrying the prediction.
        try:
            async for event in client.stream("demo/fail", input={"message": "no tokens today"}):
                print("event:", type(event).__name__)
        except replicate_async.ModelError as exc:
            print("failed as expected:", exc)


if __name__ == "__main__":
    asyncio.run(main())
