"""What every family of the emulated API shares.

Requests and answers, RFC 7807 problems, request bodies and their checks, cursor pagination and
the lookups of stored objects by their path parameters.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx

from .._models import wrong_type
from .._state import Deployment, Job, Model, Renderer, Surface, dumps

if TYPE_CHECKING:
    from .._core import Core

__all__ = [
    "JSON",
    "PROBLEM",
    "UNAUTHENTICATED",
    "Handler",
    "Problem",
    "Request",
    "Response",
    "Routes",
    "check_filter",
    "check_webhook",
    "conflict",
    "digits",
    "invalid",
    "invalid_version",
    "not_found",
    "url_fields",
    "wrong_type",
]

JSON = "application/json; charset=UTF-8"
PROBLEM = "application/problem+json"

_EVENTS = ("start", "output", "logs", "completed")


@dataclass(slots=True)
class Request:
    """A fully read request, as the app sees it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    surface: Surface

    def query_params(self) -> dict[str, str]:
        """The query string as a dict (last value wins)."""
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass(slots=True)
class Response:
    """An answer: bytes, or an async iterator of byte chunks for streams."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=lambda: list[tuple[str, str]]())
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None


class Problem(Exception):
    def __init__(self, status: int, body: dict[str, Any], content_type: str = PROBLEM) -> None:
        super().__init__(body.get("detail"))
        self.status = status
        self.body = body
        self.content_type = content_type


def not_found(detail: str = "Not found.") -> Problem:
    return Problem(404, {"detail": detail, "status": 404})


def invalid(problems: list[tuple[str, str]], title: str = "Input validation failed") -> Problem:
    return Problem(
        422,
        {
            "title": title,
            "detail": "".join(f"- {where}: {what}\n" for where, what in problems),
            "status": 422,
            "invalid_fields": [
                {"type": _problem_type(what), "field": where, "description": what}
                for where, what in problems
            ],
        },
    )


def _problem_type(description: str) -> str:
    if description.endswith("is required"):
        return "required"
    if description.startswith("Additional property"):
        return "additional_property_not_allowed"
    if description.startswith("Invalid type"):
        return "invalid_type"
    if description.startswith("Does not match format"):
        return "format"
    return "invalid"


def conflict(detail: str) -> Problem:
    """A 409: what the request would create or remove conflicts with what exists."""
    return Problem(409, {"detail": detail, "status": 409})


def invalid_version() -> Problem:
    return Problem(
        422,
        {
            "title": "Invalid version or not permitted",
            "detail": "The specified version does not exist (or perhaps you don't have "
            "permission to use it?)",
            "status": 422,
        },
    )


UNAUTHENTICATED = dumps(
    {
        "title": "Unauthenticated",
        "detail": "You did not pass a valid authentication token",
        "status": 401,
    }
)

Handler = Callable[[Request, list[str]], Awaitable[Response]]


def digits(text: str) -> bool:
    """Whether `text` is a few ASCII digits (``str.isdigit`` accepts ``²``; int() does not)."""
    return len(text) <= 30 and text.isascii() and text.isdigit()


def _encode_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Problem(400, {"detail": "Invalid cursor", "status": 400}) from None


def check_filter(body: dict[str, Any]) -> list[tuple[str, str]]:
    if "webhook_events_filter" not in body:
        return []
    value = body["webhook_events_filter"]
    if not isinstance(value, list):
        return [
            (
                "webhook_events_filter",
                wrong_type("array", value),
            )
        ]
    allowed = ", ".join(f'"{e}"' for e in _EVENTS)
    return [
        (f"webhook_events_filter.{i}", f"must be one of the following: {allowed}")
        for i, item in enumerate(value)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        if item not in _EVENTS
    ]


_URI_FORMAT = "Does not match format 'uri' (an absolute http or https URL)"


def check_webhook(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Refuse a ``webhook`` that is not an absolute http(s) URL deliveries could be sent to.

    Checked when the job is created, so a URL no request can be built for (a port out of
    range, a control character, no host) is the caller's 422 instead of a delivery failure.
    """
    if "webhook" not in body:
        return []
    url = body["webhook"]
    if not isinstance(url, str):
        return [("webhook", wrong_type("string", url))]
    return [] if is_http_url(url) else [("webhook", _URI_FORMAT)]


