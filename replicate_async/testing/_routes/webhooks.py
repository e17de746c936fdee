"""GET /webhooks/default/secret: the key webhook deliveries are signed with."""

from __future__ import annotations

from ._base import (
    Request,
    Response,
    Routes,
)

__all__ = ["WebhookRoutes"]


class WebhookRoutes(Routes):
    """The webhooks family."""

    async def webhooks_default_secret_get(self, request: Request, params: list[str]) -> Response:
        """GET /webhooks/default/secret."""
        return self._json(200, {"key": self.core.webhook_secret})
