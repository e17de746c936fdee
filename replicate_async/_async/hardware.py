"""AsyncHardware: the hardware SKUs models and deployments can run on.

The model type is used through its module (``hardware_types.Hardware``), since the sync twin of
this resource class has the model's name.
"""

from __future__ import annotations

import builtins
from typing import cast

from .._exceptions import ResponseDecodingError, decode_json_body
from .._serde import structure
from ..types import hardware as hardware_types
from .api_client import AsyncAPIClient

__all__ = ["AsyncHardware"]


class AsyncHardware:
    """Hardware SKUs: list."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def list(self) -> builtins.list[hardware_types.Hardware]:
        """Return every hardware SKU (the endpoint is not paginated: this is a plain list)."""
        payload: object = decode_json_body(await self._api.request("GET", "hardware", kind="read"))
        if not isinstance(payload, builtins.list):
            raise ResponseDecodingError(
                "the API returned hardware that is not a list", payload=payload
            )
        return [
            structure(item, hardware_types.Hardware)
            for item in cast("builtins.list[object]", payload)
        ]
