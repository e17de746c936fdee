"""The demo models: something real to run for the README, the examples and ``serve``.

| Model | Input | Output |
|---|---|---|
| ``demo/echo`` | ``text`` | the text, unchanged |
| ``demo/tokens`` | ``prompt``, ``delay`` | the prompt's words, streamed one per event |
| ``demo/image`` | ``width``, ``height`` (or ``size``), ``seed``, ``steps`` | a list with one PNG |
| ``demo/sleep`` | ``seconds`` | sleeps on the emulator clock, then says so |
| ``demo/fail`` | ``message`` | fails, after writing some logs |
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from ._models import Log, Progress
from ._runner import log, sleep

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = ["echo", "fail", "image", "make_png", "register_demo_models", "sleeper", "tokens"]


async def echo(text: str = "hello") -> str:
    """Return the input text unchanged."""
    return text


async def tokens(
    prompt: str = "The quick brown fox jumps over the lazy dog", delay: float = 0.0
) -> AsyncIterator[str | Log]:
    """Stream the words of the prompt, one per event (their concatenation is the prompt)."""
    yield Log(f"Tokenizing {len(prompt)} characters")
    for word in re.findall(r"\s*\S+", prompt):
        if delay > 0:
            await sleep(delay)
        yield word


def make_png(width: int, height: int, seed: int = 0) -> bytes:
    """A small RGB gradient PNG, built with zlib and struct only."""
    width = max(1, min(int(width), 1024))
    height = max(1, min(int(height), 1024))
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows += bytes(
                (
                    (x * 255 // max(width - 1, 1) + seed * 37) % 256,
                    (y * 255 // max(height - 1, 1) + seed * 71) % 256,
                    (128 + seed * 13) % 256,
                )
            )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


async def image(
    width: int = 64,
    height: int = 64,
    size: int | None = None,
    seed: int = 0,
    steps: int = 4,
    prompt: str = "",
) -> AsyncIterator[bytes | Log | Progress]:
    """Make a small PNG gradient (`size` sets both sides), logging tqdm-style progress."""
    if size is not None:
        width = height = size
    yield Log(f"Using seed: {seed}")
    if prompt:
        yield Log(f"Prompt: {prompt}")
    steps = max(1, min(int(steps), 50))
    for step in range(steps + 1):
        yield Progress(step, steps)
        if step < steps:
            await sleep(0.05)
    yield make_png(width, height, seed)


async def sleeper(seconds: float = 1.0) -> str:
    """Sleep on the emulator clock (instantly with a virtual clock), then say so."""
    log(f"Sleeping for {seconds} seconds")
    await sleep(seconds)
    log("Awake")
    return f"slept {seconds} seconds"


async def fail(message: str = "this model always fails") -> str:
    """Write some logs, then fail with an error."""
    log("Loading the model")
    log("Running")
    raise RuntimeError(message)


def register_demo_models(emulator: Emulator) -> None:
    """Register the five demo models (and a ``demo`` collection) on `emulator`.

    Args:
        emulator: The emulator.
    """
    emulator.add_model("demo/echo", echo)
    emulator.add_model("demo/tokens", tokens)
    emulator.add_model("demo/image", image)
    emulator.add_model("demo/sleep", sleeper)
    emulator.add_model("demo/fail", fail)
    emulator.add_collection(
        "demo",
        name="Demo models",
        description="The emulator's built-in demo models.",
        models=["demo/echo", "demo/tokens", "demo/image", "demo/sleep", "demo/fail"],
    )
