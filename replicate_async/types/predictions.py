"""Prediction models: the prediction object, its URLs and metrics, status values and progress."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

from attrs import field, frozen

from .._progress import Progress, parse_progress

__all__ = [
    "TERMINAL_STATUSES",
    "Prediction",
    "PredictionMetrics",
    "PredictionStatus",
    "PredictionURLs",
    "Progress",
]

PredictionStatus: TypeAlias = (
    Literal["starting", "processing", "succeeded", "failed", "canceled", "aborted"] | str
)
"""A prediction's status. The set is open: a value the server adds later passes through."""

TERMINAL_STATUSES: Final[frozenset[str]] = frozenset({"succeeded", "failed", "canceled", "aborted"})
"""The statuses after which a prediction never changes again."""


@frozen(kw_only=True)
class PredictionURLs:
    """The URLs the API returns with a prediction."""

    get: str | None = None
    """The API URL that returns the prediction's current state."""
    cancel: str | None = None
    """The API URL that cancels the prediction."""
    web: str | None = None
    """The prediction's page on replicate.com."""
    stream: str | None = None
    """The server-sent events URL, present for models that stream."""


@frozen(kw_only=True)
class PredictionMetrics:
    """Timing figures of a finished prediction; unknown keys are kept in `extra`."""

    predict_time: float | None = None
    """Seconds of compute while the model ran (queueing excluded)."""
    total_time: float | None = None
    """Seconds from creation to completion."""
    extra: Mapping[str, Any] = field(factory=dict[str, Any])
    """Any other metrics the server reported."""


@frozen(kw_only=True)
class Prediction:
    """A prediction: one run of a model on one input.

    Every field but `id` and `status` may be missing in a response and is then ``None``.
    """

    id: str
    """The prediction id."""
    status: PredictionStatus
    """One of starting, processing, succeeded, failed, canceled, aborted (or a newer value)."""
    model: str | None = None
    """The model, as ``owner/name`` (it can name an internal model for official models)."""
    version: str | None = None
    """The version id: 64 hex digits, ``"hidden"``, or an opaque id."""
    input: Mapping[str, Any] | None = field(default=None, repr=False)
    """The input the prediction was created with."""
    output: Any = field(default=None, repr=False)
    """The output so far (complete once succeeded), as JSON."""
    logs: str | None = field(default=None, repr=False)
    """The cumulative logs of the model."""
    error: str | None = None
    """The error message of a failed prediction."""
    source: Literal["web", "api"] | str | None = None
    """How the prediction was created."""
    created_at: datetime | None = None
    """When the prediction was created."""
    started_at: datetime | None = None
    """When the model started running."""
    completed_at: datetime | None = None
    """When the prediction reached a terminal status."""
    deadline: datetime | None = None
    """The absolute Cancel-After deadline, when one was set."""
    deployment: str | None = None
    """The deployment the prediction ran on, when it was created through one."""
    data_removed: bool | None = None
    """True once input, output and logs were deleted by the retention policy."""
    metrics: PredictionMetrics | None = None
    """Timing figures, on terminal predictions."""
    urls: PredictionURLs | None = None
    """The prediction's URLs."""

    @property
    def is_terminal(self) -> bool:
        """Whether the status is one of succeeded, failed, canceled or aborted."""
        return self.status in TERMINAL_STATUSES

    @property
    def progress(self) -> Progress | None:
        """The last progress bar (tqdm style) found in the logs, if any."""
        return parse_progress(self.logs)
