"""AsyncModels: Models, their versions, examples and README; search."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncModels"]


class AsyncModels:
    """Models, their versions, examples and README; search."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
