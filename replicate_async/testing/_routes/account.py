"""GET /account: the emulator's one account."""

from __future__ import annotations

from ._base import (
    Request,
    Response,
    Routes,
)

__all__ = ["AccountRoutes"]


class AccountRoutes(Routes):
    """The account family."""

    async def account_get(self, request: Request, params: list[str]) -> Response:
        """GET /account."""
        username = self.core.options.username
        return self._json(
            200,
            {
                "type": "user",
                "username": username,
                "name": username.replace("-", " ").title(),
                "github_url": f"https://github.com/{username}",
                "avatar_url": f"https://avatars.githubusercontent.com/{username}",
            },
        )
