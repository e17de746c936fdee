"""Models, their versions, examples and README, and search (QUERY /models and GET /search)."""

from __future__ import annotations

import json
import re
from typing import Any

from .._state import Model, Version
from ._base import (
    JSON,
    Problem,
    Request,
    Response,
    Routes,
    conflict,
    digits,
    invalid,
    not_found,
    url_fields,
    wrong_type,
)
from .hardware import HARDWARE

__all__ = ["ModelRoutes"]

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


class ModelRoutes(Routes):
    """The models family (and the search beta)."""

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
            raise invalid([("sort_by", "must be model_created_at or latest_version_created_at")])
        if direction not in ("asc", "desc"):
            raise invalid([("sort_direction", "must be asc or desc")])

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
                problems.append((key, wrong_type("string", body[key])))
        for key in ("description", "github_url", "paper_url", "license_url", "cover_image_url"):
            if key in body and body[key] is not None and not isinstance(body[key], str):
                problems.append((key, wrong_type("string", body[key])))
        problems += url_fields(body, ("github_url", "paper_url", "license_url", "cover_image_url"))
        if not problems and body["visibility"] not in ("public", "private"):
            problems.append(("visibility", 'must be one of the following: "public", "private"'))
        if not problems and body["hardware"] not in {h["sku"] for h in HARDWARE}:
            problems.append(("hardware", f"{body['hardware']} is not a valid hardware SKU"))
        if problems:
            raise invalid(problems, title="Invalid model")
        owner, name = body["owner"], body["name"]
        if owner != self.core.options.username:
            raise Problem(
                403,
                {
                    "detail": f"You do not have permission to create models for {owner}",
                    "status": 403,
                },
            )
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name):
            raise invalid([("name", "must be lower-case letters, digits, '.', '-' and '_'")])
        if f"{owner}/{name}" in self.core.store.models:
            raise conflict(f"A model named {owner}/{name} already exists")
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
            (key, wrong_type("string", body[key]))
            for key in fields
            if key in body and body[key] is not None and not isinstance(body[key], str)
        ]
        problems += url_fields(body, ("github_url", "paper_url", "weights_url", "license_url"))
        if problems:
            raise invalid(problems, title="Invalid model")
        for key in fields:
            if key in body:
                value = body[key]
                setattr(model, key, value if value or key in ("description", "readme") else None)
        return self._json(200, self._renderer(request).model(model))

    async def models_delete(self, request: Request, params: list[str]) -> Response:
        """DELETE /models/{o}/{n} → 204; only your own private model without versions."""
        model = self._model(*params)
        if model.owner != self.core.options.username:
            raise Problem(403, {"detail": "You can only delete your own models", "status": 403})
        if model.visibility != "private" or model.versions:
            raise conflict(
                "Only private models without versions can be deleted; delete the versions first"
            )
        del self.core.store.models[model.ref]
        return Response(204)

    async def models_examples_list(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}/examples."""
        model = self._model(*params)
        items = sorted(model.examples, key=lambda j: -j.seq)
        return self._job_page(request, f"/models/{model.ref}/examples", items)

    async def models_readme_get(self, request: Request, params: list[str]) -> Response:
        """GET /models/{o}/{n}/readme: text/plain Markdown, 404 without one."""
        model = self._model(*params)
        if not model.readme:
            raise not_found("This model has no README")
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
            raise not_found()
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
                raise conflict(
                    f"Version {version.id} is used by deployment "
                    f"{deployment.owner}/{deployment.name}"
                )
        version.model.versions.remove(version)
        del self.core.store.versions[version.id]
        for job in list(self.core.store.jobs.values()):
            if job.version is version and job.is_terminal():
                self.core.store.remove_job_data(job)
                del self.core.store.jobs[job.id]
        return Response(202)

    async def search(self, request: Request, params: list[str]) -> Response:
        """GET /search (beta)."""
        query_params = request.query_params()
        query = query_params.get("query", "").strip()
        if not query:
            raise Problem(400, {"detail": 'Query parameter "query" is required'}, JSON)
        raw_limit = query_params.get("limit", "20")
        if not digits(raw_limit) or not 1 <= int(raw_limit) <= 50:
            raise Problem(400, {"detail": "limit must be between 1 and 50"}, JSON)
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
