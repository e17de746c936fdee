"""AsyncFiles: The Files API: create, get, list, iter, delete."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncFiles"]


class AsyncFiles:
    """The Files API: create, get, list, iter, delete."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
