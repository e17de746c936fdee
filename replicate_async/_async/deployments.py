"""AsyncDeployments: Deployments and their predictions."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncDeployments"]


class AsyncDeployments:
    """Deployments and their predictions."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
