"""Turn ``key=value`` command-line inputs into a prediction input, typed by the input schema.

The rules, as in Cog's ``-i`` and the official Go CLI:

- ``key=value``: converted by the schema of the input ``key``: integers, numbers and booleans
  are parsed, arrays take JSON (``[1, 2]``) or one item per repetition of the key, objects take
  JSON, text stays text.
- ``key:=json``: an explicit JSON value, still checked against the schema's type.
- ``key=@path``: the file at `path`, uploaded by the client.

Without a schema (a bare version id, or an official model that does not publish one) a
``key=value`` value is read as a JSON literal when it is one (``3``, ``true``, ``[1]``,
``null``) and as text otherwise.

Unknown keys, missing required inputs and values of the wrong type are refused before anything
is sent, with a listing of the valid inputs.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from .._serde import json_type_name

__all__ = [
    "InputSchema",
    "Pair",
    "UsageError",
    "build_input",
    "parse_cancel_after",
    "parse_pairs",
]

PairKind = Literal["text", "json", "file"]


class UsageError(ValueError):
    """A command-line argument could not be understood (exit code 2).

    The first line of the message is the error; further lines (a listing of the valid inputs,
    say) follow it as they are.
    """


@dataclass(frozen=True)
class Pair:
    """One ``key=value``, ``key:=json`` or ``key=@path`` argument, split but not converted."""

    key: str
    """The input name."""
    raw: str
    """The text after ``=`` (or ``:=``), without the ``@`` of a file."""
    kind: PairKind
    """``text``, ``json`` or ``file``."""


def parse_pairs(args: Sequence[str]) -> list[Pair]:
    """Split ``key=value``, ``key:=json`` and ``key=@path`` arguments.

    Args:
        args: The arguments as typed.

    Returns:
        The pairs, in order (repeated keys included).

    Raises:
        UsageError: An argument has no ``=``, no key, or names a file that does not exist.
    """
    pairs: list[Pair] = []
    for arg in args:
        key, sep, raw = arg.partition("=")
        if not sep:
            raise UsageError(f"expected key=value, key:=json or key=@file, got {arg!r}")
        kind: PairKind = "text"
        if key.endswith(":"):
            key, kind = key[:-1], "json"
            _json(raw, key)  # invalid JSON fails before any request
        elif raw.startswith("@"):
            raw, kind = raw[1:], "file"
            if not raw:
                raise UsageError(f"missing file path after '@' in {arg!r}")
            if not Path(raw).expanduser().is_file():
                raise UsageError(f"input {key!r}: no such file: {raw}")
        if not key:
            raise UsageError(f"missing input name in {arg!r}")
        pairs.append(Pair(key, raw, kind))
    return pairs


def _json(raw: str, key: str) -> Any:
    def reject(name: str) -> Any:
        raise ValueError(f"{name} is not a JSON number")

    try:
        return json.loads(raw, parse_constant=reject)
    except ValueError as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise UsageError(f"invalid JSON for input {key!r}: {reason}") from None


def _literal(raw: str) -> Any:
    """A JSON literal when `raw` is one, else the text itself (the schema-less rule)."""
    try:
        return _json(raw, "")
    except UsageError:
        return raw


# -- schemas -------------------------------------------------------------------------------------

_JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object")


@dataclass
class _Prop:
    """One input's schema, with ``$ref`` and ``allOf`` resolved and the facts the CLI needs."""

    name: str
    types: list[str]
    """The JSON types allowed (empty: any)."""
    nullable: bool
    schema: Mapping[str, Any]
    items: _Prop | None = None
    enum: list[Any] | None = None
    file: bool = False
    """Whether the input (or its items) is a URI: a file can be given with ``@path``."""
    order: int = 0
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    @property
    def type_name(self) -> str:
        if not self.types:
            return "any"
        names: list[str] = []
        for t in self.types:
            if t == "array" and self.items is not None:
                names.append(f"array of {self.items.type_name}")
            elif t == "string" and self.file:
                names.append("file")
            else:
                names.append(t)
        return " or ".join(names)


def _as_mapping(value: object) -> Mapping[str, Any]:
    return cast("Mapping[str, Any]", value) if isinstance(value, Mapping) else {}


