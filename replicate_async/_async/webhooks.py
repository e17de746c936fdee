"""AsyncWebhooks: The webhook signing secret (cached) and verification with it."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncWebhooks"]


class AsyncWebhooks:
    """The webhook signing secret (cached) and verification with it."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
