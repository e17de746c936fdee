"""The demo models: something real to run for the README, the examples and ``serve``.

| Model | Input | Output |
|---|---|---|
| ``demo/echo`` | ``text`` | the text, unchanged |
| ``demo/tokens`` | ``prompt``, ``delay`` | the prompt's words, streamed one per event |
| ``demo/image`` | ``width``, ``height`` (or ``size``), ``seed``, ``steps`` | a list with one PNG |
| ``demo/sleep`` | ``seconds`` | sleeps on the emulator clock, then says so |
| ``demo/fail`` | ``message`` | fails, after writing some logs |

Stand-ins for public models on Replicate, registered by `register_stand_ins`, so that code
written for Replicate (the examples among it) runs unchanged against an emulator. They take the
real models' main inputs and give outputs of the same shape, made locally:

| Model | Input | Output |
|---|---|---|
| ``black-forest-labs/flux-schnell`` | ``prompt``, ``num_outputs``, ... | a list of PNGs |
| ``meta/meta-llama-3-8b-instruct`` | ``prompt``, ``prompt_template``, ... | a streamed reply |
| ``replicate/hello-world`` | ``text`` | ``"hello " + text`` |
| ``salesforce/blip`` | ``image``, ``task``, ``question`` | a caption; fails on a non-image |
| ``ostris/flux-dev-lora-trainer`` | trains on ``input_images`` (a zip) | a LoRA's weights |
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from ._models import Log, Progress
from ._runner import NamedBytes, log, sleep

if TYPE_CHECKING:
    from ._emulator import Emulator

__all__ = [
    "HELLO_WORLD_VERSION",
    "LLAMA3_TEMPLATE",
    "blip",
    "echo",
    "fail",
    "flux_lora",
    "flux_lora_trainer",
    "flux_schnell",
    "hello_world",
    "image",
    "llama3",
    "make_png",
    "register_demo_models",
    "register_stand_ins",
    "sleeper",
    "tokens",
]

HELLO_WORLD_VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
"""The version id of ``replicate/hello-world`` on Replicate, which its stand-in reuses."""

LLAMA3_TEMPLATE = (
    "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{system_prompt}<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n{prompt}<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n"
)
"""Llama 3's chat template, the default ``prompt_template`` of ``meta/meta-llama-3-8b-instruct``."""


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


def _size(aspect_ratio: str, side: int = 64) -> tuple[int, int]:
    wide, _, high = aspect_ratio.partition(":")
    try:
        ratio = float(wide) / float(high)
    except (ValueError, ZeroDivisionError):
        ratio = 1.0
    return (side, round(side / ratio)) if ratio >= 1 else (round(side * ratio), side)


async def _images(
    prompt: str, count: int, aspect_ratio: str, steps: int, seed: int | None
) -> list[NamedBytes]:
    log(f"Using seed: {seed or 0}")
    log(f"Prompt: {prompt}")
    for step in range(steps + 1):
        log(Progress(step, steps).line())
        if step < steps:
            await sleep(0.4)
    width, height = _size(aspect_ratio)
    return [
        NamedBytes(make_png(width, height, (seed or 0) + i), f"out-{i}.png", "image/png")
        for i in range(max(1, min(count, 4)))
    ]


async def flux_schnell(
    prompt: str,
    aspect_ratio: str = "1:1",
    num_outputs: int = 1,
    num_inference_steps: int = 4,
    seed: int | None = None,
    output_format: str = "webp",
    output_quality: int = 80,
    go_fast: bool = True,
    megapixels: str = "1",
    disable_safety_checker: bool = False,
) -> list[NamedBytes]:
    """Stand-in for ``black-forest-labs/flux-schnell``: small PNG gradients, whatever the format."""
    return await _images(prompt, num_outputs, aspect_ratio, num_inference_steps, seed)


async def flux_lora(
    prompt: str,
    model: str = "dev",
    lora_scale: float = 1.0,
    num_outputs: int = 1,
    aspect_ratio: str = "1:1",
    num_inference_steps: int = 28,
    guidance_scale: float = 3.0,
    seed: int | None = None,
    output_format: str = "webp",
    output_quality: int = 80,
    go_fast: bool = False,
) -> list[NamedBytes]:
    """Stand-in for a FLUX LoRA trained with ``ostris/flux-dev-lora-trainer``."""
    return await _images(prompt, num_outputs, aspect_ratio, min(num_inference_steps, 8), seed)


