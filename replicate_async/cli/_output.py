"""Printing API objects and model outputs: JSON, tables, text, saved files."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, cast

import attrs

__all__ = ["dump", "print_output", "save_outputs", "table", "to_jsonable", "when"]


def to_jsonable(obj: object) -> Any:
    """Convert API objects, file outputs and datetimes to plain JSON values.

    Args:
        obj: Anything returned by the client.

    Returns:
        A value `json.dumps` accepts.
    """
    from .. import FileOutput
    from .._serde import converter

    if isinstance(obj, FileOutput):
        return obj.url
    if attrs.has(type(obj)):
        return to_jsonable(converter.unstructure(obj))
    if isinstance(obj, datetime):
        return obj.isoformat().replace("+00:00", "Z")
    if isinstance(obj, Mapping):
        items = cast("Mapping[object, object]", obj)
        return {str(k): to_jsonable(v) for k, v in items.items()}
    if isinstance(obj, list | tuple):
        seq = cast("Sequence[object]", obj)
        return [to_jsonable(v) for v in seq]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def dump(obj: object, out: TextIO, *, indent: int | None = 2) -> None:
    """Write `obj` as JSON (one document, then a newline)."""
    out.write(json.dumps(to_jsonable(obj), indent=indent, ensure_ascii=False, default=str) + "\n")
    out.flush()


def when(value: datetime | None) -> str:
    """A timestamp as RFC 3339 (``-`` for none)."""
    return value.isoformat(timespec="seconds").replace("+00:00", "Z") if value else "-"


def table(rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """Write rows as left-aligned columns separated by two spaces."""
    if not rows:
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.write("  ".join(cells).rstrip() + "\n")


def _concatenates(output_schema: Mapping[str, Any] | None) -> bool | None:
    """Whether the schema says a list output is text to join (None: no schema)."""
    if output_schema is None:
        return None
    return output_schema.get("x-cog-array-display") == "concatenate"


def _is_text_item(value: object) -> bool:
    from .. import FileOutput

    return isinstance(value, str) and not isinstance(value, FileOutput)


def print_output(output: object, out: TextIO, output_schema: Mapping[str, Any] | None) -> None:
    """Print a model's output for a person.

    Text as is; a list of text chunks that the schema marks as concatenated (a language model's
    tokens) joined into one text (without a schema, any list of plain strings); a list of
    files one URL per line; anything else as JSON.
    """
    from .. import FileOutput

    original = output
    if isinstance(output, str | FileOutput):
        out.write(f"{output}\n")
        return
    if isinstance(output, list | tuple):
        seq = list(cast("Sequence[object]", output))
        join = _concatenates(output_schema)
        if seq and all(_is_text_item(v) for v in seq) and join is not False:
            text = "".join(cast("list[str]", seq))
            out.write(text if text.endswith("\n") else text + "\n")
            return
        if all(isinstance(v, str | FileOutput) for v in seq):
            for item in seq:
                out.write(f"{item}\n")
            return
    if original is not None:
        dump(original, out)


def _unique(directory: Path, name: str, taken: set[Path]) -> Path:
    target = directory / name
    stem, suffix = target.stem, target.suffix
    n = 1
    while target in taken or target.exists():
        target = directory / f"{stem}-{n}{suffix}"
        n += 1
    taken.add(target)
    return target


def save_outputs(output: object, directory: Path, taken: set[Path] | None = None) -> object:
    """Save every file output into `directory` (made if missing); return the output with paths.

    Two outputs with the same file name are kept apart (``out.png``, ``out-1.png``), and a file
    already in the directory is never overwritten.
    """
    from .. import FileOutput

    taken = set() if taken is None else taken
    if isinstance(output, FileOutput):
        directory.mkdir(parents=True, exist_ok=True)
        return str(output.save(_unique(directory, output.filename, taken)))
    if isinstance(output, list | tuple):
        seq = cast("Sequence[object]", output)
        return [save_outputs(v, directory, taken) for v in seq]
    if isinstance(output, Mapping):
        items = cast("Mapping[object, object]", output)
        return {k: save_outputs(v, directory, taken) for k, v in items.items()}
    return output
