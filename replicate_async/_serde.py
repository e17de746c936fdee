"""The one cattrs converter: wire JSON to the frozen models in `replicate_async.types` (pure).

- Unknown keys are ignored; a missing key and ``null`` mean the same thing.
- Open value sets (``Literal[...] | str``) pass any string through unchanged.
- Timestamps accept ``Z``, numeric offsets and 0 to 9 fractional digits.
- Decoding failures raise `ResponseDecodingError` with readable field paths.

A strict variant (`strict_converter`) forbids unknown keys; only the test suite uses it, to
find fields the models forgot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from ._exceptions import ResponseDecodingError
from .types.account import Account
from .types.collections import Collection, CollectionSummary
from .types.deployments import AccountRef, Deployment, DeploymentConfiguration, DeploymentRelease
from .types.files import File, FileChecksums, FileURLs
from .types.hardware import Hardware
from .types.models import Model, ModelVersion
from .types.pages import Page
from .types.predictions import Prediction, PredictionMetrics, PredictionURLs
from .types.trainings import Training, TrainingOutput
from .types.webhooks import WebhookSecret

__all__ = ["converter", "make_converter", "parse_datetime", "strict_converter", "structure"]

T = TypeVar("T")

_FRACTION = re.compile(r"(\.\d{6})\d+")

#: Every model the converter knows, so that hooks are generated eagerly and checked once.
MODELS: tuple[type[Any], ...] = (
    Account,
    AccountRef,
    Collection,
    CollectionSummary,
    Deployment,
    DeploymentConfiguration,
    DeploymentRelease,
    File,
    FileChecksums,
    FileURLs,
    Hardware,
    Model,
    ModelVersion,
    Prediction,
    PredictionURLs,
    Training,
    TrainingOutput,
    WebhookSecret,
)

#: Keys the API sends that the models leave out on purpose (legacy or echoed request flags).
KNOWN_EXTRA_KEYS: frozenset[str] = frozenset({"webhook_completed", "stream", "webhook"})


def parse_datetime(value: object) -> datetime:
    """Parse an RFC 3339 timestamp with any number of fractional digits."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected an RFC 3339 timestamp string, got {type(value).__name__}")
    text = _FRACTION.sub(r"\1", value.strip())
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _structure_metrics(value: object, _: object) -> PredictionMetrics:
    if not isinstance(value, Mapping):
        raise ValueError(f"expected an object for metrics, got {type(value).__name__}")
    raw = cast("Mapping[str, Any]", value)
    known = {"predict_time", "total_time"}

    def number(key: str) -> float | None:
        item = raw.get(key)
        if isinstance(item, int | float) and not isinstance(item, bool):
            return float(item)
        return None

    return PredictionMetrics(
        predict_time=number("predict_time"),
        total_time=number("total_time"),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def _drop_nulls(cls: type[Any], fn: Any) -> Any:
    """Wrap a generated structure function so that ``null`` means "missing"."""
    required = {a.name for a in attrs.fields(cls) if a.default is attrs.NOTHING}

    def structure_fn(value: Any, target: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(value).__name__}")
        cleaned = {
            k: v
            for k, v in cast("Mapping[str, Any]", value).items()
            if v is not None or k in required
        }
        return fn(cleaned, target)

    return structure_fn


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """Build a converter; the package uses one lenient instance, `converter`."""
    conv = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat().replace("+00:00", "Z"))
    conv.register_structure_hook(PredictionMetrics, _structure_metrics)

    def passthrough_str(value: object, _: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        raise ValueError(f"expected a string, got {type(value).__name__}")

    # Open value sets: Literal[...] | str, with and without None.
    conv.register_structure_hook_func(_is_open_literal, passthrough_str)

    def attrs_factory(cls: type[Any]) -> Any:
        # Hooks are generated lazily, on first use of each class, to keep the import cheap.
        fn = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=forbid_extra_keys)
        if forbid_extra_keys:
            fn = _ignore_known_extras(fn)
        return _drop_nulls(cls, fn)

    conv.register_structure_hook_factory(attrs.has, attrs_factory)
    return conv


def _ignore_known_extras(fn: Any) -> Any:
    def inner(value: Mapping[str, Any], target: Any) -> Any:
        return fn({k: v for k, v in value.items() if k not in KNOWN_EXTRA_KEYS}, target)

    return inner


def _is_open_literal(tp: object) -> bool:
    args = getattr(tp, "__args__", None)
    if not args or str not in args:
        return False
    others = [a for a in args if a is not str and a is not type(None)]
    return bool(others) and all(getattr(a, "__origin__", None) is not None for a in others)


converter = make_converter()
"""The lenient converter used by the SDK."""


def strict_converter() -> cattrs.Converter:
    """A converter that rejects unknown keys (for the test suite)."""
    return make_converter(forbid_extra_keys=True)


def structure(payload: object, cls: type[T], *, conv: cattrs.Converter | None = None) -> T:
    """Structure `payload` into `cls`, raising `ResponseDecodingError` on failure."""
    try:
        return (conv or converter).structure(payload, cls)
    except Exception as exc:
        errors = cattrs.transform_error(exc) if isinstance(exc, cattrs.BaseValidationError) else []
        name = getattr(cls, "__name__", str(cls))
        where = f" ({'; '.join(errors[:5])})" if errors else f" ({exc})"
        raise ResponseDecodingError(
            f"the API response did not fit {name}{where}", payload=payload, errors=errors
        ) from exc


def structure_page(payload: object, item: type[T]) -> Page[T]:
    """Structure a paginated response into a `Page` of `item`."""
    if not isinstance(payload, Mapping):
        raise ResponseDecodingError(
            "the API returned a page that is not an object", payload=payload
        )
    raw = cast("Mapping[str, Any]", payload)
    results: object = raw.get("results") or []
    if not isinstance(results, list):
        raise ResponseDecodingError("the page's results are not a list", payload=raw)
    items = [structure(r, item) for r in cast("list[object]", results)]
    nxt, prev = raw.get("next"), raw.get("previous")
    return Page(
        results=items,
        next=nxt if isinstance(nxt, str) and nxt and nxt != "null" else None,
        previous=prev if isinstance(prev, str) and prev and prev != "null" else None,
    )