async def flux_lora_trainer(
    input_images: Path,
    trigger_word: str = "TOK",
    steps: int = 1000,
    lora_rank: int = 16,
    learning_rate: float = 0.0004,
    batch_size: int = 1,
    resolution: str = "512,768,1024",
    autocaption: bool = True,
) -> NamedBytes:
    """Stand-in trainer of ``ostris/flux-dev-lora-trainer``: checks the zip, returns weights."""
    with zipfile.ZipFile(input_images) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
    log(f"Found {len(names)} training files; trigger word {trigger_word!r}")
    for done in range(0, steps + 1, max(1, steps // 4)):
        log(Progress(done, steps).line())
        await sleep(0.01 * max(1, steps // 4))
    return NamedBytes(b"LoRA weights for " + trigger_word.encode(), "trained_model.tar")


async def llama3(
    prompt: str = "",
    system_prompt: str = "You are a helpful assistant",
    max_tokens: int = 512,
    min_tokens: int = 0,
    temperature: float = 0.6,
    top_p: float = 0.9,
    top_k: int = 50,
    presence_penalty: float = 1.15,
    frequency_penalty: float = 0.2,
    stop_sequences: str = "<|end_of_text|>,<|eot_id|>",
    prompt_template: str = LLAMA3_TEMPLATE,
    seed: int | None = None,
) -> AsyncIterator[str | Log]:
    """Stand-in for ``meta/meta-llama-3-8b-instruct``: a reply that repeats the last question.

    The reply numbers the user turns found in the rendered Llama 3 template, so a chat that
    sends its history can see it. Tokens (words) come 0.02 s apart on the emulator clock.
    """
    full = prompt_template.replace("{system_prompt}", system_prompt).replace("{prompt}", prompt)
    turns = re.findall(r"user<\|end_header_id\|>\s*(.*?)<\|eot_id\|>", full, re.DOTALL)
    asked = (turns[-1] if turns else prompt).strip()
    yield Log(f"Prompt: {len(full)} characters, {len(turns)} user turn(s)")
    reply = f"(Llama 3 stand-in, turn {max(len(turns), 1)}) You said: {asked}"
    for word in re.findall(r"\s*\S+", reply)[:max_tokens]:
        await sleep(0.02)
        yield word


async def hello_world(text: str) -> str:
    """Stand-in for ``replicate/hello-world``: say hello."""
    return "hello " + text


def blip(
    image: Path,
    task: str = "image_captioning",
    question: str | None = None,
    caption: str | None = None,
) -> str:
    """Stand-in for ``salesforce/blip``: describes a PNG's size; fails on a file not an image."""
    data = image.read_bytes()
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        width, height = struct.unpack(">II", data[16:24])
        seen = f"a {width}x{height} colour gradient"
    elif data[:3] == b"\xff\xd8\xff" or data[8:12] == b"WEBP" or data[:4] == b"GIF8":
        seen = "a picture"
    else:
        raise OSError(f"cannot identify image file {str(image)!r}")
    if task == "visual_question_answering":
        return f"Answer: {seen}"
    return f"Caption: {seen}"


def register_stand_ins(emulator: Emulator) -> None:
    """Register the stand-ins for public models on `emulator` (see the module's table).

    Args:
        emulator: The emulator.
    """
    emulator.add_model("black-forest-labs/flux-schnell", flux_schnell)
    emulator.add_model("meta/meta-llama-3-8b-instruct", llama3)
    emulator.add_model(
        "replicate/hello-world", hello_world, version=HELLO_WORLD_VERSION, official=False
    )
    emulator.add_model("salesforce/blip", blip, official=False, hardware="gpu-t4")
    trainer = "ostris/flux-dev-lora-trainer"
    emulator.add_model(trainer, flux_lora, official=False, hardware="gpu-t4")
    emulator.trainer(trainer)(flux_lora_trainer)


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
