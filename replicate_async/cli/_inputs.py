"""Parse ``key=value`` command-line inputs into a prediction input mapping."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["UsageError", "parse_cancel_after", "parse_inputs"]


class UsageError(ValueError):
    """A command-line argument could not be understood (exit code 2)."""


def parse_inputs(pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``key=value``, ``key:=json`` and ``key=@path`` arguments into an input dict.

    ``key=value`` gives the string ``value``; ``key:=json`` parses the value as JSON (numbers,
    booleans, lists, objects, null); ``key=@path`` gives a `pathlib.Path`, which the client
    uploads.

    Args:
        pairs: The arguments as typed.

    Returns:
        The input mapping.

    Raises:
        UsageError: An argument has no ``=``, an empty key, a repeated key, invalid JSON or
            names a file that does not exist.
    """
    result: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise UsageError(f"expected key=value, key:=json or key=@file, got {pair!r}")
        is_json = key.endswith(":")
        if is_json:
            key = key[:-1]
        if not key:
            raise UsageError(f"missing input name in {pair!r}")
        if key in result:
            raise UsageError(f"input {key!r} given more than once")
        value: Any
        if is_json:
            try:
                value = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise UsageError(f"invalid JSON for input {key!r}: {exc.msg}") from None
        elif raw.startswith("@"):
            path = Path(raw[1:]).expanduser()
            if not raw[1:]:
                raise UsageError(f"missing file path after '@' for input {key!r}")
            if not path.is_file():
                raise UsageError(f"input {key!r}: no such file: {raw[1:]}")
            value = path
        else:
            value = raw
        result[key] = value
    return result


def parse_cancel_after(text: str | None) -> float | str | None:
    """Return ``--cancel-after`` as seconds when it is a bare number, else the duration string.

    Args:
        text: The option's value, e.g. ``"30"`` or ``"5m"``.

    Returns:
        A float, the original string, or None when the option was not given.
    """
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text
