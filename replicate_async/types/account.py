"""Account models."""

from __future__ import annotations

from typing import Literal

from attrs import frozen

__all__ = ["Account"]


@frozen(kw_only=True)
class Account:
    """The account that owns the API token."""

    username: str
    """The account's username."""
    type: Literal["user", "organization"] | str | None = None
    """Whether the account is a user or an organisation."""
    name: str | None = None
    """The display name."""
    github_url: str | None = None
    """The account's GitHub page."""
    avatar_url: str | None = None
    """The account's avatar."""
