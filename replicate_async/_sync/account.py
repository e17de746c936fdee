# GENERATED from replicate_async/_async/account.py by scripts/gen_sync.py. DO NOT EDIT.
"""Account: the account that owns the API token.

The model type is used through its module (``account_types.Account``), since the sync twin of
this resource class has the model's name.
"""

from __future__ import annotations

from .._exceptions import decode_json_body
from .._serde import structure
from ..types import account as account_types
from .api_client import APIClient

__all__ = ["Account"]


class Account:
    """The account that owns the API token: get."""

    def __init__(self, api: APIClient) -> None:
        self._api = api

    def get(self) -> account_types.Account:
        """Return the account (user or organization) the API token belongs to."""
        payload = decode_json_body(self._api.request("GET", "account", kind="read"))
        return structure(payload, account_types.Account)
