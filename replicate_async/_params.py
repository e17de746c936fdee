"""What the resource methods send: targets, create bodies, query parameters, hints (pure).

Every check here runs before any request, so a wrong argument raises `ValueError` or
`TypeError` with advice, and nothing is sent. The resource classes in ``_async/`` (and their
generated twins) only call these and do the I/O.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import Any

from ._refs import (
    DeploymentRef,
    ModelRef,
    VersionRef,
    is_version_id,
    parse_deployment,
    parse_model,
    parse_ref,
)
from ._types import WebhookEventName
from .types.models import ModelVersion

__all__ = [
    "check_instances",
    "check_version_id",
    "create_body",
    "create_hint",
    "model_ref",
    "optional_strings",
    "query_filters",
    "resolve_target",
    "resolve_training_version",
    "sort_params",
]

_WEBHOOK_EVENTS = frozenset({"start", "output", "logs", "completed"})


def resolve_target(
    ref: str | None,
    *,
    model: str | None = None,
    version: str | ModelVersion | None = None,
    deployment: str | None = None,
) -> ModelRef | VersionRef | DeploymentRef:
    """Turn exactly one of ref/model/version/deployment into a typed reference.

    `version` may be a `ModelVersion` (from ``models.versions.get``/``list``), or its id.
    """
    if isinstance(version, ModelVersion):
        version = version.id
    given = [
        name
        for name, value in (
            ("ref", ref),
            ("model", model),
            ("version", version),
            ("deployment", deployment),
        )
        if value is not None
    ]
    if len(given) != 1:
        shown = ", ".join(given) if given else "none"
        raise ValueError(
            "pass exactly one of a model reference ('owner/name', 'owner/name:<version>' or a "
            f"version id), model=, version= or deployment= (got {shown})"
        )
    if deployment is not None:
        return parse_deployment(deployment)
    if model is not None:
        parsed = parse_ref(model)
        if isinstance(parsed, VersionRef):
            raise ValueError(
                f"model={model!r} names a version: pass it as version= (or as the reference)"
            )
        return parsed
    if version is not None:
        parsed = parse_ref(version)
        if isinstance(parsed, ModelRef):
            raise ValueError(
                f"version={version!r} is not a version: write 'owner/name:<64-hex id>' or the id"
            )
        return parsed
    assert ref is not None
    return parse_ref(ref)


def create_body(
    target: ModelRef | VersionRef | DeploymentRef,
    input: Mapping[str, Any],
    *,
    webhook: str | None,
    webhook_events_filter: Sequence[WebhookEventName] | None,
) -> dict[str, Any]:
    """The JSON body of a create: only keys the API's schema allows."""
    body: dict[str, Any] = {"input": input}
    if isinstance(target, VersionRef):
        body["version"] = target.id
    if webhook is not None:
        if not webhook.startswith(("https://", "http://")):
            raise ValueError("webhook must be an absolute https:// URL that accepts POST requests")
        body["webhook"] = webhook
    if webhook_events_filter is not None:
        if isinstance(webhook_events_filter, str):
            raise TypeError('webhook_events_filter takes a list, such as ["completed"]')
        events = builtins.list(webhook_events_filter)
        unknown = [e for e in events if e not in _WEBHOOK_EVENTS]
        if unknown:
            raise ValueError(
                f"unknown webhook events {unknown}: choose from start, output, logs, completed"
            )
        body["webhook_events_filter"] = events
    return body


def create_hint(
    target: ModelRef | VersionRef | DeploymentRef, status: int, text: str
) -> str | None:
    """Advice for an error answering a create, when it fits the error.

    A model named ``owner/name`` that is not found (404), or refused for its version (422
    about the version), may be a community model, which needs a version. An input that fails
    validation (another 422) gets no such hint.
    """
    if not isinstance(target, ModelRef):
        return None
    if status == 404 or (status == 422 and "version" in text.lower()):
        return (
            f"'{target}' may not be an official model: community models need a version, "
            f"'{target}:<64-hex version id>' (see client.models.get('{target}').latest_version)"
        )
    return None


def query_filters(**values: str | None) -> dict[str, str] | None:
    params = {k: v for k, v in values.items() if v is not None}
    return params or None


def check_version_id(version: object) -> str:
    if not isinstance(version, str) or not is_version_id(version):
        raise ValueError(
            f"version={version!r} is not a version id: pass the 64-hex id alone "
            "(Model.latest_version.id), without 'owner/name:'"
        )
    return version


def check_instances(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name}={value} must not be negative")
    return value


_SORT_BY = ("model_created_at", "latest_version_created_at")


_SORT_DIRECTIONS = ("asc", "desc")


def model_ref(model: str) -> ModelRef:
    """Parse ``owner/name`` for a model resource (no version), raising before any request."""
    try:
        return parse_model(model)
    except ValueError as exc:
        raise ValueError(f"{exc}: model resources take 'owner/name'") from None


def sort_params(sort_by: str | None, sort_direction: str | None) -> dict[str, str] | None:
    params: dict[str, str] = {}
    if sort_by is not None:
        if sort_by not in _SORT_BY:
            raise ValueError(f"sort_by={sort_by!r} is not valid: choose one of {_SORT_BY}")
        params["sort_by"] = sort_by
    if sort_direction is not None:
        if sort_direction not in _SORT_DIRECTIONS:
            raise ValueError(
                f"sort_direction={sort_direction!r} is not valid: choose 'asc' or 'desc'"
            )
        params["sort_direction"] = sort_direction
    return params or None


def optional_strings(**values: str | None) -> dict[str, str]:
    """The keyword arguments that were given (not None), checked to be strings."""
    body: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"{key} must be a str, not {type(value).__name__}")
        body[key] = value
    return body


_REF_HELP = (
    "pass 'owner/name:<64-hex version id>', or model='owner/name' with version='<version id>'"
)


def resolve_training_version(
    ref: str | None, *, model: str | None = None, version: str | ModelVersion | None = None
) -> VersionRef:
    """The model version a training starts from, from a reference or from model= and version=.

    Accepted: ``ref="owner/name:<id>"``; ``version="owner/name:<id>"``; or
    ``model="owner/name"`` with ``version="<id>"``. Raises ValueError before any request
    otherwise.
    """
    if isinstance(version, ModelVersion):
        version = version.id
    if ref is not None and (model is not None or version is not None):
        raise ValueError(f"pass either a reference or model=/version=, not both: {_REF_HELP}")
    if ref is None and version is None:
        raise ValueError(f"a training needs the model version it starts from: {_REF_HELP}")
    if ref is not None:
        parsed = parse_ref(ref)
    else:
        assert version is not None
        if model is not None:
            base = parse_model(model)
            if not isinstance(version, str) or not is_version_id(version):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise ValueError(
                    f"version={version!r} is not a version id: with model=, pass the 64-hex id"
                )
            parsed = VersionRef(version, base.owner, base.name)
        else:
            parsed = parse_ref(version)
    if isinstance(parsed, ModelRef):
        raise ValueError(f"{str(parsed)!r} names no version: {_REF_HELP}")
    if parsed.owner is None or parsed.name is None:
        raise ValueError(f"a bare version id does not say which model it belongs to: {_REF_HELP}")
    return parsed
