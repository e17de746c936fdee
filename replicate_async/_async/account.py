"""AsyncAccount: The account that owns the token."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncAccount"]


class AsyncAccount:
    """The account that owns the token."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
