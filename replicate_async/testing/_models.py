"""Registered model code: signature analysis, Cog-style schemas, input validation, log lines.

A model is a plain Python callable: a function (its return value is the output), an async
function, or a sync or async generator (each yield is an output chunk; `Log` and `Progress`
yields are log lines). Input keys are passed as keyword arguments. The function's signature
gives the version's ``openapi_schema`` (Cog's shape: ``components.schemas.Input`` and
``Output``) and drives validation: a create whose input misses a required parameter, names an
unknown one (unless the function takes ``**kwargs``) or has a value of the wrong JSON type is
refused with a 422 problem document, before any prediction exists.
"""

from __future__ import annotations

import collections.abc
import contextlib
import inspect
import pathlib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Union

from .._serde import json_type_name

__all__ = ["Log", "ModelSpec", "Progress", "progress_line", "wrong_type"]

FuncKind = Literal["function", "async_function", "generator", "async_generator"]


@dataclass(frozen=True, slots=True)
class Log:
    """A log line; yield it from a generator model to append it to the prediction's logs.

    Example:
        ```python
        @emu.model("acme/llm")
        async def llm(prompt: str):
            yield Log("loading weights")
            yield "Hello"
        ```
    """

    text: str
    """The line (without its trailing newline)."""

    @classmethod
    def progress(cls, current: int, total: int) -> Log:
        """A tqdm-style progress line, e.g. `` 40%|████      | 2/5 [00:00<00:00, 1.00it/s]``.

        Args:
            current: Steps done.
            total: Steps in all.

        Returns:
            The log line.
        """
        return cls(progress_line(current, total))


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report; yield it to log a tqdm-style progress line.

    Replicate's clients (and ``Prediction.progress``) read progress from these lines.
    """

    current: int
    """Steps done."""
    total: int
    """Steps in all."""

    def line(self) -> str:
        """The tqdm-style log line."""
        return progress_line(self.current, self.total)


_PARTIALS = " ▏▎▍▌▋▊▉"


def progress_line(current: int, total: int) -> str:
    """Format a tqdm progress bar line."""
    total = max(int(total), 1)
    current = min(max(int(current), 0), total)
    fraction = current / total
    eighths = int(fraction * 80)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_PARTIALS[part] if full < 10 else "")
    bar = bar.ljust(10)
    return f"{int(fraction * 100):3d}%|{bar}| {current}/{total} [00:00<00:00, 10.00it/s]"


# -- signature analysis -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Type:
    kind: str
    """string, integer, number, boolean, file, bytes, array, object or any."""
    schema: dict[str, Any]
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    items: _Type | None = None


_ANY = _Type("any", {})


def _analyse(annotation: Any) -> _Type:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return _ANY
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Union or origin is types.UnionType:
        rest = [a for a in args if a not in (type(None), Log, Progress)]
        inner = _analyse(rest[0]) if len(rest) == 1 else _ANY
        nullable = type(None) in args
        return _Type(inner.kind, inner.schema, nullable, inner.enum, inner.items)
    if origin is Literal:
        values = tuple(args)
        base = _analyse(type(values[0])) if values else _ANY
        return _Type(base.kind, {**base.schema, "enum": list(values)}, False, values)
    if origin in (list, tuple, collections.abc.Sequence, collections.abc.Iterable):
        item = _analyse(args[0]) if args else _ANY
        return _Type("array", {"type": "array", "items": item.schema}, items=item)
    if origin in (dict, collections.abc.Mapping) or annotation in (dict, collections.abc.Mapping):
        return _Type("object", {"type": "object"})
    if annotation is list:
        return _Type("array", {"type": "array", "items": {}}, items=_ANY)
    if annotation is bool:
        return _Type("boolean", {"type": "boolean"})
    if annotation is int:
        return _Type("integer", {"type": "integer"})
    if annotation is float:
        return _Type("number", {"type": "number"})
    if annotation is str:
        return _Type("string", {"type": "string"})
    if isinstance(annotation, type) and issubclass(annotation, pathlib.PurePath):
        return _Type("file", {"type": "string", "format": "uri"})
    if annotation in (bytes, bytearray):
        return _Type("bytes", {"type": "string", "format": "uri"})
    return _ANY


@dataclass(frozen=True, slots=True)
class _Param:
    name: str
    type: _Type
    required: bool
    default: Any


def _kind_of(func: Callable[..., Any]) -> FuncKind:
    if inspect.isasyncgenfunction(func):
        return "async_generator"
    if inspect.isgeneratorfunction(func):
        return "generator"
    if inspect.iscoroutinefunction(func):
        return "async_function"
    call = getattr(func, "__call__", None)  # noqa: B004 - callable objects with async __call__
    if call is not None and inspect.iscoroutinefunction(call):
        return "async_function"
    return "function"


class ModelSpec:
    """A registered model function with its schema and calling convention."""

    def __init__(
        self,
        func: Callable[..., Any],
        *,
        stream: bool | None = None,
        thread: bool = True,
        setup_time: float = 0.0,
    ) -> None:
        if not callable(func):
            raise TypeError(f"a model must be callable, not {type(func).__name__}")
        self.func = func
        self.kind: FuncKind = _kind_of(func)
        self.streams: bool = (
            self.kind in ("generator", "async_generator") if stream is None else stream
        )
        self.thread = thread
        self.setup_time: float = float(setup_time)
        self.params: list[_Param] = []
        self.accepts_kwargs: bool = False
        signature = inspect.signature(func)
        try:
            hints = typing.get_type_hints(func)
        except Exception:  # unresolvable annotations: fall back to none
            hints = {}
        for param in signature.parameters.values():
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                self.accepts_kwargs = True
                continue
            if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
                continue
            annotation = hints.get(param.name, param.annotation)
            ptype = _analyse(annotation)
            required = param.default is inspect.Parameter.empty
            self.params.append(_Param(param.name, ptype, required, param.default))
        self.return_annotation: Any = hints.get("return", signature.return_annotation)
        self.doc: str | None = inspect.getdoc(func)

    def admission(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Entered around a run, from before ``processing``: waits for a free slot if any."""
        return contextlib.nullcontext()

    # -- schema ---------------------------------------------------------------------------

    def input_schema(self) -> dict[str, Any]:
        """The Cog ``Input`` schema."""
        properties: dict[str, Any] = {}
        for order, param in enumerate(self.params):
            prop: dict[str, Any] = {"title": param.name.replace("_", " ").title()}
            prop.update(param.type.schema)
            prop["x-order"] = order
            if not param.required and _json_safe(param.default):
                prop["default"] = param.default
            if param.type.nullable:
                prop["nullable"] = True
            properties[param.name] = prop
        schema: dict[str, Any] = {"type": "object", "title": "Input", "properties": properties}
        required = [p.name for p in self.params if p.required]
        if required:
            schema["required"] = required
        return schema

    def output_schema(self) -> dict[str, Any]:
        """The Cog ``Output`` schema."""
        annotation = self.return_annotation
        if self.kind in ("generator", "async_generator"):
            args = typing.get_args(annotation)
            item = _analyse(args[0]) if args else _ANY
            schema: dict[str, Any] = {
                "type": "array",
                "items": item.schema,
                "title": "Output",
                "x-cog-array-type": "iterator",
            }
            if item.kind in ("string", "any"):
                schema["items"] = {"type": "string"}
                schema["x-cog-array-display"] = "concatenate"
            return schema
        out = _analyse(annotation)
        return {**out.schema, "title": "Output"}

    def openapi_schema(self) -> dict[str, Any]:
        """A Cog-style OpenAPI document for the version."""
        return {
            "openapi": "3.0.2",
            "info": {"title": "Cog", "version": "0.1.0"},
            "paths": {
                "/predictions": {
                    "post": {
                        "summary": "Predict",
                        "operationId": "predict_predictions_post",
                        "requestBody": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/PredictionRequest"}
                                }
                            }
                        },
                        "responses": {
                            "200": {
                                "description": "Successful Response",
                                "content": {
                                    "application/json": {
                                        "schema": {
                                            "$ref": "#/components/schemas/PredictionResponse"
                                        }
                                    }
                                },
                            }
                        },
                    }
                }
            },
            "components": {
                "schemas": {
                    "Input": self.input_schema(),
                    "Output": self.output_schema(),
                    "PredictionRequest": {
                        "type": "object",
                        "title": "PredictionRequest",
                        "properties": {"input": {"$ref": "#/components/schemas/Input"}},
                    },
                    "PredictionResponse": {
                        "type": "object",
                        "title": "PredictionResponse",
                        "properties": {"output": {"$ref": "#/components/schemas/Output"}},
                    },
                }
            },
        }

    # -- validation -------------------------------------------------------------------------

    def validate(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """Check an input object; return (field, description) pairs in gojsonschema style."""
        problems: list[tuple[str, str]] = []
        known = {p.name for p in self.params}
        for param in self.params:
            if param.required and param.name not in data:
                problems.append(("input", f"{param.name} is required"))
        if not self.accepts_kwargs:
            for key in data:
                if key not in known:
                    problems.append(("input", f"Additional property {key} is not allowed"))
        for param in self.params:
            if param.name in data:
                problem = _check(param.type, data[param.name])
                if problem:
                    problems.append((f"input.{param.name}", problem))
        return problems


def _check(ptype: _Type, value: Any) -> str | None:
    if value is None:
        return None if ptype.nullable or ptype.kind == "any" else _mismatch(ptype, value)
    kind = ptype.kind
    if ptype.enum is not None and value not in ptype.enum:
        allowed = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in ptype.enum)
        return f"must be one of the following: {allowed}"
    ok = True
    if kind in ("string", "file", "bytes"):
        ok = isinstance(value, str)
    elif kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        if isinstance(value, float) and value.is_integer():
            ok = True
    elif kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    elif kind == "array":
        ok = isinstance(value, list)
        if ok and ptype.items is not None:
            for item in value:  # pyright: ignore[reportUnknownVariableType]
                if _check(ptype.items, item):
                    return _check(ptype.items, item)
    elif kind == "object":
        ok = isinstance(value, dict)
    return None if ok else _mismatch(ptype, value)


def _mismatch(ptype: _Type, value: Any) -> str:
    expected = {"file": "string", "bytes": "string"}.get(ptype.kind, ptype.kind)
    return wrong_type(expected, value)


def wrong_type(expected: str, value: object) -> str:
    """The description of a value of the wrong JSON type, as the API words it."""
    return f"Invalid type. Expected: {expected}, given: {json_type_name(value)}"


def _json_safe(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
