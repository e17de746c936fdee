"""Model and version models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from attrs import field, frozen

from .predictions import Prediction

__all__ = ["Model", "ModelVersion"]


@frozen(kw_only=True)
class ModelVersion:
    """One version of a model: an immutable build with its own input and output schema."""

    id: str
    """The version id (64 hex digits)."""
    created_at: datetime | None = None
    """When the version was pushed."""
    cog_version: str | None = None
    """The Cog version the model was built with."""
    openapi_schema: Mapping[str, Any] | None = field(default=None, repr=False)
    """The model's OpenAPI document (inputs under components.schemas.Input)."""


@frozen(kw_only=True)
class Model:
    """A model on Replicate."""

    owner: str
    """The owner's user or organisation name."""
    name: str
    """The model's name."""
    url: str | None = None
    """The model's page on replicate.com."""
    description: str | None = None
    """A one-line description."""
    visibility: Literal["public", "private"] | str | None = None
    """Whether the model is public or private."""
    github_url: str | None = None
    """The model's source repository."""
    paper_url: str | None = None
    """A paper describing the model."""
    license_url: str | None = None
    """The model's licence."""
    cover_image_url: str | None = None
    """The model's cover image."""
    run_count: int | None = None
    """How many times the model has run."""
    default_example: Prediction | None = field(default=None, repr=False)
    """An example prediction, or None."""
    latest_version: ModelVersion | None = field(default=None, repr=False)
    """The newest version, or None for a model with no version."""
    is_official: bool | None = None
    """Whether the model is an official model (runnable without a version)."""
    created_at: datetime | None = None
    """When the model was created."""

    @property
    def ref(self) -> str:
        """The model reference, ``owner/name``."""
        return f"{self.owner}/{self.name}"
