"""Progress parsing: the last tqdm-style progress bar in a prediction's logs (pure)."""

from __future__ import annotations

import re

from attrs import frozen

__all__ = ["Progress", "parse_progress"]

_BAR = re.compile(r"(\d{1,3})%\s*\|[^|\n]*\|\s*(\d+)\s*/\s*(\d+)")


@frozen(kw_only=True)
class Progress:
    """How far a prediction has come, parsed from a tqdm progress bar in its logs."""

    percentage: float
    """Completion as a fraction from 0.0 to 1.0."""
    current: int
    """Steps done."""
    total: int
    """Steps in all."""


def parse_progress(logs: str | None) -> Progress | None:
    """Return the last progress bar in `logs`, or None when there is none."""
    if not logs:
        return None
    last: re.Match[str] | None = None
    for last in _BAR.finditer(logs):  # noqa: B007 - keep the last match
        pass
    if last is None:
        return None
    current, total = int(last.group(2)), int(last.group(3))
    if total <= 0:
        return None
    return Progress(percentage=min(current / total, 1.0), current=current, total=total)
