"""The emulated HTTP API: routing for all 37 operations, auth, errors, pagination.

Transport-neutral: `App.handle` takes a fully read `Request` and returns a `Response` whose body
is bytes or an async iterator (event streams). The in-process transports and the ASGI app adapt
it, and apply the connection-level faults (drops, delays) themselves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx

from ._events import stream_events
from ._faults import Fired
from ._models import ModelSpec
from ._runner import NamedBytes
from ._state import (
    Deployment,
    Job,
    Model,
    Release,
    Renderer,
    Stamp,
    Surface,
    UploadedFile,
    Version,
    digests,
    dumps,
)

if TYPE_CHECKING:
    from ._core import Core

__all__ = [
    "DEFAULT_TRAINER",
    "HARDWARE",
    "App",
    "Request",
    "Response",
    "parse_cancel_after",
    "parse_prefer",
]

logger = logging.getLogger("replicate_async.testing")

JSON = "application/json; charset=UTF-8"
PROBLEM = "application/problem+json"

HARDWARE: list[dict[str, str]] = [
    {"sku": "cpu", "name": "CPU"},
    {"sku": "gpu-t4", "name": "Nvidia T4 GPU"},
    {"sku": "gpu-l40s", "name": "Nvidia L40S GPU"},
    {"sku": "gpu-a40-small", "name": "Nvidia A40 GPU"},
    {"sku": "gpu-a40-large", "name": "Nvidia A40 (Large) GPU"},
    {"sku": "gpu-a100-large", "name": "Nvidia A100 (80GB) GPU"},
    {"sku": "gpu-h100", "name": "Nvidia H100 GPU"},
]

_DOC_PAGES = [
    {"name": "Run a model from Python", "href": "https://replicate.com/docs/get-started/python"},
    {"name": "Streaming output", "href": "https://replicate.com/docs/topics/predictions/streaming"},
    {"name": "Webhooks", "href": "https://replicate.com/docs/topics/webhooks"},
    {
        "name": "Prediction lifecycle",
        "href": "https://replicate.com/docs/topics/predictions/lifecycle",
    },
    {
        "name": "Create a prediction",
        "href": "https://replicate.com/docs/topics/predictions/create-a-prediction",
    },
    {
        "name": "Fine-tune a model",
        "href": "https://replicate.com/docs/guides/fine-tune-an-image-model",
    },
]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_EVENTS = ("start", "output", "logs", "completed")
_PREDICTION_KEYS = frozenset({"input", "webhook", "webhook_events_filter", "stream"})
_VERSION_PREDICTION_KEYS = _PREDICTION_KEYS | {"version"}


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


class _Problem(Exception):
    def __init__(self, status: int, body: dict[str, Any], content_type: str = PROBLEM) -> None:
        super().__init__(body.get("detail"))
        self.status = status
        self.body = body
        self.content_type = content_type


def _not_found(detail: str = "Not found.") -> _Problem:
    return _Problem(404, {"detail": detail, "status": 404})


def _invalid(problems: list[tuple[str, str]], title: str = "Input validation failed") -> _Problem:
    return _Problem(
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


def _invalid_version() -> _Problem:
    return _Problem(
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


def _digits(text: str) -> bool:
    """Whether `text` is a few ASCII digits (``str.isdigit`` accepts ``²``; int() does not)."""
    return len(text) <= 30 and text.isascii() and text.isdigit()


def _encode_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _Problem(400, {"detail": "Invalid cursor", "status": 400}) from None


def parse_cancel_after(value: str) -> float:
    """Seconds from a Cancel-After value (``30``, ``30s``, ``5m``, ``1h30m45s``); ≥ 5 s."""
    text = value.strip()
    seconds: float | None = None
    if _digits(text):
        seconds = float(text)
    else:
        found = _DURATION.match(text)
        if found and text:
            hours, minutes, secs = (int(g) if g else 0 for g in found.groups())
            seconds = float(hours * 3600 + minutes * 60 + secs)
    if seconds is None or seconds < 5:
        raise _Problem(
            422,
            {
                "title": "Invalid Cancel-After header",
                "detail": "Cancel-After must be a duration of at least 5 seconds, such as 30, "
                f"30s, 5m or 1h30m45s (got {value!r})",
                "status": 422,
            },
        )
    return seconds


def parse_prefer(value: str | None) -> tuple[int, str] | None:
    """The hold (seconds) and the ``Preference-Applied`` value of a ``Prefer`` header.

    ``wait`` holds 60 s and ``wait=N`` min(N, 60) s for N from 1 to 99 (the spec's pattern
    admits 1-99); any other value is ignored, as unknown preferences are (RFC 7240).
    """
    if not value:
        return None
    for token in value.split(","):
        name, sep, raw = token.strip().partition("=")
        if name.strip().lower() != "wait":
            continue
        if not sep:
            return 60, "wait"
        raw = raw.strip().strip('"')
        if _digits(raw) and 1 <= int(raw) <= 99 and not raw.startswith("0"):
            seconds = min(int(raw), 60)
            return seconds, f"wait={seconds}"
        return None
    return None


def _parse_time(value: str, name: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+")).timestamp()
    except ValueError:
        raise _Problem(
            400, {"detail": f"Invalid {name}: expected an ISO 8601 date-time", "status": 400}
        ) from None


class App:
    """The router and the handlers of the 37 operations (plus streams, output files and pages)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._routes: dict[int, list[tuple[tuple[str, ...], dict[str, Handler]]]] = {}
        self._add_routes()

    # -- routing ------------------------------------------------------------------------------

    def _route(self, method: str, template: str, handler: Handler) -> None:
        segments = tuple(template.strip("/").split("/"))
        bucket = self._routes.setdefault(len(segments), [])
        for existing, methods in bucket:
            if existing == segments:
                methods[method] = handler
                return
        bucket.append((segments, {method: handler}))

    def _add_routes(self) -> None:
        r = self._route
        r("GET", "/account", self.account_get)
        r("GET", "/collections", self.collections_list)
        r("GET", "/collections/{slug}", self.collections_get)
        r("GET", "/deployments", self.deployments_list)
        r("POST", "/deployments", self.deployments_create)
        r("GET", "/deployments/{o}/{n}", self.deployments_get)
        r("PATCH", "/deployments/{o}/{n}", self.deployments_update)
        r("DELETE", "/deployments/{o}/{n}", self.deployments_delete)
        r("POST", "/deployments/{o}/{n}/predictions", self.deployments_predictions_create)
        r("GET", "/files", self.files_list)
        r("POST", "/files", self.files_create)
        r("GET", "/files/{id}", self.files_get)
        r("DELETE", "/files/{id}", self.files_delete)
        r("GET", "/files/{id}/download", self.files_download)
        r("GET", "/hardware", self.hardware_list)
        r("GET", "/models", self.models_list)
        r("POST", "/models", self.models_create)
        r("QUERY", "/models", self.models_search)
        r("GET", "/models/{o}/{n}", self.models_get)
        r("PATCH", "/models/{o}/{n}", self.models_update)
        r("DELETE", "/models/{o}/{n}", self.models_delete)
        r("GET", "/models/{o}/{n}/examples", self.models_examples_list)
        r("POST", "/models/{o}/{n}/predictions", self.models_predictions_create)
        r("GET", "/models/{o}/{n}/readme", self.models_readme_get)
        r("GET", "/models/{o}/{n}/versions", self.models_versions_list)
        r("GET", "/models/{o}/{n}/versions/{v}", self.models_versions_get)
        r("DELETE", "/models/{o}/{n}/versions/{v}", self.models_versions_delete)
        r("POST", "/models/{o}/{n}/versions/{v}/trainings", self.trainings_create)
        r("GET", "/predictions", self.predictions_list)
        r("POST", "/predictions", self.predictions_create)
        r("GET", "/predictions/{id}", self.predictions_get)
        r("POST", "/predictions/{id}/cancel", self.predictions_cancel)
        r("GET", "/search", self.search)
        r("GET", "/trainings", self.trainings_list)
        r("GET", "/trainings/{id}", self.trainings_get)
        r("POST", "/trainings/{id}/cancel", self.trainings_cancel)
        r("GET", "/webhooks/default/secret", self.webhooks_default_secret_get)

    def operations(self) -> list[tuple[str, str]]:
        """Every (method, template) pair served under /v1 (37 of them)."""
        found: list[tuple[str, str]] = []
        for bucket in self._routes.values():
            for segments, methods in bucket:
                for method in methods:
                    found.append((method, "/" + "/".join(segments)))
        return sorted(found)

    def _match(self, path: str) -> tuple[dict[str, Handler], list[str]] | None:
        segments = path.strip("/").split("/")
        for template, methods in self._routes.get(len(segments), ()):
            params: list[str] = []
            for want, got in zip(template, segments, strict=True):
                if want.startswith("{"):
                    if not got:
                        break
                    params.append(got)
                elif want != got:
                    break
            else:
                return methods, params
        return None

    # -- entry point --------------------------------------------------------------------------

    async def handle(self, request: Request, fired: Fired) -> Response:
        """Answer one request."""
        path = request.path
        try:
            if path.startswith("/v1/streams/"):
                return self.stream(request, path[len("/v1/streams/") :], fired)
            if path.startswith("/delivery/"):
                return self.delivery(path[len("/delivery/") :])
            if path.startswith("/p/"):
                return self.web_page(path[3:])
            if path != "/v1" and not path.startswith("/v1/"):
                return Response(404, [("content-type", "text/plain")], b"Not Found")
            sub = path[3:] or "/"
            found = self._match(sub)
            authorized = self._authorized(request)
            if found is None or request.method not in ("GET", "HEAD") or len(found[1]) != 1:
                signed_download = False
            else:
                signed_download = sub == f"/files/{found[1][0]}/download"
            if not authorized and not signed_download:
                return Response(401, [("content-type", PROBLEM)], UNAUTHENTICATED)
            if found is None:
                raise _not_found()
            methods, params = found
            allow = _allow(methods)
            if request.method == "OPTIONS":
                return Response(200, [("allow", allow)])
            head = request.method == "HEAD" and "GET" in methods
            handler = methods.get("GET" if head else request.method)
            if handler is None:
                return Response(
                    405,
                    [("content-type", PROBLEM), ("allow", allow)],
                    dumps({"detail": f'Method "{request.method}" not allowed.', "status": 405}),
                )
            if not authorized:  # a signed Files API download
                response = await self.files_download(request, params, authorized=False)
                return _headless(response) if head else response
            response = await handler(request, params)
            if head:
                response = _headless(response)
            if fired.accepted and response.status == 201 and sub.endswith("/predictions"):
                response.status = 202
            if not sub.startswith("/files"):
                kind = (
                    "create"
                    if request.method == "POST" and sub.endswith("/predictions")
                    else "poll"
                    if request.method == "GET" and sub.startswith("/predictions/")
                    else "other"
                )
                response.headers.append(("ratelimit-remaining", str(self.core.rate.take(kind))))
                response.headers.append(("ratelimit-reset", "1"))
            return response
        except _Problem as problem:
            response = Response(
                problem.status, [("content-type", problem.content_type)], dumps(problem.body)
            )
            if path.startswith("/v1/") and not path.startswith(("/v1/files", "/v1/streams")):
                response.headers.append(("ratelimit-remaining", str(self.core.rate.take("other"))))
                response.headers.append(("ratelimit-reset", "1"))
            return response
        except Exception as exc:
            # A defect in the emulator fails this request only (a 500, as a server would
            # answer), never the emulator: the next request is served as usual.
            logger.exception("the emulator failed to answer %s %s", request.method, path)
            return Response(
                500,
                [("content-type", PROBLEM)],
                dumps({"title": "Internal Server Error", "detail": repr(exc), "status": 500}),
            )

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() not in ("bearer", "token") or not token:
            return False
        options = self.core.options
        return options.accept_any_token or hmac.compare_digest(
            token.encode(), options.api_token.encode()
        )

    # -- helpers ------------------------------------------------------------------------------

    def _renderer(self, request: Request) -> Renderer:
        return self.core.renderer(request.surface)

    @staticmethod
    def _json(status: int, value: Any, *extra: tuple[str, str]) -> Response:
        return Response(status, [("content-type", JSON), *extra], dumps(value))

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if not request.body.strip():
            raise _Problem(400, {"detail": "A JSON request body is required", "status": 400})
        try:
            value = json.loads(request.body)
        except ValueError:
            raise _Problem(
                400, {"detail": "The request body is not valid JSON", "status": 400}
            ) from None
        if not isinstance(value, dict):
            raise _invalid([("(root)", f"Invalid type. Expected: object, given: {_kind(value)}")])
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
            if not _digits(value.lstrip("-")):
                raise _Problem(400, {"detail": "Invalid cursor", "status": 400})
            number = int(value)
            if keyset and kind == "a":
                start = next((i for i, it in enumerate(items) if it.seq < number), len(items))
            elif keyset and kind == "b":
                end = next((i for i, it in enumerate(items) if it.seq <= number), len(items))
                start = max(0, end - page_size)
            elif not keyset and kind == "o":
                start = max(0, number)
            else:
                raise _Problem(400, {"detail": "Invalid cursor", "status": 400})
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

    def _model(self, owner: str, name: str) -> Model:
        model = self.core.store.models.get(f"{owner}/{name}")
        if model is None:
            raise _not_found()
        return model

    def _job(self, job_id: str, kind: str | None = None) -> Job:
        job = self.core.store.jobs.get(job_id)
        if job is None or (kind is not None and job.kind != kind):
            raise _not_found()
        return self.core.touch(job)

    # -- account, hardware, webhooks secret ---------------------------------------------------

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

    async def hardware_list(self, request: Request, params: list[str]) -> Response:
        """GET /hardware: a bare array."""
        return self._json(200, HARDWARE, ("allow", "OPTIONS, GET"))

    async def webhooks_default_secret_get(self, request: Request, params: list[str]) -> Response:
        """GET /webhooks/default/secret."""
        return self._json(200, {"key": self.core.webhook_secret})

    # -- collections --------------------------------------------------------------------------

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
            raise _not_found()
        models = [
            m for ref in collection.models if (m := self.core.store.models.get(ref)) is not None
        ]
        return self._json(200, self._renderer(request).collection(collection, models))

    # -- search -------------------------------------------------------------------------------

    async def search(self, request: Request, params: list[str]) -> Response:
        """GET /search (beta)."""
        query_params = request.query_params()
        query = query_params.get("query", "").strip()
        if not query:
            raise _Problem(400, {"detail": 'Query parameter "query" is required'}, JSON)
        raw_limit = query_params.get("limit", "20")
        if not _digits(raw_limit) or not 1 <= int(raw_limit) <= 50:
            raise _Problem(400, {"detail": "limit must be between 1 and 50"}, JSON)
        limit = int(raw_limit)
        words = [w.lower() for w in query.split()]
        renderer = self._renderer(request)
        models: list[dict[str, Any]] = []
        for model in self._listed_models():
            text = f"{model.ref} {model.description or ''}".lower()
            hits = sum(1 for w in words if w in text)
            if hits:
                models.append(
                    {
                        "model": renderer.model(model),
                        "metadata": {
                            "generated_description": model.description,
                            "tags": [model.owner],
                            "score": round(hits / len(words), 4),
                        },
                    }
                )
        models.sort(key=lambda m: -float(m["metadata"]["score"]))
        collections = [
            {
                "name": c.name,
                "slug": c.slug,
                "description": c.description,
                "models": list(c.models),
            }
            for c in self.core.store.collections.values()
            if any(w in f"{c.slug} {c.name} {c.description}".lower() for w in words)
        ]
        pages = [p for p in _DOC_PAGES if any(w in p["name"].lower() for w in words)]
        return self._json(
            200,
            {"query": query, "models": models[:limit], "collections": collections, "pages": pages},
        )

    # -- models -------------------------------------------------------------------------------

    def _listed_models(self) -> list[Model]:
        """What listing and search show: public models, and the account's own private ones.

        The API lists public models; another owner's private model is never shown (it is
        still reachable by name here, as the emulator has one account and no permissions).
        """
        username = self.core.options.username
        return [
            m
            for m in self.core.store.models.values()
            if m.visibility == "public" or m.owner == username
        ]

    async def models_list(self, request: Request, params: list[str]) -> Response:
        """GET /models: 25 per page."""
        query = request.query_params()
        sort_by = query.get("sort_by", "latest_version_created_at")
        direction = query.get("sort_direction", "desc")
        if sort_by not in ("model_created_at", "latest_version_created_at"):
            raise _invalid([("sort_by", "must be model_created_at or latest_version_created_at")])
        if direction not in ("asc", "desc"):
            raise _invalid([("sort_direction", "must be asc or desc")])

        def key(model: Model) -> int:
            if sort_by == "model_created_at":
                return model.created_at.micros
            latest = model.latest_version
            return latest.created_at.micros if latest else model.created_at.micros

        items = sorted(self._listed_models(), key=key, reverse=direction == "desc")
        renderer = self._renderer(request)
        return self._page(request, "/models", items, renderer.model, 25, keyset=False)

    async def models_search(self, request: Request, params: list[str]) -> Response:
        """QUERY /models: the search text is the text/plain body; one page."""
        text = request.body.decode("utf-8", "replace").strip()
        if text.startswith('"'):
            # The JavaScript client sends the query JSON-encoded (a quoted string) as text/plain.
            try:
                decoded = json.loads(text)
            except ValueError:
                decoded = None
            if isinstance(decoded, str):
                text = decoded
        words = text.lower().split()
        items = [
            m
            for m in self._listed_models()
            if all(w in f"{m.ref} {m.description or ''}".lower() for w in words)
        ]
        renderer = self._renderer(request)
        return self._json(
            200,
            {"next": None, "previous": None, "results": [renderer.model(m) for m in items]},
            ("allow", "GET, POST, QUERY"),
        )

    async def models_create(self, request: Request, params: list[str]) -> Response:
        """POST /models → 201."""
        body = self._body(request)
        problems: list[tuple[str, str]] = []
        for key in ("owner", "name", "visibility", "hardware"):
            if key not in body:
                problems.append(("(root)", f"{key} is required"))
            elif not isinstance(body[key], str):
                problems.append((key, f"Invalid type. Expected: string, given: {_kind(body[key])}"))
        for key in ("description", "github_url", "paper_url", "license_url", "cover_image_url"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                problems.append((key, f"Invalid type. Expected: string, given: {_kind(body[key])}"))
        problems += _url_fields(body, ("github_url", "paper_url", "license_url", "cover_image_url"))
        if not problems and body["visibility"] not in ("public", "private"):
            problems.append(("visibility", 'must be one of the following: "public", "private"'))
        if not problems and body["hardware"] not in {h["sku"] for h in HARDWARE}:
            problems.append(("hardware", f"{body['hardware']} is not a valid hardware SKU"))
        if problems:
            raise _invalid(problems, title="Invalid model")
        owner, name = body["owner"], body["name"]
        if owner != self.core.options.username:
            raise _Problem(
                403,
                {
                    "detail": f"You do not have permission to create models for {owner}",
                    "status": 403,
                },
            )
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
            raise _invalid([("name", "must be lower-case letters, digits, '.', '-' and '_'")])
        if f"{owner}/{name}" in self.core.store.models:
            raise _Problem(
                409, {"detail": f"A model named {owner}/{name} already exists", "status": 409}
            )
        model = Model(
            owner=owner,
            name=name,
            created_at=self.core.stamp(),
            description=body.get("description"),
            visibility=body["visibility"],
            hardware=body["hardware"],
            github_url=body.get("github_url") or None,
            paper_url=body.get("paper_url") or None,
            license_url=body.get("license_url") or None,
            cover_image_url=body.get("cover_image_url") or None,
        )
        self.core.store.models[model.ref] = model
        return self._json(
            201, self._renderer(request).model(model), ("allow", "GET, POST, HEAD, OPTIONS")
        )

    async def models_get(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}."""
        model = self._model(*params)
        return self._json(200, self._renderer(request).model(model))

    async def models_update(self, request: Request, params: list[str]) -> Response:
        """PATCH /models/{o}/{n}."""
        model = self._model(*params)
        body = self._body(request)
        fields = ("description", "readme", "github_url", "paper_url", "weights_url", "license_url")
        problems = [
            (key, f"Invalid type. Expected: string, given: {_kind(body[key])}")
            for key in fields
            if key in body and body[key] is not None and not isinstance(body[key], str)
        ]
        problems += _url_fields(body, ("github_url", "paper_url", "weights_url", "license_url"))
        if problems:
            raise _invalid(problems, title="Invalid model")
        for key in fields:
            if key in body:
                value = body[key]
                setattr(model, key, value if value or key in ("description", "readme") else None)
        return self._json(200, self._renderer(request).model(model))

    async def models_delete(self, request: Request, params: list[str]) -> Response:
        """DELETE /models/{o}/{n} → 204; only your own private model without versions."""
        model = self._model(*params)
        if model.owner != self.core.options.username:
            raise _Problem(403, {"detail": "You can only delete your own models", "status": 403})
        if model.visibility != "private" or model.versions:
            raise _Problem(
                409,
                {
                    "detail": "Only private models without versions can be deleted; delete "
                    "the versions first",
                    "status": 409,
                },
            )
        del self.core.store.models[model.ref]
        return Response(204)

    async def models_examples_list(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}/examples."""
        model = self._model(*params)
        renderer = self._renderer(request)
        items = sorted(model.examples, key=lambda j: -j.seq)
        return self._page(
            request,
            f"/models/{model.ref}/examples",
            items,
            lambda j: renderer.job(self.core.touch(j)),
            100,
            keyset=True,
        )

    async def models_readme_get(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}/readme: text/plain Markdown, 404 without one."""
        model = self._model(*params)
        if not model.readme:
            raise _not_found("This model has no README")
        return Response(200, [("content-type", "text/plain; charset=utf-8")], model.readme.encode())

    async def models_versions_list(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}/versions: newest first."""
        model = self._model(*params)
        renderer = self._renderer(request)
        items = list(reversed(model.versions))
        return self._page(
            request,
            f"/models/{model.ref}/versions",
            items,
            renderer.version,
            100,
            keyset=False,
        )

    def _version(self, owner: str, name: str, version_id: str) -> Version:
        model = self._model(owner, name)
        version = self.core.store.versions.get(version_id)
        if version is None or version.model is not model:
            raise _not_found()
        return version

    async def models_versions_get(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}/versions/{id}."""
        version = self._version(*params)
        return self._json(
            200, self._renderer(request).version(version), ("allow", "GET, DELETE, HEAD, OPTIONS")
        )

    async def models_versions_delete(self, request: Request, params: list[str]) -> Response:
        """DELETE /models/{o}/{n}/versions/{id} → 202 (done at once here)."""
        version = self._version(*params)
        for deployment in self.core.store.deployments.values():
            if any(r.version == version.id for r in deployment.releases[-1:]):
                raise _Problem(
                    409,
                    {
                        "detail": f"Version {version.id} is used by deployment "
                        f"{deployment.owner}/{deployment.name}",
                        "status": 409,
                    },
                )
        version.model.versions.remove(version)
        del self.core.store.versions[version.id]
        for job in list(self.core.store.jobs.values()):
            if job.version is version and job.is_terminal():
                self.core.store.remove_job_data(job)
                del self.core.store.jobs[job.id]
        return Response(202)

    # -- predictions --------------------------------------------------------------------------

    def _resolve_version(self, ref: Any) -> tuple[Model, Version]:
        if not isinstance(ref, str):
            raise _invalid_version()
        store = self.core.store
        version: Version | None = None
        if _HEX64.match(ref):
            version = store.versions.get(ref)
        elif ":" in ref:
            model_ref, _, version_id = ref.partition(":")
            found = store.versions.get(version_id)
            if found is not None and found.model.ref == model_ref:
                version = found
        elif "/" in ref:
            model = store.models.get(ref)
            version = model.latest_version if model is not None else None
        if version is None or version.spec is None:
            raise _invalid_version()
        return version.model, version

    async def predictions_create(self, request: Request, params: list[str]) -> Response:
        """POST /predictions."""
        body = self._body(request)
        self._check_prediction_body(body, _VERSION_PREDICTION_KEYS, needs_version=True)
        model, version = self._resolve_version(body["version"])
        return await self._create_prediction(request, body, model, version)

    async def models_predictions_create(self, request: Request, params: list[str]) -> Response:
        """POST /models/{o}/{n}/predictions."""
        body = self._body(request)
        self._check_prediction_body(body, _PREDICTION_KEYS, needs_version=False)
        model = self._model(*params)
        version = model.latest_version
        if version is None or version.spec is None:
            raise _invalid_version()
        return await self._create_prediction(request, body, model, version)

    async def deployments_predictions_create(self, request: Request, params: list[str]) -> Response:
        """POST /deployments/{o}/{n}/predictions."""
        body = self._body(request)
        self._check_prediction_body(body, _PREDICTION_KEYS, needs_version=False)
        deployment = self._deployment(*params)
        version = self.core.store.versions.get(deployment.current.version)
        if version is None or version.spec is None:
            raise _invalid_version()
        return await self._create_prediction(
            request, body, version.model, version, deployment=f"{params[0]}/{params[1]}"
        )

    @staticmethod
    def _check_prediction_body(
        body: dict[str, Any], allowed: frozenset[str], *, needs_version: bool
    ) -> None:
        problems: list[tuple[str, str]] = []
        if needs_version and "version" not in body:
            problems.append(("(root)", "version is required"))
        if "input" not in body:
            problems.append(("(root)", "input is required"))
        problems.extend(
            ("(root)", f"Additional property {key} is not allowed")
            for key in body
            if key not in allowed
        )
        if "input" in body and not isinstance(body["input"], dict):
            problems.append(
                ("input", f"Invalid type. Expected: object, given: {_kind(body['input'])}")
            )
        if "version" in body and not isinstance(body["version"], str):
            problems.append(
                ("version", f"Invalid type. Expected: string, given: {_kind(body['version'])}")
            )
        if "stream" in body and not isinstance(body["stream"], bool):
            problems.append(
                ("stream", f"Invalid type. Expected: boolean, given: {_kind(body['stream'])}")
            )
        problems.extend(_check_filter(body))
        problems.extend(_check_webhook(body))
        if problems:
            raise _invalid(problems)

    async def _create_prediction(
        self,
        request: Request,
        body: dict[str, Any],
        model: Model,
        version: Version,
        *,
        deployment: str | None = None,
    ) -> Response:
        spec = version.spec
        assert spec is not None
        data = cast("dict[str, Any]", body["input"])
        problems = spec.validate(data)
        if problems:
            raise _invalid(problems)
        cancel_after_header = request.headers.get("cancel-after")
        cancel_after = (
            parse_cancel_after(cancel_after_header) if cancel_after_header is not None else None
        )
        hold = parse_prefer(request.headers.get("prefer"))
        events_filter = body.get("webhook_events_filter")
        job = self.core.runner.create(
            kind="prediction",
            model=model,
            version=version,
            spec=spec,
            input=data,
            webhook=body.get("webhook"),
            events_filter=tuple(events_filter) if events_filter is not None else None,
            deployment=deployment,
            cancel_after=cancel_after,
            stream_flag=True if body.get("stream") is True else None,
        )
        extra: list[tuple[str, str]] = []
        if hold is not None:
            seconds, applied = hold
            await self._hold(job, seconds)
            extra.append(("preference-applied", applied))
        return self._json(201, self._renderer(request).job(self.core.touch(job)), *extra)

    async def _hold(self, job: Job, seconds: float) -> None:
        core = self.core
        early = core.options.sync_early_return
        with core.clock.move_on_at(core.now() + seconds):
            while not (job.is_terminal() or (early and job.output_complete)):
                await job.wait_changed()

    async def predictions_list(self, request: Request, params: list[str]) -> Response:
        """GET /predictions: newest first, 100 per page."""
        query = request.query_params()
        after = query.get("created_after")
        before = query.get("created_before")
        source = query.get("source")
        if source is not None and source != "web":
            raise _invalid([("source", 'must be one of the following: "web"')])
        low = _parse_time(after, "created_after") if after else None
        high = _parse_time(before, "created_before") if before else None
        items: list[Job] = []
        if source is None:
            for job in reversed(self.core.store.jobs.values()):
                if job.kind != "prediction":
                    continue
                created = job.created_at.seconds
                if (low is not None and created < low) or (high is not None and created >= high):
                    continue
                items.append(job)
        renderer = self._renderer(request)
        return self._page(
            request,
            "/predictions",
            items,
            lambda j: renderer.job(self.core.touch(j)),
            100,
            keyset=True,
        )

    async def predictions_get(self, request: Request, params: list[str]) -> Response:
        """GET /predictions/{id} (trainings too: one id space)."""
        job = self._job(params[0])
        return self._json(200, self._renderer(request).job(job, via="create"))

    async def predictions_cancel(self, request: Request, params: list[str]) -> Response:
        """POST /predictions/{id}/cancel: 200; a terminal prediction comes back unchanged."""
        job = self._job(params[0])
        self.core.runner.cancel(job)
        return self._json(200, self._renderer(request).job(job, via="create", full=True))

    # -- trainings ----------------------------------------------------------------------------

    async def trainings_create(self, request: Request, params: list[str]) -> Response:
        """POST /models/{o}/{n}/versions/{id}/trainings → 201."""
        body = self._body(request)
        problems: list[tuple[str, str]] = []
        for key in ("destination", "input"):
            if key not in body:
                problems.append(("(root)", f"{key} is required"))
        if "input" in body and not isinstance(body["input"], dict):
            problems.append(
                ("input", f"Invalid type. Expected: object, given: {_kind(body['input'])}")
            )
        if "destination" in body and not isinstance(body["destination"], str):
            problems.append(("destination", "Invalid type. Expected: string"))
        problems.extend(_check_filter(body))
        problems.extend(_check_webhook(body))
        if problems:
            raise _invalid(problems)
        model = self._model(params[0], params[1])
        version = self.core.store.versions.get(params[2])
        if version is None or version.model is not model or version.spec is None:
            raise _invalid_version()
        destination = self.core.store.models.get(body["destination"])
        if destination is None or destination.owner != self.core.options.username:
            raise _Problem(
                404,
                {"detail": "The specified training destination does not exist", "status": 404},
            )
        trainer = model.trainer or DEFAULT_TRAINER
        data = cast("dict[str, Any]", body["input"])
        problems = trainer.validate(data)
        if problems:
            raise _invalid(problems)
        events_filter = body.get("webhook_events_filter")
        job = self.core.runner.create(
            kind="training",
            model=model,
            version=version,
            spec=trainer,
            input=data,
            webhook=body.get("webhook"),
            events_filter=tuple(events_filter) if events_filter is not None else None,
            destination=destination,
        )
        return self._json(201, self._renderer(request).job(job, via="create"))

    async def trainings_list(self, request: Request, params: list[str]) -> Response:
        """GET /trainings: newest first, 100 per page."""
        items = [j for j in reversed(self.core.store.jobs.values()) if j.kind == "training"]
        renderer = self._renderer(request)
        return self._page(
            request,
            "/trainings",
            items,
            lambda j: renderer.job(self.core.touch(j)),
            100,
            keyset=True,
        )

    async def trainings_get(self, request: Request, params: list[str]) -> Response:
        """GET /trainings/{id}."""
        job = self._job(params[0], "training")
        rendered = self._renderer(request).job(job, full=True)
        return self._json(200, rendered, ("allow", "OPTIONS, GET"))

    async def trainings_cancel(self, request: Request, params: list[str]) -> Response:
        """POST /trainings/{id}/cancel."""
        job = self._job(params[0], "training")
        self.core.runner.cancel(job)
        return self._json(200, self._renderer(request).job(job, via="create", full=True))

    # -- deployments --------------------------------------------------------------------------

    def _deployment(self, owner: str, name: str) -> Deployment:
        deployment = self.core.store.deployments.get(f"{owner}/{name}")
        if deployment is None:
            raise _not_found()
        return deployment

    async def deployments_list(self, request: Request, params: list[str]) -> Response:
        """GET /deployments: newest first."""
        items = sorted(self.core.store.deployments.values(), key=lambda d: -d.seq)
        renderer = self._renderer(request)
        return self._page(request, "/deployments", items, renderer.deployment, 100, keyset=True)

    def _check_scaling(self, body: dict[str, Any], *, required: bool) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for key, top in (("min_instances", 5), ("max_instances", 20)):
            if key not in body:
                if required:
                    problems.append(("(root)", f"{key} is required"))
                continue
            value = body[key]
            if not isinstance(value, int) or isinstance(value, bool):
                problems.append((key, f"Invalid type. Expected: integer, given: {_kind(value)}"))
            elif not 0 <= value <= top:
                problems.append((key, f"Must be between 0 and {top}"))
        for key in ("hardware", "version", "model", "name"):
            if key in body and not isinstance(body[key], str):
                problems.append((key, f"Invalid type. Expected: string, given: {_kind(body[key])}"))
        hardware = body.get("hardware")
        if isinstance(hardware, str) and hardware not in {h["sku"] for h in HARDWARE}:
            problems.append(("hardware", f"{hardware} is not a valid hardware SKU"))
        return problems

    async def deployments_create(self, request: Request, params: list[str]) -> Response:
        """POST /deployments → 200 (not 201)."""
        body = self._body(request)
        problems = [
            ("(root)", f"{key} is required")
            for key in ("name", "model", "version", "hardware")
            if key not in body
        ]
        problems += self._check_scaling(body, required=True)
        if problems:
            raise _invalid(problems, title="Invalid deployment")
        model = self.core.store.models.get(body["model"])
        if model is None:
            raise _not_found("The specified model does not exist")
        version = self.core.store.versions.get(body["version"])
        if version is None or version.model is not model:
            raise _invalid_version()
        owner = self.core.options.username
        name = body["name"]
        if f"{owner}/{name}" in self.core.store.deployments:
            raise _Problem(
                409, {"detail": f"A deployment named {name} already exists", "status": 409}
            )
        deployment = Deployment(
            owner=owner,
            name=name,
            seq=self.core.store.next_seq(),
            releases=[
                Release(
                    1,
                    model.ref,
                    version.id,
                    self.core.stamp(),
                    body["hardware"],
                    body["min_instances"],
                    body["max_instances"],
                )
            ],
        )
        self.core.store.deployments[f"{owner}/{name}"] = deployment
        return self._json(200, self._renderer(request).deployment(deployment))

    async def deployments_get(self, request: Request, params: list[str]) -> Response:
        """GET /deployments/{o}/{n}."""
        return self._json(200, self._renderer(request).deployment(self._deployment(*params)))

    async def deployments_update(self, request: Request, params: list[str]) -> Response:
        """PATCH /deployments/{o}/{n}: any change makes a new release."""
        deployment = self._deployment(*params)
        body = self._body(request)
        problems = self._check_scaling(body, required=False)
        if problems:
            raise _invalid(problems, title="Invalid deployment")
        current = deployment.current
        version_id = body.get("version", current.version)
        if version_id != current.version:
            version = self.core.store.versions.get(version_id)
            if version is None or version.model.ref != current.model:
                raise _invalid_version()
        changed = Release(
            current.number + 1,
            current.model,
            version_id,
            self.core.stamp(),
            body.get("hardware", current.hardware),
            body.get("min_instances", current.min_instances),
            body.get("max_instances", current.max_instances),
        )
        if (changed.version, changed.hardware, changed.min_instances, changed.max_instances) != (
            current.version,
            current.hardware,
            current.min_instances,
            current.max_instances,
        ):
            deployment.releases.append(changed)
        return self._json(200, self._renderer(request).deployment(deployment))

    async def deployments_delete(self, request: Request, params: list[str]) -> Response:
        """DELETE /deployments/{o}/{n} → 204."""
        deployment = self._deployment(*params)
        del self.core.store.deployments[f"{deployment.owner}/{deployment.name}"]
        return Response(204)

    # -- files --------------------------------------------------------------------------------

    async def files_create(self, request: Request, params: list[str]) -> Response:
        """POST /files: multipart upload → 201; 413 over the size limit."""
        limit = self.core.options.max_file_size
        too_large = _Problem(413, {"detail": "Files must be less than 100MB in size"})
        declared = request.headers.get("content-length", "")
        if _digits(declared) and int(declared) > limit + 1024 * 1024:
            raise too_large
        content_type = request.headers.get("content-type", "")
        boundary = _boundary(content_type)
        if boundary is None:
            raise _Problem(
                400,
                {"detail": "The request must be multipart/form-data", "status": 400},
            )
        parts = _parse_multipart(request.body, boundary)
        content = next((p for p in parts if p.name == "content"), None)
        if content is None:
            raise _invalid([("(root)", "content is required")], title="Invalid file")
        if len(content.data) > limit:
            raise too_large
        fields = {p.name: p.data.decode("utf-8", "replace") for p in parts if p.filename is None}
        # metadata may come as a file part too (the JavaScript client sends a Blob:
        # filename="blob", application/json): it is the part's content either way.
        meta_part = next((p for p in parts if p.name == "metadata"), None)
        if meta_part is not None:
            fields["metadata"] = meta_part.data.decode("utf-8", "replace")
        name = content.filename or fields.get("filename") or "file"
        if len(name.encode()) > 255:
            raise _invalid([("filename", "must be at most 255 bytes")], title="Invalid file")
        media = content.content_type or fields.get("type") or "application/octet-stream"
        metadata: Any = {}
        if "metadata" in fields and fields["metadata"].strip():
            try:
                metadata = json.loads(fields["metadata"])
            except ValueError:
                metadata = None
            if not isinstance(metadata, dict):  # the schema says object
                raise _invalid([("metadata", "must be a JSON object")], title="Invalid file")
        md5, sha256 = digests(content.data)
        created = self.core.stamp()
        expiry = self.core.options.file_expiry
        shifted = _shift_text(created.text, expiry)
        expires = (
            Stamp(created.micros + round(expiry * 1_000_000), shifted)
            if shifted is not None
            else self.core.stamper.stamp(created.seconds + expiry)
        )
        upload = UploadedFile(
            id=self.core.ids.file(),
            name=name,
            content_type=media,
            data=content.data,
            metadata=metadata,
            created_at=created,
            expires_at=expires,
            md5=md5,
            sha256=sha256,
        )
        self.core.store.files[upload.id] = upload
        return self._json(201, self._renderer(request).file(upload))

    async def files_list(self, request: Request, params: list[str]) -> Response:
        """GET /files (sorted by id, as recorded)."""
        store = self.core.store
        items = [f for fid in sorted(store.files) if (f := self.core.live_file(fid)) is not None]
        renderer = self._renderer(request)
        return self._page(request, "/files", items, renderer.file, 100, keyset=False)

    def _file(self, file_id: str) -> UploadedFile:
        upload = self.core.live_file(file_id)
        if upload is None:
            raise _Problem(404, {"detail": "File not found"})
        return upload

    async def files_get(self, request: Request, params: list[str]) -> Response:
        """GET /files/{id}."""
        return self._json(200, self._renderer(request).file(self._file(params[0])))

    async def files_delete(self, request: Request, params: list[str]) -> Response:
        """DELETE /files/{id} → 204, empty body, text/plain content type (as recorded)."""
        upload = self._file(params[0])
        del self.core.store.files[upload.id]
        return Response(204, [("content-type", "text/plain; charset=UTF-8")])

    def signature(self, owner: str, file_id: str, expiry: int) -> str:
        """The download signature: HMAC-SHA256 of ``"{owner} {id} {expiry}"``, base64."""
        message = f"{owner} {file_id} {expiry}".encode()
        digest = hmac.new(self.core.files_secret.encode(), message, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    async def files_download(
        self, request: Request, params: list[str], *, authorized: bool = True
    ) -> Response:
        """GET /files/{id}/download: with the token, or a valid unexpired signature.

        A signature, once given, is checked even with a token: a wrong or expired one is
        refused (401) rather than ignored, so a test cannot pass with a URL that would fail for
        anyone without the token.
        """
        query = request.query_params()
        signed = any(key in query for key in ("owner", "expiry", "signature"))
        if not authorized or signed:
            expiry = query.get("expiry", "")
            owner = query.get("owner", "")
            given = query.get("signature", "")
            expected = self.signature(owner, params[0], int(expiry)) if _digits(expiry) else ""
            if (
                not expected
                or not hmac.compare_digest(given.encode(), expected.encode())
                or int(expiry) < self.core.now()
                or owner != self.core.options.username
            ):
                return Response(401, [("content-type", PROBLEM)], UNAUTHENTICATED)
        upload = self._file(params[0])
        return Response(
            200,
            [
                ("content-type", "application/octet-stream"),
                ("content-disposition", f'attachment; filename="{quote(upload.name)}"'),
            ],
            upload.data,
        )

    # -- streams, output files, web pages ------------------------------------------------------

    def stream(self, request: Request, token: str, fired: Fired) -> Response:
        """GET <stream URL>: server-sent events."""
        job = self.core.store.jobs_by_stream.get(token)
        if job is None or job.id not in self.core.store.jobs:
            return Response(404, [("content-type", PROBLEM)], dumps({"detail": "Not found."}))
        self.core.touch(job)
        body = stream_events(
            self.core,
            job,
            self._renderer(request),
            request.headers.get("last-event-id"),
            fired,
        )
        return Response(
            200,
            [
                ("content-type", "text/event-stream"),
                ("cache-control", "no-cache"),
                ("x-accel-buffering", "no"),
            ],
            stream=body,
        )

    def delivery(self, rest: str) -> Response:
        """GET <delivery host>/<id>/<name>: an output file; no token needed."""
        blob_id, _, _ = rest.partition("/")
        blob = self.core.store.blobs.get(blob_id)
        if blob is None:
            return Response(404, [("content-type", "text/plain")], b"Not Found")
        return Response(
            200,
            [
                ("content-type", blob.content_type),
                ("cache-control", "public,max-age=3600"),
                ("access-control-allow-origin", "*"),
                ("etag", f'"{blob.etag}"'),
            ],
            blob.data,
        )

    def web_page(self, job_id: str) -> Response:
        """GET <web>/<id>: a small HTML page about a prediction (not an API)."""
        job = self.core.store.jobs.get(job_id)
        if job is None:
            return Response(404, [("content-type", "text/plain")], b"Not Found")
        page = (
            f"<!doctype html><title>Prediction {job.id}</title><h1>Prediction {job.id}</h1>"
            f"<p>Model {job.model}: {job.status}</p><p>Served by the replicate_async emulator.</p>"
        )
        return Response(200, [("content-type", "text/html; charset=utf-8")], page.encode())


def _allow(methods: dict[str, Handler]) -> str:
    """The ``Allow`` header of a route, in the recorded order: ``GET, POST, HEAD, OPTIONS``."""
    names = sorted(methods, key=lambda m: (m != "GET", m))
    if "GET" in methods:
        names.append("HEAD")
    return ", ".join([*names, "OPTIONS"])


def _headless(response: Response) -> Response:
    """The answer to HEAD: the GET answer's status and headers, without its body."""
    if response.stream is not None:
        return Response(response.status, list(response.headers))
    return Response(
        response.status,
        [*response.headers, ("content-length", str(len(response.body)))],
    )


def _check_filter(body: dict[str, Any]) -> list[tuple[str, str]]:
    if "webhook_events_filter" not in body:
        return []
    value = body["webhook_events_filter"]
    if not isinstance(value, list):
        return [
            (
                "webhook_events_filter",
                f"Invalid type. Expected: array, given: {_kind(value)}",
            )
        ]
    allowed = ", ".join(f'"{e}"' for e in _EVENTS)
    return [
        (f"webhook_events_filter.{i}", f"must be one of the following: {allowed}")
        for i, item in enumerate(value)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        if item not in _EVENTS
    ]


_URI_FORMAT = "Does not match format 'uri' (an absolute http or https URL)"


def _check_webhook(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Refuse a ``webhook`` that is not an absolute http(s) URL deliveries could be sent to.

    Checked when the job is created, so a URL no request can be built for (a port out of
    range, a control character, no host) is the caller's 422 instead of a delivery failure.
    """
    if "webhook" not in body:
        return []
    url = body["webhook"]
    if not isinstance(url, str):
        return [("webhook", f"Invalid type. Expected: string, given: {_kind(url)}")]
    return [] if _is_http_url(url) else [("webhook", _URI_FORMAT)]


def _url_fields(body: dict[str, Any], keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """Refuse model URL fields that are not absolute http(s) URLs (responses say format uri).

    An empty string is accepted and clears the field (it is shown as null).
    """
    return [
        (key, _URI_FORMAT)
        for key in keys
        if isinstance(body.get(key), str) and body[key] and not _is_http_url(body[key])
    ]


def _is_http_url(url: str) -> bool:
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


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _shift_text(text: str, seconds: float) -> str | None:
    """The same timestamp text, with the same precision, moved by whole `seconds`."""
    if seconds != int(seconds):
        return None
    head, dot, frac = text.rstrip("Z").partition(".")
    moved = datetime.fromisoformat(head + "+00:00").timestamp() + int(seconds)
    shifted = datetime.fromtimestamp(moved, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return shifted + (dot + frac if dot else "") + "Z"


# -- multipart ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _boundary(content_type: str) -> str | None:
    media, _, rest = content_type.partition(";")
    if media.strip().lower() != "multipart/form-data":
        return None
    for param in rest.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip().strip('"')
    return None


def _disposition(value: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, quoted, bare in re.findall(r';\s*([\w*]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))', value):
        found[key.lower()] = quoted.replace('\\"', '"') if quoted else bare.strip()
    return found


def _parse_multipart(body: bytes, boundary: str) -> list[_Part]:
    delimiter = b"--" + boundary.encode()
    parts: list[_Part] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk.removeprefix(b"\r\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        data = data.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = _disposition(headers.get("content-disposition", ""))
        parts.append(
            _Part(
                name=disposition.get("name", ""),
                filename=disposition.get("filename"),
                content_type=headers.get("content-type"),
                data=data,
            )
        )
    return parts


# -- the default trainer --------------------------------------------------------------------------


async def _default_trainer(**inputs: Any) -> NamedBytes:
    """Pretend to fine-tune: log a few progress lines and return a small weights file."""
    from ._runner import log, sleep

    log(f"Training with {len(inputs)} input(s)")
    for step in range(1, 5):
        await sleep(0.25)
        log(f"{step * 25:3d}%|{'█' * (step * 25 // 10):<10}| {step}/4 [00:00<00:00, 4.00it/s]")
    payload = json.dumps(inputs, sort_keys=True, default=str).encode()
    return NamedBytes(b"emulated weights\n" + payload, "weights.tar", "application/x-tar")


DEFAULT_TRAINER = ModelSpec(_default_trainer)
