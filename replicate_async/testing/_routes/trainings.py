"""Trainings: create from a model version, list, get and cancel; the default trainer."""

from __future__ import annotations

import json
from typing import Any, cast

from .._models import ModelSpec
from .._runner import NamedBytes
from ._base import (
    Problem,
    Request,
    Response,
    Routes,
    check_filter,
    check_webhook,
    invalid,
    invalid_version,
    wrong_type,
)

__all__ = ["DEFAULT_TRAINER", "TrainingRoutes"]


class TrainingRoutes(Routes):
    """The trainings family."""

    async def trainings_create(self, request: Request, params: list[str]) -> Response:
        """POST /models/{o}/{n}/versions/{id}/trainings → 201."""
        body = self._body(request)
        problems: list[tuple[str, str]] = []
        for key in ("destination", "input"):
            if key not in body:
                problems.append(("(root)", f"{key} is required"))
        if "input" in body and not isinstance(body["input"], dict):
            problems.append(("input", wrong_type("object", body["input"])))
        if "destination" in body and not isinstance(body["destination"], str):
            problems.append(("destination", "Invalid type. Expected: string"))
        problems.extend(check_filter(body))
        problems.extend(check_webhook(body))
        if problems:
            raise invalid(problems)
        model = self._model(params[0], params[1])
        version = self.core.store.versions.get(params[2])
        if version is None or version.model is not model or version.spec is None:
            raise invalid_version()
        destination = self.core.store.models.get(body["destination"])
        if destination is None or destination.owner != self.core.options.username:
            raise Problem(
                404,
                {"detail": "The specified training destination does not exist", "status": 404},
            )
        trainer = model.trainer or DEFAULT_TRAINER
        data = cast("dict[str, Any]", body["input"])
        problems = trainer.validate(data)
        if problems:
            raise invalid(problems)
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
        return self._job_page(request, "/trainings", items)

    async def trainings_get(self, request: Request, params: list[str]) -> Response:
        """GET /trainings/{id}."""
        job = self._job(params[0], "training")
        rendered = self._renderer(request).job(job, full=True)
        return self._json(200, rendered, ("allow", "OPTIONS, GET"))

    async def trainings_cancel(self, request: Request, params: list[str]) -> Response:
        """POST /trainings/{id}/cancel."""
        job = self._job(params[0], "training")
        return self._cancel(request, job)


async def _default_trainer(**inputs: Any) -> NamedBytes:
    """Pretend to fine-tune: log a few progress lines and return a small weights file."""
    from .._runner import log, sleep

    log(f"Training with {len(inputs)} input(s)")
    for step in range(1, 5):
        await sleep(0.25)
        log(f"{step * 25:3d}%|{'█' * (step * 25 // 10):<10}| {step}/4 [00:00<00:00, 4.00it/s]")
    payload = json.dumps(inputs, sort_keys=True, default=str).encode()
    return NamedBytes(b"emulated weights\n" + payload, "weights.tar", "application/x-tar")


DEFAULT_TRAINER = ModelSpec(_default_trainer)
