"""Run a model over every line of a JSONL file of inputs, resumably; write a JSONL of results.

    python examples/batch_jsonl.py [INPUTS.jsonl] [RESULTS.jsonl]

Lines of INPUTS (default: examples/data/prompts.jsonl) are inputs of Llama 3 8B (or BATCH_MODEL).
A journal next to RESULTS (default: ./batch_results.jsonl) lets a rerun run only unfinished
lines. With REPLICATE_API_TOKEN set this runs on Replicate; without it, on the emulator.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client

from replicate_async.batch import BatchProgress, run_batch

MODEL = os.environ.get("BATCH_MODEL", "meta/meta-llama-3-8b-instruct")


def joined(output: list[str] | str | None) -> str | None:
    return "".join(output) if isinstance(output, list) else output  # a language model's tokens


def show(progress: BatchProgress) -> None:
    done = f"{progress.done}/{progress.total} done ({progress.failed} failed)"
    print(f"\r{done}, {progress.running} running", end="", file=sys.stderr, flush=True)


async def main(inputs: list[dict[str, Any]], target: Path) -> int:
    async with open_client() as client:
        results = await run_batch(  # at most 8 predictions at a time (concurrency=8)
            client,
            MODEL,
            inputs,
            retries=1,  # a prediction that fails gets one more try
            journal=target.with_suffix(".journal.sqlite"),  # what makes a rerun resume
            on_progress=show,
            use_file_output=False,  # outputs as the JSON the API returned (URLs as strings)
        )
    with target.open("w", encoding="utf-8") as out:
        for r in results:  # in the order of the input lines
            row = {"line": r.index + 1, "ok": r.ok, "output": joined(r.output)}
            row["error"] = str(r.error or "")
            out.write(json.dumps(row) + "\n")
    failed, resumed = sum(not r.ok for r in results), sum(r.from_journal for r in results)
    print(f"\n{len(results)} results in {target} ({failed} failed, {resumed} from the journal)")
    return min(failed, 1)


if __name__ == "__main__":
    args = [Path(arg).resolve() for arg in sys.argv[1:3]]
    source = args[0] if args else Path(__file__).parent / "data" / "prompts.jsonl"
    lines = [json.loads(line) for line in source.read_text("utf-8").splitlines() if line]
    target = args[1] if len(args) > 1 else Path.cwd() / "batch_results.jsonl"
    raise SystemExit(asyncio.run(main(lines, target)))