def _resolve(
    schema: Mapping[str, Any], document: Mapping[str, Any], depth: int = 0
) -> dict[str, Any]:
    """Inline ``$ref`` and merge ``allOf`` (as Cog writes enums: ``allOf: [{$ref}]``)."""
    merged: dict[str, Any] = {}
    if depth > 20:
        return merged
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: object = document
        for part in ref[2:].split("/"):
            target = _as_mapping(target).get(part)
        merged.update(_resolve(_as_mapping(target), document, depth + 1))
    all_of = schema.get("allOf")
    if isinstance(all_of, list):
        for piece in cast("list[object]", all_of):
            merged.update(_resolve(_as_mapping(piece), document, depth + 1))
    merged.update({k: v for k, v in schema.items() if k not in ("$ref", "allOf")})
    return merged


def _prop(name: str, raw: Mapping[str, Any], document: Mapping[str, Any]) -> _Prop:
    schema = _resolve(raw, document)
    nullable = bool(schema.get("nullable"))
    types: list[str] = []
    declared = schema.get("type")
    alternatives: list[Mapping[str, Any]] = []
    for key in ("anyOf", "oneOf"):
        value = schema.get(key)
        if isinstance(value, list):
            alternatives.extend(
                _resolve(_as_mapping(v), document) for v in cast("list[object]", value)
            )
    if isinstance(declared, str):
        types.append(declared)
    elif isinstance(declared, list):
        types.extend(t for t in cast("list[object]", declared) if isinstance(t, str))
    items: _Prop | None = None
    enum = schema.get("enum")
    file = schema.get("format") == "uri"
    for alt in alternatives:
        alt_type = alt.get("type")
        if isinstance(alt_type, str) and alt_type not in types:
            types.append(alt_type)
        if alt.get("format") == "uri":
            file = True
        if enum is None and isinstance(alt.get("enum"), list):
            enum = alt.get("enum")
        if items is None and isinstance(alt.get("items"), Mapping):
            items = _prop(name, _as_mapping(alt.get("items")), document)
    if "null" in types:
        types.remove("null")
        nullable = True
    types = [t for t in types if t in _JSON_TYPES]
    if items is None and isinstance(schema.get("items"), Mapping):
        items = _prop(name, _as_mapping(schema.get("items")), document)
    if items is not None and items.file:
        file = True
    order = schema.get("x-order")
    return _Prop(
        name=name,
        types=types,
        nullable=nullable,
        schema=schema,
        items=items,
        enum=list(cast("Sequence[Any]", enum)) if isinstance(enum, list) else None,
        file=file,
        order=order if isinstance(order, int) else 0,
    )


