"""Collection models."""

from __future__ import annotations

from attrs import field, frozen

from .models import Model

__all__ = ["Collection", "CollectionSummary"]


@frozen(kw_only=True)
class CollectionSummary:
    """A collection as listed by ``GET /collections``."""

    slug: str
    """The collection's slug, used to fetch it."""
    name: str | None = None
    """The collection's name."""
    description: str | None = None
    """A short description."""


@frozen(kw_only=True)
class Collection:
    """A curated collection of models."""

    slug: str
    """The collection's slug."""
    name: str | None = None
    """The collection's name."""
    description: str | None = None
    """A short description."""
    full_description: str | None = field(default=None, repr=False)
    """A longer Markdown description."""
    models: list[Model] = field(factory=list[Model], repr=False)
    """The models in the collection."""
