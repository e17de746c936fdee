"""Shared aliases and sentinels."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Final, Literal, TypeAlias

import httpx

__all__ = [
    "NOT_GIVEN",
    "InputMapping",
    "NotGiven",
    "TimeoutLike",
    "WebhookEventName",
]


class NotGiven(enum.Enum):
    """The type of `NOT_GIVEN`: "use the client's default"."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""A sentinel meaning "use the client's default" (``None`` keeps its ordinary meaning)."""

InputMapping: TypeAlias = Mapping[str, Any]
"""A model input: a JSON-like mapping whose leaves may also be files (Path, bytes, file objects)."""

TimeoutLike: TypeAlias = float | int | httpx.Timeout
"""A request timeout in seconds, or an `httpx.Timeout`."""

WebhookEventName: TypeAlias = Literal["start", "output", "logs", "completed"] | str
"""A webhook event to subscribe to."""
