"""A chat with history: every turn sends the whole conversation, and the answer streams in.

    python examples/chat.py                 # a scripted three-turn chat
    python examples/chat.py -i              # type your own messages (an empty line ends)

With REPLICATE_API_TOKEN set this talks to meta/meta-llama-3-8b-instruct on Replicate; without
it, to the built-in emulator's stand-in, which repeats what you said and counts the turns.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

MODEL = "meta/meta-llama-3-8b-instruct"
SYSTEM = "You are a concise assistant. Answer in one or two sentences."
SCRIPT = ["Name a river in France.", "How long is it?", "Which river did I ask about?"]


def render(history: list[tuple[str, str]]) -> str:
    """The conversation in Llama 3's chat format, ending where the assistant speaks next."""
    turns = [("system", SYSTEM), *history, ("assistant", "")]
    parts = [f"<|start_header_id|>{role}<|end_header_id|>\n\n{text}" for role, text in turns]
    return "<|begin_of_text|>" + "<|eot_id|>".join(parts)


def questions() -> Iterator[str]:
    if "-i" not in sys.argv[1:]:
        yield from SCRIPT
        return
    while line := input("you> ").strip():
        yield line


async def main() -> None:
    history: list[tuple[str, str]] = []
    async with open_client() as client:
        for question in questions():
            print(f"you: {question}\nassistant: ", end="", flush=True)
            history.append(("user", question))
            # prompt_template="{prompt}": the prompt is already in the model's chat format.
            chat = {"prompt": render(history), "prompt_template": "{prompt}", "max_tokens": 256}
            answer = ""
            async for text in client.stream(MODEL, input=chat, timeout=120).text():
                answer += text
                print(text, end="", flush=True)
            print()
            history.append(("assistant", answer.strip()))
    print(f"{len(history) // 2} turns")


if __name__ == "__main__":
    asyncio.run(main())
