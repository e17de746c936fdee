"""GET /collections and GET /collections/{slug}."""

from __future__ import annotations

from ._base import (
    Request,
    Response,
    Routes,
    not_found,
)

__all__ = ["CollectionRoutes"]


class CollectionRoutes(Routes):
    """The collections family."""

    async def collections_list(self, request: Request, params: list[str]) -> Response:
        """GET /collections (one page)."""
        renderer = self._renderer(request)
        items = list(self.core.store.collections.values())
        return self._page(
            request,
            "/collections",
            items,
            lambda c: renderer.collection_summary(c),
            100,
            keyset=False,
        )

    async def collections_get(self, request: Request, params: list[str]) -> Response:
        """GET /collections/{slug}."""
        collection = self.core.store.collections.get(params[0])
        if collection is None:
            raise not_found()
        models = [
            m for ref in collection.models if (m := self.core.store.models.get(ref)) is not None
        ]
        return self._json(200, self._renderer(request).collection(collection, models))
