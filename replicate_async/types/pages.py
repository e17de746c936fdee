"""Page: one page of a paginated listing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from attrs import field, frozen

__all__ = ["Page"]

T = TypeVar("T")


@frozen(kw_only=True)
class Page(Generic[T]):
    """One page of results. Pass `next` as ``cursor=`` to fetch the following page."""

    results: list[T] = field(factory=list[T], repr=False)
    """The items on this page."""
    next: str | None = None
    """The absolute URL of the next page, or None on the last page."""
    previous: str | None = None
    """The absolute URL of the previous page, or None on the first page."""

    def __iter__(self) -> Iterator[T]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def has_next(self) -> bool:
        """Whether there is a next page."""
        return self.next is not None