def _show(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class InputSchema:
    """The inputs a model version accepts, read from its OpenAPI document."""

    def __init__(
        self,
        label: str,
        properties: Mapping[str, Any],
        document: Mapping[str, Any],
        required: Sequence[str] = (),
    ) -> None:
        """Build it from an object schema's ``properties`` (see `from_openapi`).

        Args:
            label: How to name the model in messages (``owner/name``).
            properties: The ``properties`` of the Input schema.
            document: The whole OpenAPI document (for ``$ref``).
            required: The required input names.
        """
        self.label = label
        """How messages name the model."""
        self.props = {
            name: _prop(name, _as_mapping(raw), document) for name, raw in properties.items()
        }
        self.required = [name for name in required if name in self.props]
        """The required input names."""

    @classmethod
    def from_openapi(
        cls, label: str, document: Mapping[str, Any] | None, *, name: str = "Input"
    ) -> InputSchema | None:
        """Read ``components.schemas.<name>`` of a version's OpenAPI document.

        Args:
            label: How to name the model in messages.
            document: The version's ``openapi_schema`` (None when it has none).
            name: The schema to read: ``Input``, or ``TrainingInput`` for trainings.

        Returns:
            The schema, or None when the document has no such object schema.
        """
        if not document:
            return None
        schema = _as_mapping(
            _as_mapping(_as_mapping(document.get("components")).get("schemas")).get(name)
        )
        schema = _resolve(schema, document)
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return None
        required = schema.get("required")
        names = (
            [r for r in cast("list[object]", required) if isinstance(r, str)]
            if isinstance(required, list)
            else []
        )
        return cls(label, cast("Mapping[str, Any]", properties), document, names)

    def describe(self) -> str:
        """A table of the inputs: name, type, default or ``required``, choices and limits."""
        if not self.props:
            return f"{self.label} takes no inputs"
        rows: list[tuple[str, str, str]] = []
        for prop in sorted(self.props.values(), key=lambda p: p.order):
            notes: list[str] = []
            if prop.name in self.required:
                notes.append("required")
            elif "default" in prop.schema:
                notes.append(f"default {_show(prop.schema['default'])}")
            if prop.enum is not None:
                notes.append("one of " + ", ".join(_show(v) for v in prop.enum))
            for key, word in (("minimum", "min"), ("maximum", "max")):
                if isinstance(prop.schema.get(key), int | float):
                    notes.append(f"{word} {prop.schema[key]}")
            rows.append((prop.name, prop.type_name, "  ".join(notes)))
        width = max(len(r[0]) for r in rows)
        type_width = max(len(r[1]) for r in rows)
        lines = [f"inputs of {self.label}:"]
        lines += [f"  {n:<{width}}  {t:<{type_width}}  {notes}".rstrip() for n, t, notes in rows]
        return "\n".join(lines)

    def refuse(self, message: str) -> UsageError:
        """A usage error: `message`, then the listing of the valid inputs."""
        return UsageError(f"{message}\n{self.describe()}")

    def convert(self, pairs: Sequence[Pair]) -> dict[str, Any]:
        """Convert and check the pairs against the schema.

        Raises:
            UsageError: An unknown key, a missing required input, a repeated key that is not an
                array, or a value that does not fit its input's type.
        """
        result: dict[str, Any] = {}
        for pair in pairs:
            prop = self.props.get(pair.key)
            if prop is None:
                close = difflib.get_close_matches(pair.key, list(self.props), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.refuse(f"{self.label} has no input {pair.key!r}{hint}")
            value = self._value(prop, pair)
            if pair.key in result:
                if (
                    "array" not in prop.types
                    or pair.kind == "json"
                    or not isinstance(result[pair.key], list)
                ):
                    raise UsageError(f"input {pair.key!r} given more than once")
                existing = cast("list[Any]", result[pair.key])
                existing.extend(cast("list[Any]", value))
            else:
                result[pair.key] = value
        missing = [name for name in self.required if name not in result]
        if missing:
            names = ", ".join(repr(m) for m in missing)
            raise self.refuse(
                f"{self.label} needs the input{'s' if len(missing) > 1 else ''} {names}"
            )
        return result

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Check an input given as JSON (a batch line): known keys, types, required inputs.

        Raises:
            UsageError: As `convert`.
        """
        result: dict[str, Any] = {}
        for key, value in values.items():
            prop = self.props.get(key)
            if prop is None:
                close = difflib.get_close_matches(key, list(self.props), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.refuse(f"{self.label} has no input {key!r}{hint}")
            result[key] = self._check(prop, value)
        missing = [name for name in self.required if name not in result]
        if missing:
            raise self.refuse(f"{self.label} needs the input {missing[0]!r}")
        return result

    def _value(self, prop: _Prop, pair: Pair) -> Any:
        if pair.kind == "file":
            if prop.types and not ({"string", "array"} & set(prop.types)):
                raise self.refuse(
                    f"input {prop.name!r} is {_article(prop.type_name)}, not a file: "
                    f"{prop.name}=@{pair.raw}"
                )
            path = Path(pair.raw).expanduser()
            if "array" in prop.types and "string" not in prop.types:
                return [path]
            return path
        if pair.kind == "json":
            return self._check(prop, _json(pair.raw, prop.name))
        return self._text(prop, pair.raw)

    def _text(self, prop: _Prop, raw: str) -> Any:
        if not prop.types:
            return self._check(prop, _literal(raw))
        if raw == "null" and prop.nullable and "string" not in prop.types:
            return None
        problems: list[str] = []
        for kind in prop.types:
            try:
                value = _from_text(kind, raw, prop, self)
            except _Mismatch as exc:
                problems.append(str(exc))
                continue
            return self._check(prop, value)
        raise self.refuse(f"input {prop.name!r} must be {_article(prop.type_name)}: {problems[0]}")

    def _check(self, prop: _Prop, value: Any) -> Any:
        """Check a value's JSON type, choices and limits; integral floats become ints."""
        if value is None:
            if prop.nullable or not prop.types:
                return None
            raise self.refuse(f"input {prop.name!r} must be {_article(prop.type_name)}, not null")
        if prop.types:
            fitted = _fit(prop, value)
            if fitted is _NO_FIT:
                raise self.refuse(
                    f"input {prop.name!r} must be {_article(prop.type_name)}, "
                    f"not {json_type_name(value)} {_show(value)}"
                )
            value = fitted
            if isinstance(fitted, list) and prop.items is not None:
                items = cast("Sequence[Any]", fitted)
                value = [self._check(prop.items, v) for v in items]
        return self._limits(prop, value)

    def _limits(self, prop: _Prop, value: Any) -> Any:
        """Check a value of the right type against the input's choices and limits."""
        if prop.enum is not None and value not in prop.enum:
            choices = ", ".join(_show(v) for v in prop.enum)
            raise self.refuse(f"input {prop.name!r} must be one of {choices}, not {_show(value)}")
        if isinstance(value, int | float) and not isinstance(value, bool):
            low, high = prop.schema.get("minimum"), prop.schema.get("maximum")
            if isinstance(low, int | float) and value < low:
                raise self.refuse(f"input {prop.name!r} must be at least {low}, not {value}")
            if isinstance(high, int | float) and value > high:
                raise self.refuse(f"input {prop.name!r} must be at most {high}, not {value}")
        return value


class _Mismatch(ValueError):
    pass


_NO_FIT = object()
_INT = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _article(name: str) -> str:
    return ("an " if name[:1] in "aeiou" else "a ") + name


def _fit(prop: _Prop, value: Any) -> Any:
    for kind in prop.types:
        if kind == "string" and isinstance(value, str | Path):
            return value
        if kind == "boolean" and isinstance(value, bool):
            return value
        if isinstance(value, bool):
            continue
        if kind == "integer":
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        if kind == "number" and isinstance(value, int | float):
            return value
        if kind == "array" and isinstance(value, list):
            return list(cast("Sequence[Any]", value))
        if kind == "object" and isinstance(value, dict):
            return cast("dict[str, Any]", value)
    return _NO_FIT


def _from_text(kind: str, raw: str, prop: _Prop, schema: InputSchema) -> Any:
    text = raw.strip()
    if kind == "string":
        return raw
    if kind == "integer":
        if not _INT.fullmatch(text):
            raise _Mismatch(f"{raw!r} is not an integer")
        return int(text)
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            raise _Mismatch(f"{raw!r} is not a number")
        number = float(text)
        if not math.isfinite(number):
            raise _Mismatch(f"{raw!r} is not a finite number")
        return int(text) if _INT.fullmatch(text) else number
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise _Mismatch(f"{raw!r} is not true or false")
    if kind == "array":
        if text.startswith("["):
            return _json(text, prop.name)
        if prop.items is None:
            return [_literal(raw)]
        return [schema._text(prop.items, raw)]  # pyright: ignore[reportPrivateUsage]
    if kind == "object":
        value = _json(text, prop.name)
        if not isinstance(value, dict):
            raise _Mismatch(f"{raw!r} is not a JSON object")
        return cast("dict[str, Any]", value)
    raise _Mismatch(f"unsupported type {kind}")


def build_input(args: Sequence[str], schema: InputSchema | None) -> dict[str, Any]:
    """Parse and convert command-line inputs.

    Args:
        args: ``key=value``, ``key:=json`` and ``key=@path`` arguments.
        schema: The model's input schema, or None to use the JSON-literal rules.

    Returns:
        The input mapping (file inputs as `pathlib.Path`, which the client uploads).

    Raises:
        UsageError: See `parse_pairs` and `InputSchema.convert`.
    """
    pairs = parse_pairs(args)
    if schema is not None:
        return schema.convert(pairs)
    result: dict[str, Any] = {}
    for pair in pairs:
        if pair.key in result:
            raise UsageError(f"input {pair.key!r} given more than once")
        if pair.kind == "file":
            result[pair.key] = Path(pair.raw).expanduser()
        elif pair.kind == "json":
            result[pair.key] = _json(pair.raw, pair.key)
        else:
            result[pair.key] = _literal(pair.raw)
    return result


def parse_cancel_after(text: str | None) -> float | str | None:
    """Return ``--cancel-after`` as seconds when it is a bare number, else the duration string.

    Args:
        text: The option's value, e.g. ``"30"`` or ``"5m"``.

    Returns:
        A float, the original string, or None when the option was not given.
    """
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text