def url_fields(body: dict[str, Any], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """Refuse model URL fields that are not absolute http(s) URLs (responses say format uri).

    An empty string is accepted and clears the field (it is shown as null).
    """
    return [
        (key, _URI_FORMAT)
        for key in keys
        if isinstance(body.get(key), str) and body[key] and not is_http_url(body[key])
    ]


def is_http_url(url: str) -> bool:
    if not url or any(c.isspace() or not c.isprintable() for c in url):
        return False
    try:
        parts = urlsplit(url)
        port = parts.port  # ValueError when out of range
        parsed = httpx.URL(url)  # what deliveries are sent with: it must accept the URL
    except Exception:
        return False
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return False
    return port != 0 and bool(parsed.host)


class Routes:
    """The state and the helpers the handlers of every family use."""

    core: Core

    def _renderer(self, request: Request) -> Renderer:
        return self.core.renderer(request.surface)

    @staticmethod
    def _json(status: int, value: Any, *extra: tuple[str, str]) -> Response:
        return Response(status, [("content-type", JSON), *extra], dumps(value))

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if not request.body.strip():
            raise Problem(400, {"detail": "A JSON request body is required", "status": 400})
        try:
            value = json.loads(request.body)
        except ValueError:
            raise Problem(
                400, {"detail": "The request body is not valid JSON", "status": 400}
            ) from None
        if not isinstance(value, dict):
            raise invalid([("(root)", wrong_type("object", value))])
        return value  # pyright: ignore[reportUnknownVariableType]

    def _page(
        self,
        request: Request,
        route: str,
        items: list[Any],
        render: Callable[[Any], Any],
        page_size: int,
        *,
        keyset: bool,
    ) -> Response:
        """One page with absolute ``next``/``previous`` URLs carrying an opaque cursor.

        Keyset pages (newest first by ``seq``) stay stable while items are added; others are
        offset pages.
        """
        params = request.query_params()
        cursor = params.pop("cursor", None)
        start = 0
        if cursor:
            text = _decode_cursor(cursor)
            kind, _, value = text.partition("=")
            if not digits(value.lstrip("-")):
                raise Problem(400, {"detail": "Invalid cursor", "status": 400})
            number = int(value)
            if keyset and kind == "a":
                start = next((i for i, it in enumerate(items) if it.seq < number), len(items))
            elif keyset and kind == "b":
                end = next((i for i, it in enumerate(items) if it.seq <= number), len(items))
                start = max(0, end - page_size)
            elif not keyset and kind == "o":
                start = max(0, number)
            else:
                raise Problem(400, {"detail": "Invalid cursor", "status": 400})
        chunk = items[start : start + page_size]
        base = f"{request.surface.api_base}{route}"

        def link(token: str) -> str:
            query = urlencode({**params, "cursor": _encode_cursor(token)}, quote_via=quote)
            return f"{base}?{query}"

        next_url: str | None = None
        previous_url: str | None = None
        if start + page_size < len(items):
            next_url = link(f"a={chunk[-1].seq}" if keyset else f"o={start + page_size}")
        if start > 0 and chunk:
            previous_url = link(f"b={chunk[0].seq}" if keyset else f"o={max(0, start - page_size)}")
        return self._json(
            200,
            {"previous": previous_url, "next": next_url, "results": [render(i) for i in chunk]},
        )

    def _job_page(self, request: Request, route: str, jobs: list[Job]) -> Response:
        """A page of predictions or trainings, newest first, 100 per page."""
        renderer = self._renderer(request)
        return self._page(
            request, route, jobs, lambda j: renderer.job(self.core.touch(j)), 100, keyset=True
        )

    def _cancel(self, request: Request, job: Job) -> Response:
        """Cancel `job` and answer with it (a terminal job comes back unchanged)."""
        self.core.runner.cancel(job)
        return self._json(200, self._renderer(request).job(job, via="create", full=True))

    def _model(self, owner: str, name: str) -> Model:
        model = self.core.store.models.get(f"{owner}/{name}")
        if model is None:
            raise not_found()
        return model

    def _job(self, job_id: str, kind: str | None = None) -> Job:
        job = self.core.store.jobs.get(job_id)
        if job is None or (kind is not None and job.kind != kind):
            raise not_found()
        return self.core.touch(job)

    def _deployment(self, owner: str, name: str) -> Deployment:
        deployment = self.core.store.deployments.get(f"{owner}/{name}")
        if deployment is None:
            raise not_found()
        return deployment
