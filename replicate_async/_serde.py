"""The one cattrs converter: wire JSON to the frozen models in `replicate_async.types` (pure).

- Unknown keys are ignored; a missing key and ``null`` mean the same thing.
- Open value sets (``Literal[...] | str``) pass any string through unchanged.
- Timestamps accept ``Z``, numeric offsets and 0 to 9 fractional digits. An unparseable
  timestamp becomes ``None``: a finished prediction never loses its output to a bad date.
- Required string fields (ids, owners, names, slugs, status) must be non-empty strings: a
  ``null`` id never becomes the text ``"None"``. Optional strings accept strings (numbers are
  written out); ``null``, booleans, arrays and objects there become ``None`` (the strict
  converter refuses them).
- Decoding failures raise `ResponseDecodingError` with readable field paths.

A strict variant (`strict_converter`) forbids unknown keys and unparseable timestamps; only the
test suite uses it, to find fields the models forgot.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from ._exceptions import ResponseDecodingError
from .types.pages import Page
from .types.predictions import PredictionMetrics

if TYPE_CHECKING:
    import cattrs

__all__ = [
    "get_converter",
    "json_type_name",
    "lenient_datetime",
    "make_converter",
    "parse_datetime",
    "strict_converter",
    "structure",
]

T = TypeVar("T")

_FRACTION = re.compile(r"(\.\d{6})\d+")

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


def lenient_datetime(value: object) -> datetime | None:
    """Parse a timestamp like `parse_datetime`, or return None when it cannot be parsed."""
    try:
        return parse_datetime(value)
    except (ValueError, TypeError, OverflowError):
        return None


def _structure_str(value: object, _: object) -> str:
    """A string field: strings pass, numbers are written out, anything else is refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected a string, got {_json_type(value)}")


def _optional_str(value: object) -> str | None:
    """An optional string field of the lenient converter: what cannot be a string is None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def json_type_name(value: object) -> str:
    """The JSON Schema type of a decoded JSON value (the Python type's name for anything else).

    One of null, boolean, integer, number, string, array or object.
    """
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
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _is_str_type(tp: object) -> bool:
    return tp is str or tp == "str" or _is_open_literal(tp)


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
    """Wrap a generated structure function so that ``null`` means "missing".

    Required fields must be present and not ``null``; required string fields (the ids, names
    and the status that later requests are built from) must be non-empty strings.
    """
    attrs.resolve_types(cls)
    fields = attrs.fields(cls)
    required = {a.name for a in fields if a.default is attrs.NOTHING}
    identifiers = [a.name for a in fields if a.name in required and _is_str_type(a.type)]

    def structure_fn(value: Any, target: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {_json_type(value)}")
        raw = cast("Mapping[str, Any]", value)
        for name in identifiers:
            if name in raw:
                item = raw[name]
                if not isinstance(item, str) or not item:
                    shown = "an empty string" if item == "" else _json_type(item)
                    raise ValueError(
                        f"{cls.__name__}.{name} must be a non-empty string, got {shown}"
                    )
        cleaned = {k: v for k, v in raw.items() if v is not None or k in required}
        return fn(cleaned, target)

    return structure_fn


def make_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """Build a converter; the package uses one lenient instance, `converter`."""
    import cattrs
    from cattrs.gen import make_dict_structure_fn

    conv = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    conv.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
    conv.register_structure_hook(str, _structure_str)
    if not forbid_extra_keys:
        # Every timestamp of the models is optional: a bad one is None, the rest survives.
        conv.register_structure_hook(datetime | None, lambda v, _: lenient_datetime(v))
        conv.register_structure_hook(str | None, lambda v, _: _optional_str(v))
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat().replace("+00:00", "Z"))
    conv.register_structure_hook(PredictionMetrics, _structure_metrics)

    def passthrough_str(value: object, _: object) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if not forbid_extra_keys:
            return None  # required open values (status) were checked by _drop_nulls
        raise ValueError(f"expected a string, got {_json_type(value)}")

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


_converter: cattrs.Converter | None = None


def get_converter() -> cattrs.Converter:
    """The lenient converter used by the SDK, built on first use (cattrs loads only then)."""
    global _converter
    if _converter is None:
        _converter = make_converter()
    return _converter


def __getattr__(name: str) -> Any:
    # ``converter`` stays available as a module attribute, built on first access.
    if name == "converter":
        return get_converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def strict_converter() -> cattrs.Converter:
    """A converter that rejects unknown keys (for the test suite)."""
    return make_converter(forbid_extra_keys=True)


def structure(payload: object, cls: type[T], *, conv: cattrs.Converter | None = None) -> T:
    """Structure `payload` into `cls`, raising `ResponseDecodingError` on failure."""
    try:
        return (conv or _converter or get_converter()).structure(payload, cls)
    except Exception as exc:
        import cattrs

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
