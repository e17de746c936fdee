"""AsyncCollections: curated collections of models (list, iter, get)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from .._exceptions import decode_json_body
from .._serde import structure
from ..types.collections import Collection, CollectionSummary
from ..types.pages import Page
from .api_client import AsyncAPIClient
from .files import check_segment
from .pagination import fetch_page, iterate_pages

__all__ = ["AsyncCollections"]


class AsyncCollections:
    """Collections of models: list, iter, get."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api

    async def list(self, *, cursor: str | None = None) -> Page[CollectionSummary]:
        """Return one page of collections (name, slug and description; no models).

        Args:
            cursor: A page's ``next`` (or ``previous``) URL, to fetch that page.
        """
        return await fetch_page(self._api, "collections", CollectionSummary, cursor=cursor)

    async def iter(self) -> AsyncIterator[CollectionSummary]:
        """Yield every collection, page after page."""
        async for item in iterate_pages(self._api, "collections", CollectionSummary):
            yield item

    async def get(self, slug: str) -> Collection:
        """Return a collection with its models.

        Args:
            slug: The collection's slug, such as ``"text-to-image"``.
        """
        check_segment(slug, what="collection slug", example="pass a slug such as 'text-to-image'")
        payload = decode_json_body(
            await self._api.request("GET", f"collections/{slug}", kind="read")
        )
        return structure(payload, Collection)
