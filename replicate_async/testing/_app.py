"""The emulated HTTP API: routing of the 37 operations, auth and the answers every route shares.

Transport-neutral: `App.handle` takes a fully read `Request` and returns a `Response` whose body
is bytes or an async iterator (event streams). The in-process transports and the ASGI app adapt
it, and apply the connection-level faults (drops, delays) themselves. The handlers live in
`._routes`, one module per API family.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING

from ._faults import Fired
from ._routes._base import PROBLEM, UNAUTHENTICATED, Handler, Problem, Request, Response, not_found
from ._routes.account import AccountRoutes
from ._routes.collections import CollectionRoutes
from ._routes.deployments import DeploymentRoutes
from ._routes.files import FileRoutes
from ._routes.hardware import HARDWARE, HardwareRoutes
from ._routes.models import ModelRoutes
from ._routes.predictions import PredictionRoutes, parse_cancel_after, parse_prefer
from ._routes.streams import StreamRoutes
from ._routes.trainings import DEFAULT_TRAINER, TrainingRoutes
from ._routes.webhooks import WebhookRoutes
from ._state import dumps

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


class App(
    AccountRoutes,
    CollectionRoutes,
    DeploymentRoutes,
    FileRoutes,
    HardwareRoutes,
    ModelRoutes,
    PredictionRoutes,
    StreamRoutes,
    TrainingRoutes,
    WebhookRoutes,
):
    """The router of the 37 operations (plus streams, output files and pages) and their handlers.

    Each family of handlers is a class of its own in `._routes`; the app is all of them.
    """

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
                raise not_found()
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
        except Problem as problem:
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
