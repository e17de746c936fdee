# GENERATED from replicate_async/_async/pagination.py by scripts/gen_sync.py. DO NOT EDIT.
"""Pagination shared by every listing: one page at a time, or every item of every page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from .._exceptions import decode_json_body
from .._http import same_origin
from .._serde import structure_page
from ..types.pages import Page
from .api_client import APIClient

__all__ = ["fetch_page", "iterate_pages"]

T = TypeVar("T")


def fetch_page(
    api: APIClient,
    path: str,
    item: type[T],
    *,
    cursor: str | None = None,
    params: Mapping[str, str] | None = None,
) -> Page[T]:
    """Fetch the first page of `path`, or the page a `cursor` (a page's `next` URL) names."""
    if cursor is not None:
        if not same_origin(cursor, api.options.base_url):
            raise ValueError(
                "cursor must be a page's next or previous URL, on the API's origin "
                f"({api.options.base_url})"
            )
        payload = decode_json_body(api.request("GET", cursor, kind="read"))
    else:
        payload = decode_json_body(api.request("GET", path, kind="read", params=params))
    return structure_page(payload, item)


def iterate_pages(
    api: APIClient,
    path: str,
    item: type[T],
    *,
    params: Mapping[str, str] | None = None,
) -> Iterator[T]:
    """Yield every item of every page, following `next` until it is null."""
    page = fetch_page(api, path, item, params=params)
    seen: set[str] = set()
    while True:
        for result in page.results:
            yield result
        if page.next is None or page.next in seen:
            return
        seen.add(page.next)
        page = fetch_page(api, path, item, cursor=page.next)
