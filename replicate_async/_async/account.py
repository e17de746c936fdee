"""AsyncAccount: the account that owns the API token.

The model type is used through its module (``account_types.Account``), since the sync twin of
this resource class has the model's name.
"""

from __future__ import annotations

from .._exceptions import decode_json_body
from .._serde import structure
from ..types import account as account_types
from .api_client import AsyncAPIClient

__all__ = ["AsyncAccount"]


class AsyncAccount:
    """The account that owns the API token: get."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def get(self) -> account_types.Account:
        """Return the account (user or organization) the API token belongs to."""
        payload = decode_json_body(await self._api.request("GET", "account", kind="read"))
        return structure(payload, account_types.Account)
