"""Training models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from attrs import field, frozen

from .predictions import TERMINAL_STATUSES, PredictionMetrics, PredictionStatus, PredictionURLs

__all__ = ["Training", "TrainingOutput"]


@frozen(kw_only=True)
class TrainingOutput:
    """The result of a successful training."""

    version: str | None = None
    """The new version of the destination model, as ``owner/name:<version>`` or an id."""
    weights: str | None = None
    """A URL of the trained weights."""


@frozen(kw_only=True)
class Training:
    """A training: a fine-tuning run that produces a new model version."""

    id: str
    """The training id."""
    status: PredictionStatus
    """One of starting, processing, succeeded, failed, canceled, aborted (or a newer value)."""
    model: str | None = None
    """The base model, as ``owner/name``."""
    version: str | None = None
    """The base version id."""
    input: Mapping[str, Any] | None = field(default=None, repr=False)
    """The training input."""
    output: TrainingOutput | None = None
    """The new version and weights, once succeeded."""
    logs: str | None = field(default=None, repr=False)
    """The cumulative logs."""
    error: str | None = None
    """The error message of a failed training."""
    source: Literal["web", "api"] | str | None = None
    """How the training was created."""
    created_at: datetime | None = None
    """When the training was created."""
    started_at: datetime | None = None
    """When the training started running."""
    completed_at: datetime | None = None
    """When the training reached a terminal status."""
    metrics: PredictionMetrics | None = None
    """Timing figures, on terminal trainings."""
    urls: PredictionURLs | None = None
    """The training's URLs."""

    @property
    def is_terminal(self) -> bool:
        """Whether the status is one of succeeded, failed, canceled or aborted."""
        return self.status in TERMINAL_STATUSES
