"""Stream a language model's answer as it is written.

With REPLICATE_API_TOKEN set this streams meta/meta-llama-3-8b-instruct on Replicate (a
fraction of a cent); without it, the built-in emulator's stand-in, in real time.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

from replicate_async import DoneEvent, LogsEvent, OutputEvent

MODEL = "meta/meta-llama-3-8b-instruct"
PROMPT = {"prompt": "Write two sentences about foxes and rivers.", "max_tokens": 128}


async def main() -> None:
    # A real clock in the emulator: its model then takes time, and can be stopped midway.
    async with open_client(clock="real") as client:
        # 1. The familiar loop: str() of an output event is its text, of any other event "".
        async for event in client.stream(MODEL, input=PROMPT):
            print(str(event), end="", flush=True)
        print()

        # 2. Typed events, then the final prediction (a stream that ends well costs no request).
        async with client.stream(MODEL, input=PROMPT) as stream:
            async for event in stream:
                if isinstance(event, OutputEvent):
                    print(f"[{event.id}] {event.data!r}")
                elif isinstance(event, LogsEvent):
                    print(f"(log) {event.data}", file=sys.stderr)
                elif isinstance(event, DoneEvent):
                    print(f"done (reason={event.reason!r})")
            print("final status:", (await stream.wait()).status)

        # 3. Only the text, all at once.
        print("output_text():", await client.stream(MODEL, input=PROMPT).output_text())

        # 4. Stop early: leaving the block closes the connection and cancels the prediction
        #    (pass cancel_on_exit=False to let it run on).
        async with client.stream(MODEL, input=PROMPT) as stream:
            async for text in stream.text():
                print("first chunk only:", repr(text))
                break
        assert stream.prediction is not None
        left = await client.predictions.get(stream.prediction.id)
        print("left early; the prediction's status is now", left.status)


if __name__ == "__main__":
    asyncio.run(main())
