"""Deployments: create, list, get, update (a new release per change) and delete."""

from __future__ import annotations

from typing import Any

from .._state import Deployment, Release
from ._base import (
    Request,
    Response,
    Routes,
    conflict,
    invalid,
    invalid_version,
    not_found,
    wrong_type,
)
from .hardware import HARDWARE

__all__ = ["DeploymentRoutes"]


class DeploymentRoutes(Routes):
    """The deployments family."""

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
                problems.append((key, wrong_type("integer", value)))
            elif not 0 <= value <= top:
                problems.append((key, f"Must be between 0 and {top}"))
        for key in ("hardware", "version", "model", "name"):
            if key in body and not isinstance(body[key], str):
                problems.append((key, wrong_type("string", body[key])))
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
            raise invalid(problems, title="Invalid deployment")
        model = self.core.store.models.get(body["model"])
        if model is None:
            raise not_found("The specified model does not exist")
        version = self.core.store.versions.get(body["version"])
        if version is None or version.model is not model:
            raise invalid_version()
        owner = self.core.options.username
        name = body["name"]
        if f"{owner}/{name}" in self.core.store.deployments:
            raise conflict(f"A deployment named {name} already exists")
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
            raise invalid(problems, title="Invalid deployment")
        current = deployment.current
        version_id = body.get("version", current.version)
        if version_id != current.version:
            version = self.core.store.versions.get(version_id)
            if version is None or version.model.ref != current.model:
                raise invalid_version()
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
