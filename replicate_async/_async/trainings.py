"""AsyncTrainings: Trainings: create, get, list, iter, cancel, wait."""

from __future__ import annotations

from .api_client import AsyncAPIClient

__all__ = ["AsyncTrainings"]


class AsyncTrainings:
    """Trainings: create, get, list, iter, cancel, wait."""

    def __init__(self, api: AsyncAPIClient) -> None:
        self._api = api
