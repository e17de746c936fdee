"""Deployment models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from attrs import frozen

__all__ = ["AccountRef", "Deployment", "DeploymentConfiguration", "DeploymentRelease"]


@frozen(kw_only=True)
class AccountRef:
    """A user or organisation, as shown inside another object."""

    type: Literal["user", "organization"] | str | None = None
    """Whether the account is a user or an organisation."""
    username: str | None = None
    """The account's username."""
    name: str | None = None
    """The account's display name."""
    avatar_url: str | None = None
    """The account's avatar."""
    github_url: str | None = None
    """The account's GitHub page."""


@frozen(kw_only=True)
class DeploymentConfiguration:
    """The hardware and scaling of a deployment release."""

    hardware: str | None = None
    """The hardware SKU."""
    min_instances: int | None = None
    """The minimum number of instances."""
    max_instances: int | None = None
    """The maximum number of instances."""


@frozen(kw_only=True)
class DeploymentRelease:
    """One release of a deployment."""

    number: int | None = None
    """The release number, incremented by every change."""
    model: str | None = None
    """The model, as ``owner/name``."""
    version: str | None = None
    """The version id."""
    created_at: datetime | None = None
    """When the release was created."""
    created_by: AccountRef | None = None
    """Who created the release."""
    configuration: DeploymentConfiguration | None = None
    """The release's hardware and scaling."""


@frozen(kw_only=True)
class Deployment:
    """A deployment: a model version on dedicated, scalable hardware."""

    owner: str
    """The owner of the deployment."""
    name: str
    """The deployment's name."""
    current_release: DeploymentRelease | None = None
    """The release currently serving predictions."""

    @property
    def ref(self) -> str:
        """The deployment reference, ``owner/name``."""
        return f"{self.owner}/{self.name}"
