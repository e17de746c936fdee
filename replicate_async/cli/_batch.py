"""``replicate-async batch``: one model over a JSON Lines file of inputs, on `run_batch_sync`."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from ._context import CommandError, Context
from ._inputs import UsageError
from ._output import to_jsonable
from ._run import resolve_target

if TYPE_CHECKING:
    from ..batch import BatchProgress, BatchResult

__all__ = ["cmd_batch", "read_inputs"]


def read_inputs(path: str) -> list[dict[str, Any]]:
    """Read one JSON object per line (blank lines skipped; ``-`` reads stdin).

    Raises:
        UsageError: The file cannot be read, or a line is not a JSON object.
    """
    import sys

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    inputs: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{number}: invalid JSON: {exc.msg}") from None
        if not isinstance(value, dict):
            raise UsageError(f"{path}:{number}: expected a JSON object of inputs")
        inputs.append(cast("dict[str, Any]", value))
    if not inputs:
        raise UsageError(f"{path} holds no inputs")
    return inputs


def _line(result: BatchResult) -> dict[str, Any]:
    record: dict[str, Any] = {"index": result.index}
    prediction = result.prediction
    if result.ok:
        record["status"] = "succeeded"
        record["output"] = to_jsonable(result.output)
        if result.files:
            record["files"] = [str(p) for p in result.files]
    else:
        status = prediction.status if prediction is not None else "error"
        record["status"] = status if status in ("failed", "canceled", "aborted") else "error"
        record["error"] = str(result.error)
    record["prediction"] = prediction.id if prediction is not None else None
    return record


class _Bar:
    """Counts, a bar and the rate on stderr: redrawn in place on a terminal, else on each item."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._started = time.monotonic()
        self._last: tuple[int, int] | None = None
        self._printed = -1

    def __call__(self, progress: BatchProgress) -> None:
        if self._ctx.quiet:
            return
        key = (progress.done, progress.running)
        if key == self._last:
            return
        self._last = key
        elapsed = max(time.monotonic() - self._started, 1e-6)
        fraction = progress.done / progress.total if progress.total else 1.0
        filled = round(fraction * 20)
        line = (
            f"[{'#' * filled}{'.' * (20 - filled)}] {progress.done}/{progress.total} "
            f"({progress.succeeded} ok, {progress.failed} failed, {progress.running} running) "
            f"{progress.done / elapsed:.1f}/s"
        )
        if self._ctx.console.tty:
            self._ctx.console.draw(line)
        elif progress.done != self._printed:
            self._printed = progress.done
            self._ctx.console.draw(line)


def cmd_batch(args: argparse.Namespace, ctx: Context) -> int:
    """Run a model once per line of a JSON Lines file; write one JSON line per item."""
    from ..batch import run_batch_sync

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    inputs = read_inputs(args.inputs)
    ref: str | None = None if args.deployment else args.ref
    if args.deployment and args.ref:
        raise UsageError("give either a model reference or --deployment, not both")
    if ref is None and not args.deployment:
        raise UsageError("batch needs a model: OWNER/NAME[:VERSION] (or --deployment)")
    target = resolve_target(ctx, ref, args.deployment)
    if target.schema is not None:
        for number, item in enumerate(inputs):
            try:
                target.schema.check(item)
            except UsageError as exc:
                first, _, rest = str(exc).partition("\n")
                raise UsageError(f"input {number}: {first}\n{rest}".rstrip()) from None
    client = ctx.get_client()
    out: TextIO
    out = Path(args.out).open("w", encoding="utf-8") if args.out else ctx.out  # noqa: SIM115
    failed = 0
    bar = _Bar(ctx)

    def on_result(result: BatchResult) -> None:
        nonlocal failed
        failed += not result.ok
        out.write(json.dumps(_line(result), ensure_ascii=False, default=str) + "\n")
        out.flush()

    try:
        run_batch_sync(
            ctx.async_factory or client,
            target.ref,
            inputs,
            deployment=target.deployment,
            concurrency=args.concurrency,
            timeout=args.timeout,
            retries=args.retries,
            on_progress=bar,
            on_result=on_result,
            journal=args.journal,
            save_files=args.save,
            use_file_output=False,
        )
    finally:
        ctx.console.wipe()
        if out is not ctx.out:
            out.close()
    if not ctx.quiet:
        ctx.console.write(f"{len(inputs) - failed} of {len(inputs)} succeeded\n")
    if failed:
        raise CommandError(f"{failed} of {len(inputs)} items failed")
    return 0
