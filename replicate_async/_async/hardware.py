"""AsyncHardware: Hardware SKUs."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncHardware"]


class AsyncHardware:
    """Hardware SKUs."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
