"""Predictions: create (by version, by model, by deployment), list, get and cancel."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

from .._state import Job, Model, Version
from ._base import (
    Problem,
    Request,
    Response,
    Routes,
    check_filter,
    check_webhook,
    digits,
    invalid,
    invalid_version,
    wrong_type,
)

__all__ = ["PredictionRoutes", "parse_cancel_after", "parse_prefer"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_PREDICTION_KEYS = frozenset({"input", "webhook", "webhook_events_filter", "stream"})
_VERSION_PREDICTION_KEYS = _PREDICTION_KEYS | {"version"}


def parse_cancel_after(value: str) -> float:
    """Seconds from a Cancel-After value (``30``, ``30s``, ``5m``, ``1h30m45s``); ≥ 5 s."""
    text = value.strip()
    seconds: float | None = None
    if digits(text):
        seconds = float(text)
    else:
        found = _DURATION.match(text)
        if found and text:
            hours, minutes, secs = (int(g) if g else 0 for g in found.groups())
            seconds = float(hours * 3600 + minutes * 60 + secs)
    if seconds is None or seconds < 5:
        raise Problem(
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
        if digits(raw) and 1 <= int(raw) <= 99 and not raw.startswith("0"):
            seconds = min(int(raw), 60)
            return seconds, f"wait={seconds}"
        return None
    return None


def parse_time(value: str, name: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+")).timestamp()
    except ValueError:
        raise Problem(
            400, {"detail": f"Invalid {name}: expected an ISO 8601 date-time", "status": 400}
        ) from None


class PredictionRoutes(Routes):
    """The predictions family, and the prediction creations of models and deployments."""

    def _resolve_version(self, ref: Any) -> tuple[Model, Version]:
        if not isinstance(ref, str):
            raise invalid_version()
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
            raise invalid_version()
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
            raise invalid_version()
        return await self._create_prediction(request, body, model, version)

    async def deployments_predictions_create(self, request: Request, params: list[str]) -> Response:
        """POST /deployments/{o}/{n}/predictions."""
        body = self._body(request)
        self._check_prediction_body(body, _PREDICTION_KEYS, needs_version=False)
        deployment = self._deployment(*params)
        version = self.core.store.versions.get(deployment.current.version)
        if version is None or version.spec is None:
            raise invalid_version()
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
            problems.append(("input", wrong_type("object", body["input"])))
        if "version" in body and not isinstance(body["version"], str):
            problems.append(
                (
                    "version",
                    wrong_type("string", body["version"]),
                )
            )
        if "stream" in body and not isinstance(body["stream"], bool):
            problems.append(
                (
                    "stream",
                    wrong_type("boolean", body["stream"]),
                )
            )
        problems.extend(check_filter(body))
        problems.extend(check_webhook(body))
        if problems:
            raise invalid(problems)

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
            raise invalid(problems)
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
            raise invalid([("source", 'must be one of the following: "web"')])
        low = parse_time(after, "created_after") if after else None
        high = parse_time(before, "created_before") if before else None
        items: list[Job] = []
        if source is None:
            for job in reversed(self.core.store.jobs.values()):
                if job.kind != "prediction":
                    continue
                created = job.created_at.seconds
                if (low is not None and created < low) or (high is not None and created >= high):
                    continue
                items.append(job)
        return self._job_page(request, "/predictions", items)

    async def predictions_get(self, request: Request, params: list[str]) -> Response:
        """GET /predictions/{id} (trainings too: one id space)."""
        job = self._job(params[0])
        return self._json(200, self._renderer(request).job(job, via="create"))

    async def predictions_cancel(self, request: Request, params: list[str]) -> Response:
        """POST /predictions/{id}/cancel: 200; a terminal prediction comes back unchanged."""
        job = self._job(params[0])
        return self._cancel(request, job)
