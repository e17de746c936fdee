"""Run a model over every line of a JSONL file of inputs, resumably, and write a JSONL of results.

    python examples/batch_jsonl.py [INPUTS.jsonl] [RESULTS.jsonl]

Each line of INPUTS is one model input (default: examples/data/prompts.jsonl, run through
``demo/echo``; set BATCH_MODEL to run another model). The batch keeps a journal next to the
results file: interrupt it (Ctrl-C, or kill the process) and run the same command again, and
only the unfinished lines run; finished ones come from the journal and nothing is paid twice.

With REPLICATE_API_TOKEN set this talks to Replicate (and costs what the model costs); without
it, it runs against replicate_async's built-in emulator: no network, no token, no cost.
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

HERE = Path(__file__).parent
MODEL = os.environ.get("BATCH_MODEL", "demo/echo")


def read_inputs(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def show(progress: BatchProgress) -> None:
    print(
        f"\r{progress.done}/{progress.total} done ({progress.failed} failed, "
        f"{progress.running} running)",
        end="",
        file=sys.stderr,
        flush=True,
    )


async def main(source: Path, target: Path) -> int:
    inputs = read_inputs(source)
    journal = target.with_suffix(".journal.sqlite")
    async with open_client() as client:
        results = await run_batch(
            client,
            MODEL,
            inputs,
            concurrency=8,
            retries=1,  # a prediction that fails gets one more try
            journal=journal,  # rerun after a crash or Ctrl-C: only unfinished work is done
            on_progress=show,
            use_file_output=False,  # outputs as the JSON the API returned (URLs as strings)
        )
    print(file=sys.stderr)
    with target.open("w", encoding="utf-8") as out:
        for r in results:  # the same order as the input lines
            row = {"line": r.index + 1, "input": r.input, "ok": r.ok}
            row.update({"output": r.output} if r.ok else {"error": str(r.error)})
            out.write(json.dumps(row) + "\n")
    failed = sum(not r.ok for r in results)
    resumed = sum(r.from_journal for r in results)
    print(f"{len(results)} results in {target} ({failed} failed, {resumed} from the journal)")
    return 1 if failed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    source = Path(args[0]) if args else HERE / "data" / "prompts.jsonl"
    target = Path(args[1]) if len(args) > 1 else Path("batch_results.jsonl")
    raise SystemExit(asyncio.run(main(source, target)))
