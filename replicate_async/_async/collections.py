"""AsyncCollections: Collections: list, iter, get."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncCollections"]


class AsyncCollections:
    """Collections: list, iter, get."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
