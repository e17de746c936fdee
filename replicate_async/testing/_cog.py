"""Cog predictors as emulated models: ``Emulator.register_cog`` (the optional ``cog`` extra).

A Cog model is a ``cog.yaml`` (``predict: "predict.py:Predictor"``, optionally ``train:`` and
``concurrency: {max: N}``) and a predictor: a `BaseRunner` with ``run()`` or a `BasePredictor`
with ``predict()``, or a plain function. It runs here unchanged:

- the version's ``openapi_schema`` is assembled from Cog's own inspection of the predictor
  (``cog._inspector.create_predictor``: every input's type, default, ``ge``/``le``, lengths,
  pattern, choices, description and order, and the output type) with the rules ``cog build``
  applies (choices as ``allOf`` references to an enumeration, titles, ``x-order``, nullable
  optionals, ``required``), and a trainer's schema merged in as ``TrainingInput`` and
  ``TrainingOutput``;
- input is validated against that schema (422 before anything runs); unknown keys are dropped,
  as Cog drops them;
- ``setup()`` runs once, at registration or (``lazy_setup=True``) before the first prediction;
- sync code runs in a worker thread, ``async def`` code on an asyncio event loop of the model's
  own (as in Cog's worker, whatever loop the emulator runs on); predictions run one at a time
  per model unless ``concurrency`` (or ``cog.yaml``'s ``concurrency.max``) allows more;
- ``print`` output (and logging that reaches stdout or stderr) becomes the prediction's logs;
- cancelling raises ``cog.CancelationException`` inside a sync ``predict()`` (Cog injects it
  into the predicting thread the same way) and cancels an async one's task;
- ``Path``/``File`` inputs arrive as local files (from Files API uploads, data URIs or the
  emulator's own URLs); returned paths, files and iterators become file outputs and streamed
  output as the API serves them.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import enum
import hashlib
import importlib
import importlib.util
import inspect
import io
import mimetypes
import os
import pathlib
import re
import sys
import tempfile
import threading
import traceback
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from contextvars import ContextVar
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, cast

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

from .._serde import json_type_name
from ._core import InputFileError
from ._models import ModelSpec, wrong_type
from ._runner import _CURRENT, NamedBytes, _sniff  # pyright: ignore[reportPrivateUsage]

if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

    from ._emulator import Emulator
    from ._state import Job

__all__ = ["CogLoadError", "CogModel", "CogSpec", "cog_emulator", "load_cog", "register_cog"]

EXTRA_HINT = "pip install 'replicate-async[cog]'"
MIN_COG = (0, 20)
CANCEL_GRACE = 30.0
"""Real seconds a cancelled predictor gets to stop before its slot is given up on."""


class CogLoadError(Exception):
    """A ``cog.yaml`` or a predictor that cannot be loaded, with the file and line to look at.

    Attributes:
        path: The file at fault (``cog.yaml``, the predictor module, or a module it imports).
        line: The 1-based line in `path`, when known.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str], line: int | None = None):
        self.path: str = str(path)
        self.line: int | None = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


# -- the cog package ------------------------------------------------------------------------------


def import_cog() -> ModuleType:
    """Import ``cog``, or explain that the ``cog`` extra is needed."""
    try:
        cog = importlib.import_module("cog")
    except ImportError as exc:
        raise ImportError(
            "running a Cog model in the emulator needs the `cog` package, which the `cog` extra "
            f"installs: {EXTRA_HINT}"
        ) from exc
    version = tuple(int(p) for p in re.findall(r"\d+", str(cog.__version__))[:2])
    if version < MIN_COG or not hasattr(cog, "BaseRunner"):
        raise ImportError(
            f"the emulator needs cog {MIN_COG[0]}.{MIN_COG[1]} or later (found "
            f"{cog.__version__}): {EXTRA_HINT}"
        )
    return cog


def _inspector() -> Any:
    return importlib.import_module("cog._inspector")


def _adt() -> Any:
    return importlib.import_module("cog._adt")


# -- cog.yaml -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Ref:
    file: pathlib.Path
    name: str | None
    where: pathlib.Path
    line: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class CogConfig:
    """What ``cog.yaml`` (or a bare ``predict.py:Predictor`` reference) says."""

    root: pathlib.Path
    predict: _Ref | None
    train: _Ref | None
    concurrency: int | None


def _parse_ref(text: str, root: pathlib.Path, where: pathlib.Path, line: int | None) -> _Ref:
    file, sep, name = text.rpartition(":")
    if not sep or not file.endswith(".py"):
        file, name = text, ""
    path = (root / file).resolve()
    if not path.is_file():
        raise CogLoadError(f"{text!r}: no such file {path}", path=where, line=line)
    return _Ref(path, name or None, where, line)


def read_config(source: str | os.PathLike[str]) -> CogConfig:
    """Read ``cog.yaml`` (or a directory holding one, or ``path/to/predict.py:Predictor``)."""
    text = os.fspath(source)
    path = pathlib.Path(text)
    if path.is_dir():
        path = path / "cog.yaml"
    if path.suffix not in (".yaml", ".yml"):
        root = pathlib.Path(text.rpartition(":")[0] if ".py:" in text else text).resolve().parent
        file = pathlib.Path(text.rpartition(":")[0] if ".py:" in text else text).resolve()
        ref = f"{file.name}:{text.rpartition(':')[2]}" if ".py:" in text else file.name
        return CogConfig(root, _parse_ref(ref, root, file, None), None, None)
    yaml: Any = importlib.import_module("yaml")  # a dependency of cog

    path = path.resolve()
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CogLoadError(f"cannot read it: {exc.strerror or exc}", path=path) from exc
    try:
        node = yaml.compose(content, Loader=yaml.SafeLoader)
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise CogLoadError(f"invalid YAML: {problem}", path=path, line=line) from exc
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
    if not isinstance(data, dict):
        raise CogLoadError("expected a mapping with a `predict` key", path=path, line=1)
    config: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
    root = path.parent
    refs: dict[str, _Ref | None] = {}
    for key in ("predict", "train"):
        value = config.get(key)
        if value is None:
            refs[key] = None
            continue
        if not isinstance(value, str):
            raise CogLoadError(
                f'`{key}` must be a string like "predict.py:Predictor"',
                path=path,
                line=lines.get(key),
            )
        refs[key] = _parse_ref(value, root, path, lines.get(key))
    if refs["predict"] is None and refs["train"] is None:
        raise CogLoadError("no `predict` (or `train`) entry", path=path, line=1)
    concurrency: int | None = None
    section = config.get("concurrency")
    if isinstance(section, dict):
        maximum = section.get("max")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if not isinstance(maximum, int) or isinstance(maximum, bool) or maximum < 1:
            raise CogLoadError(
                "`concurrency.max` must be a positive integer",
                path=path,
                line=lines.get("concurrency"),
            )
        concurrency = maximum
    return CogConfig(root, refs["predict"], refs["train"], concurrency)


# -- loading the predictor -------------------------------------------------------------------------


def _user_frame(exc: BaseException, root: pathlib.Path) -> tuple[str, int] | None:
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        return exc.filename, exc.lineno
    found: tuple[str, int] | None = None
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            inside = pathlib.Path(frame.filename).resolve().is_relative_to(root)
        except (OSError, ValueError):
            inside = False
        if inside and frame.lineno is not None:
            found = (frame.filename, frame.lineno)
    return found


def _fail(message: str, exc: BaseException, ref: _Ref, root: pathlib.Path) -> CogLoadError:
    where = _user_frame(exc, root)
    detail = f"{message}: {type(exc).__name__}: {exc}"
    if where is None:
        return CogLoadError(detail, path=ref.file)
    return CogLoadError(detail, path=where[0], line=where[1])


def _import_module(ref: _Ref, root: pathlib.Path) -> tuple[ModuleType, str]:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # sibling imports, as with Cog's /src
    name = ref.file.stem
    existing = sys.modules.get(name)
    if existing is not None and getattr(existing, "__file__", None) != str(ref.file):
        digest = hashlib.sha256(str(ref.file).encode()).hexdigest()[:10]
        name = f"_cog_{digest}_{ref.file.stem}"
    module = sys.modules.get(name)
    if module is not None and getattr(module, "__file__", None) == str(ref.file):
        return module, name
    spec = importlib.util.spec_from_file_location(name, ref.file)
    if spec is None or spec.loader is None:
        raise CogLoadError("cannot import this file", path=ref.file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise _fail("importing the predictor failed", exc, ref, root) from exc
    return module, name


def _line_of(obj: Any) -> tuple[str, int | None]:
    try:
        file = inspect.getsourcefile(obj) or "<unknown>"
        return file, inspect.getsourcelines(obj)[1]
    except (OSError, TypeError):
        return "<unknown>", None


def _param_line(func: Any, message: str) -> tuple[str, int | None]:
    """The file and line of the parameter Cog's message is about (else of the ``def``)."""
    file, start = _line_of(func)
    if start is None:
        return file, None
    try:
        names = list(inspect.signature(func).parameters)
        lines, _ = inspect.getsourcelines(func)
    except (OSError, TypeError, ValueError):
        return file, start
    mentioned = [n for n in names if re.search(rf"\b{re.escape(n)}\b(?=:|$|\s)", message)]
    for name in mentioned[:1]:
        for offset, text in enumerate(lines[1:], 1):
            if re.match(rf"\s*{re.escape(name)}\s*[:=,)]", text) or re.search(
                rf"[(,]\s*{re.escape(name)}\s*:", text
            ):
                return file, start + offset
    return file, start


def _own_method(cls: type, names: tuple[str, ...], cog: ModuleType) -> str | None:
    bases = (cog.BaseRunner, cog.BasePredictor, object)
    for owner in cls.__mro__:
        if owner in bases:
            continue
        for name in names:
            if callable(owner.__dict__.get(name)):
                return name
    return None


@dataclasses.dataclass(slots=True)
class _Entry:
    """One callable of a Cog model (predict or train) and what Cog's inspection says of it."""

    mode: Literal["predict", "train"]
    target: Any
    """The class or function named by the reference."""
    method: str | None
    """``run``, ``predict`` or ``train`` on an instance of `target`, or None for a function."""
    info: Any
    """``cog._adt.PredictorInfo``."""
    fields: dict[str, Any]
    """Input name → Cog ``FieldInfo`` (or a raw default), from the signature."""
    file: pathlib.Path
    instance: Any = None
    is_async: bool = False
    is_async_gen: bool = False
    is_gen: bool = False

    @property
    def iterates(self) -> bool:
        kind = self.info.output.kind.name
        return kind in ("ITERATOR", "CONCAT_ITERATOR") or self.is_gen or self.is_async_gen

    def callable(self) -> Callable[..., Any]:
        if self.method is None:
            func: Callable[..., Any] = self.target
            return func
        bound: Callable[..., Any] = getattr(self.instance, self.method)
        return bound


def _inspect_entry(
    cog: ModuleType, ref: _Ref, root: pathlib.Path, mode: Literal["predict", "train"]
) -> _Entry:
    module, module_name = _import_module(ref, root)
    name = ref.name
    if name is None:
        name = "Runner" if hasattr(module, "Runner") else "Predictor"
        if mode == "train" and hasattr(module, "train"):
            name = "train"
    target = getattr(module, name, None)
    if target is None:
        raise CogLoadError(f"{ref.file.name} has no {name!r}", path=ref.where, line=ref.line)
    inspector = _inspector()
    method: str | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            if inspect.isclass(target):
                names = ("train",) if mode == "train" else ("run", "predict")
                method = _own_method(target, names, cog)
                if method is None:
                    raise CogLoadError(
                        f"{name} defines no {' or '.join(f'{n}()' for n in names)}",
                        path=_line_of(target)[0],
                        line=_line_of(target)[1],
                    )
                if mode == "train":
                    info = inspector._create_predictor_info(
                        module_name, name, getattr(target, method), "train", True
                    )
                else:
                    info = inspector.create_predictor(module_name, name)
                func = getattr(target, method)
            elif inspect.isfunction(target):
                info = inspector.create_predictor(module_name, name)
                func = target
            else:
                raise CogLoadError(
                    f"{name} is neither a class nor a function", path=ref.where, line=ref.line
                )
        except CogLoadError:
            raise
        except Exception as exc:
            subject = getattr(target, method) if method else target
            file, line = _param_line(subject, str(exc))
            raise CogLoadError(
                f"Cog cannot use this predictor: {exc}", path=file, line=line
            ) from exc
    signature = inspect.signature(func)
    fields = {
        p.name: p.default
        for p in signature.parameters.values()
        if p.default is not inspect.Parameter.empty
    }
    return _Entry(
        mode=mode,
        target=target,
        method=method,
        info=info,
        fields=fields,
        file=ref.file,
        is_async=inspect.iscoroutinefunction(func),
        is_async_gen=inspect.isasyncgenfunction(func),
        is_gen=inspect.isgeneratorfunction(func),
    )


# -- schema ----------------------------------------------------------------------------------------


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _title(name: str) -> str:
    return " ".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return _json_default(value.value)
    if isinstance(value, list | tuple):
        return [_json_default(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if hasattr(value, "get_secret_value"):
        return value.get_secret_value()
    return value


def _input_schema(entry: _Entry) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    adt = _adt()
    optional = (adt.Repetition.OPTIONAL, adt.Repetition.OPTIONAL_REPEATED)
    properties: dict[str, Any] = {}
    required: list[str] = []
    enums: list[tuple[str, dict[str, Any]]] = []
    for name, field in sorted(entry.info.inputs.items(), key=lambda kv: kv[1].order):  # pyright: ignore[reportUnknownLambdaType, reportUnknownArgumentType, reportUnknownMemberType]
        ftype = field.type
        prop: dict[str, Any] = {}
        if field.choices:
            enum_type = ftype.primitive.json_type().get("type") or "string"
            enums.append(
                (
                    name,
                    {
                        "title": name,
                        "description": "An enumeration.",
                        "enum": list(field.choices),
                        "type": enum_type,
                    },
                )
            )
            prop["allOf"] = [{"$ref": f"#/components/schemas/{name}"}]
        else:
            prop["title"] = _title(name)
            prop.update(ftype.json_type())
        prop["x-order"] = field.order
        nullable = ftype.repetition in optional
        if (
            ftype.primitive is adt.PrimitiveType.SECRET
            and ftype.repetition is adt.Repetition.REQUIRED
            and field.default is None
            and name in entry.fields
        ):
            nullable = True  # `key: Secret = Input(default=None)`: an optional credential
        default = field.default
        if isinstance(default, dataclasses.Field):  # default_factory: no static default
            default = None
        if default is not None:
            prop["default"] = _json_default(default)
        elif not nullable:
            required.append(name)
        if nullable:
            prop["nullable"] = True
        if field.description is not None:
            prop["description"] = field.description
        if field.ge is not None:
            prop["minimum"] = _number(field.ge)
        if field.le is not None:
            prop["maximum"] = _number(field.le)
        if field.min_length is not None:
            prop["minLength"] = field.min_length
        if field.max_length is not None:
            prop["maxLength"] = field.max_length
        if field.regex is not None:
            prop["pattern"] = field.regex
        if field.deprecated:
            prop["deprecated"] = True
        accept = getattr(entry.fields.get(name), "accept", None)
        if isinstance(accept, str):
            prop["x-cog-accept"] = accept
        properties[name] = prop
    schema: dict[str, Any] = {"title": "Input", "type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema, enums


def _openapi(entry: _Entry, cog_version: str) -> dict[str, Any]:
    train = entry.mode == "train"
    kind = "training" if train else "prediction"
    plural = f"{kind}s"
    input_key, output_key = ("TrainingInput", "TrainingOutput") if train else ("Input", "Output")
    request, response = (
        ("TrainingRequest", "TrainingResponse")
        if train
        else ("PredictionRequest", "PredictionResponse")
    )
    inputs, enums = _input_schema(entry)
    inputs["title"] = input_key
    output = dict(entry.info.output.json_type())
    output["title"] = output_key
    schemas: dict[str, Any] = {input_key: inputs, output_key: output}
    for name, schema in enums:
        schemas.setdefault(name, schema)
    string = {"type": "string"}
    schemas[request] = {
        "title": request,
        "type": "object",
        "properties": {
            "id": {"title": "Id", **string},
            "input": {"$ref": f"#/components/schemas/{input_key}"},
        },
    }
    schemas[response] = {
        "title": response,
        "type": "object",
        "properties": {
            "input": {"$ref": f"#/components/schemas/{input_key}"},
            "output": {"$ref": f"#/components/schemas/{output_key}"},
            "id": {"title": "Id", **string},
            "version": {"title": "Version", **string},
            "created_at": {"title": "Created At", **string, "format": "date-time"},
            "started_at": {"title": "Started At", **string, "format": "date-time"},
            "completed_at": {"title": "Completed At", **string, "format": "date-time"},
            "status": {"title": "Status", **string},
            "error": {"title": "Error", **string},
            "logs": {"title": "Logs", **string},
            "metrics": {"title": "Metrics", "type": "object"},
        },
    }
    schemas["Status"] = {
        "title": "Status",
        "description": "An enumeration.",
        "enum": ["starting", "processing", "succeeded", "canceled", "failed"],
        "type": "string",
    }
    schemas["HTTPValidationError"] = {
        "title": "HTTPValidationError",
        "type": "object",
        "properties": {
            "detail": {
                "title": "Detail",
                "type": "array",
                "items": {"$ref": "#/components/schemas/ValidationError"},
            }
        },
    }
    schemas["ValidationError"] = {
        "title": "ValidationError",
        "required": ["loc", "msg", "type"],
        "type": "object",
        "properties": {
            "loc": {
                "title": "Location",
                "type": "array",
                "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            },
            "msg": {"title": "Message", **string},
            "type": {"title": "Error Type", **string},
        },
    }
    invalid = {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }
    anything: dict[str, Any] = {
        "description": "Successful Response",
        "content": {"application/json": {"schema": {}}},
    }
    operation: dict[str, Any] = {
        "summary": "Train" if train else "Predict",
        "description": f"Run a single {kind} on the model",
        "operationId": f"{'train' if train else 'predict'}_{plural}_post",
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{request}"}}}
        },
        "responses": {
            "200": {
                "description": "Successful Response",
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{response}"}}
                },
            },
            "422": invalid,
        },
    }
    if not train and entry.iterates:
        operation["x-cog-streaming"] = True
    id_name = f"{kind}_id"
    paths: dict[str, Any] = {
        "/": {
            "get": {"summary": "Root", "operationId": "root__get", "responses": {"200": anything}}
        },
        "/health-check": {
            "get": {
                "summary": "Healthcheck",
                "operationId": "healthcheck_health_check_get",
                "responses": {"200": anything},
            }
        },
        f"/{plural}": {"post": operation},
        f"/{plural}/{{{id_name}}}/cancel": {
            "post": {
                "summary": "Cancel",
                "operationId": f"cancel_{plural}__{id_name}__cancel_post",
                "parameters": [
                    {
                        "required": True,
                        "schema": {"title": _title(id_name), "type": "string"},
                        "name": id_name,
                        "in": "path",
                    }
                ],
                "responses": {"200": anything, "422": invalid},
            }
        },
    }
    return {
        "openapi": "3.0.2",
        "info": {"title": "Cog", "version": cog_version},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _merge(predict: dict[str, Any], train: dict[str, Any]) -> dict[str, Any]:
    for path, item in train["paths"].items():
        predict["paths"].setdefault(path, item)
    for name, schema in train["components"]["schemas"].items():
        predict["components"]["schemas"].setdefault(name, schema)
    return predict


# -- validation ------------------------------------------------------------------------------------


def _type_ok(expected: str | None, value: Any) -> bool:
    given = json_type_name(value)
    if expected is None or expected == given:
        return True
    if expected == "number":
        return given == "integer"
    if expected == "integer":
        return isinstance(value, float) and value.is_integer()
    return False


def _check_value(schema: dict[str, Any], value: Any, enums: dict[str, Any]) -> str | None:
    if "allOf" in schema:
        ref = str(schema["allOf"][0]["$ref"]).rsplit("/", 1)[-1]
        return _check_value({**enums[ref], "x-order": 0}, value, enums)
    if "anyOf" in schema:
        if value is None and schema.get("nullable"):
            return None
        if any(_check_value(v, value, enums) is None for v in schema["anyOf"]):
            return None
        return "Must validate at least one schema (anyOf)"
    expected = schema.get("type")
    if not _type_ok(expected, value):
        return wrong_type(str(expected), value)
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in schema["enum"])
        return f"must be one of the following: {allowed}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return f"Must be greater than or equal to {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return f"Must be less than or equal to {schema['maximum']}"
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            return f"String length must be greater than or equal to {schema['minLength']}"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return f"String length must be less than or equal to {schema['maxLength']}"
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            return f"Does not match pattern '{schema['pattern']}'"
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:  # pyright: ignore[reportUnknownVariableType]
            problem = _check_value(schema["items"], item, enums)
            if problem is not None:
                return problem
    return None


# -- running ---------------------------------------------------------------------------------------


class _Sink:
    """Line-buffered log lines of one run, delivered to the job from any thread."""

    def __init__(self, job: Job, deliver: Callable[[Job, str], None]) -> None:
        self.job = job
        self._deliver = deliver
        self._token = anyio.lowlevel.current_token()
        self._loop_thread = threading.get_ident()
        self._buffer = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            self._buffer += text
            if "\n" not in self._buffer:
                return
            complete, _, self._buffer = self._buffer.rpartition("\n")
        self._send(complete)

    def flush(self) -> None:
        with self._lock:
            rest, self._buffer = self._buffer, ""
        if rest:
            self._send(rest)

    def _send(self, text: str) -> None:
        if threading.get_ident() == self._loop_thread:
            self._deliver(self.job, text)
            return
        with contextlib.suppress(RuntimeError):  # the emulator is gone: the line is dropped
            anyio.from_thread.run_sync(self._deliver, self.job, text, token=self._token)


_SINK: ContextVar[_Sink | None] = ContextVar("replicate_async_cog_sink", default=None)


class _Tee:
    """Stands in for sys.stdout / sys.stderr while Cog code runs: routes a run's writes."""

    def __init__(self, original: Any) -> None:
        self.original = original

    def write(self, s: str) -> int:
        sink = _SINK.get()
        if sink is None:
            return int(self.original.write(s))
        sink.write(s)
        return len(s)

    def flush(self) -> None:
        if _SINK.get() is None:
            self.original.flush()

    def isatty(self) -> bool:
        return False if _SINK.get() is not None else bool(self.original.isatty())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class _Capture:
    """Installs the stdout/stderr routers while any Cog run is in progress (reference counted)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved: tuple[Any, Any] | None = None

    @contextlib.contextmanager
    def active(self) -> Generator[None]:
        with self._lock:
            self._users += 1
            if self._users == 1:
                self._saved = (sys.stdout, sys.stderr)
                sys.stdout = _Tee(sys.stdout)
                sys.stderr = _Tee(sys.stderr)
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._saved is not None:
                    out, err = self._saved
                    if isinstance(sys.stdout, _Tee):
                        sys.stdout = out
                    if isinstance(sys.stderr, _Tee):
                        sys.stderr = err
                    self._saved = None


_CAPTURE = _Capture()


def _set_async_exc(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Raise `exc_type` in a thread at its next bytecode (None: withdraw a pending one)."""
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    exc = ctypes.py_object(exc_type) if exc_type is not None else None
    changed = set_async_exc(ctypes.c_ulong(thread_id), exc)
    if changed > 1:  # pragma: no cover - never more than one thread has this id
        set_async_exc(ctypes.c_ulong(thread_id), None)


class _ThreadCall:
    """One call in a (pooled) worker thread that can be interrupted, and only while it runs.

    Cog cancels a sync ``predict()`` by raising ``CancelationException`` in its thread. The
    exception is injected only while the call runs, and each call has a thread of its own, so
    it can never land in unrelated code. (A pending one is never withdrawn: withdrawing leaves
    the interpreter's eval breaker set for good.)
    """

    def __init__(self, exc_type: type[BaseException]) -> None:
        self._exc_type = exc_type
        self._lock = threading.Lock()
        self._thread: int | None = None
        self._state: Literal["new", "running", "over"] = "new"
        self._interrupted = threading.Event()

    def run(self, func: Callable[[], Any]) -> Any:
        with self._lock:
            if self._interrupted.is_set():  # cancelled before it started: never run it
                self._state = "over"
                raise self._exc_type()
            self._thread = threading.get_ident()
            self._state = "running"
        try:
            return func()
        finally:
            with self._lock:  # an exception injected while it ran is raised by this call
                self._state = "over"

    def interrupt(self) -> bool:
        """Interrupt the call; True if it is running (wait for it to stop) or will not run."""
        with self._lock:
            self._interrupted.set()
            if self._state == "running" and self._thread is not None:
                _set_async_exc(self._thread, self._exc_type)
                return True
            return False


class _AsyncioLoop:
    """An asyncio event loop on its own thread, for a model's ``async def`` code."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def loop(self) -> asyncio.AbstractEventLoop:
        import asyncio

        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="replicate-emulator-cog", daemon=True
                )
                thread.start()
                self._loop = loop
            return self._loop

    def submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro, self.loop())


async def _wait_future(future: concurrent.futures.Future[Any]) -> Any:
    done = anyio.Event()
    token = anyio.lowlevel.current_token()

    here = threading.get_ident()

    def wake(_: object) -> None:
        if threading.get_ident() == here:  # already done: called at once, in this thread
            done.set()
            return
        with contextlib.suppress(RuntimeError):
            anyio.from_thread.run_sync(done.set, token=token)

    future.add_done_callback(wake)
    try:
        await done.wait()
    except anyio.get_cancelled_exc_class():
        future.cancel()  # cancels the task on the model's loop: CancelledError in the code
        with anyio.CancelScope(shield=True), anyio.move_on_after(CANCEL_GRACE):
            await done.wait()
        raise
    return future.result()


class CogModel:
    """A loaded Cog model: its predictor instance, schemas, slots and event loop."""

    def __init__(
        self,
        config: CogConfig,
        *,
        concurrency: int | None = None,
        lazy_setup: bool = False,
        weights: str | None = None,
    ) -> None:
        self.cog = import_cog()
        self.config = config
        self.version = str(self.cog.__version__)
        self.predict: _Entry | None = None
        self.train: _Entry | None = None
        if config.predict is not None:
            self.predict = _inspect_entry(self.cog, config.predict, config.root, "predict")
        if config.train is not None:
            self.train = _inspect_entry(self.cog, config.train, config.root, "train")
        first = self.predict or self.train
        assert first is not None
        declared = getattr(
            first.callable() if first.method is None else getattr(first.target, first.method),
            "__cog_concurrent_max__",
            None,
        )
        if concurrency is not None and concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        self.concurrency = (
            concurrency or config.concurrency or (declared if isinstance(declared, int) else 1)
        )
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.weights = weights if weights is not None else os.environ.get("COG_WEIGHTS")
        self.loop = _AsyncioLoop()
        self._limiters: dict[object, anyio.CapacityLimiter] = {}
        self._setup_lock = threading.Lock()
        self._setup_done: dict[int, bool] = {}
        self._setup_error: BaseException | None = None
        for entry in (self.predict, self.train):
            if entry is not None and entry.method is not None:
                entry.instance = self._instance_for(entry)
        if not lazy_setup:
            self.ensure_setup()

    # -- instances and setup -------------------------------------------------------------------

    def _instance_for(self, entry: _Entry) -> Any:
        other = self.train if entry is self.predict else self.predict
        if other is not None and other.target is entry.target and other.instance is not None:
            return other.instance
        try:
            return entry.target()
        except Exception as exc:
            ref = _Ref(entry.file, None, entry.file, None)
            raise _fail("creating the predictor failed", exc, ref, self.config.root) from exc

    def ensure_setup(self) -> None:
        """Run each instance's ``setup()`` once (raises `CogLoadError` if it fails)."""
        with self._setup_lock:
            if self._setup_error is not None:
                raise self._setup_error
            for entry in (self.predict, self.train):
                if entry is None or entry.instance is None:
                    continue
                if self._setup_done.get(id(entry.instance)):
                    continue
                try:
                    self._setup(entry.instance)
                except Exception as exc:
                    ref = _Ref(entry.file, None, entry.file, None)
                    error = _fail("setup() failed", exc, ref, self.config.root)
                    error.__cause__ = exc
                    self._setup_error = error
                    raise error from exc
                self._setup_done[id(entry.instance)] = True

    def _setup(self, instance: Any) -> None:
        setup = getattr(instance, "setup", None)
        if setup is None:
            return
        kwargs: dict[str, Any] = {}
        if "weights" in inspect.signature(setup).parameters:
            kwargs["weights"] = self.weights
        if inspect.iscoroutinefunction(setup):
            self.loop.submit(setup(**kwargs)).result()
        else:
            setup(**kwargs)

    @property
    def setup_done(self) -> bool:
        """Whether setup has run for every instance."""
        return all(
            self._setup_done.get(id(e.instance))
            for e in (self.predict, self.train)
            if e is not None and e.instance is not None
        )

    # -- slots ------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncGenerator[None]:
        """A run's slot (``concurrency`` at once), then setup if it has not run yet."""
        key = anyio.lowlevel.current_token()
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = self._limiters[key] = anyio.CapacityLimiter(self.concurrency)
        async with limiter:
            if not self.setup_done and self._setup_error is None:
                with contextlib.suppress(CogLoadError):
                    await anyio.to_thread.run_sync(self.ensure_setup)
            yield


class CogSpec(ModelSpec):
    """A `ModelSpec` whose code is a Cog entry point (predict or train)."""

    def __init__(self, model: CogModel, entry: _Entry) -> None:
        self.model = model
        self.entry = entry
        if entry.iterates and entry.mode == "predict":
            super().__init__(self._iterate, stream=True, thread=False)
        else:
            super().__init__(self._call, stream=False, thread=False)
        doc = inspect.getdoc(entry.target) if entry.target.__doc__ else None
        if inspect.isclass(entry.target) and "__doc__" not in entry.target.__dict__:
            doc = None
        self.doc = doc
        self._schema = _openapi(entry, model.version)
        if entry.mode == "predict" and model.train is not None and model.train is not entry:
            self._schema = _merge(self._schema, _openapi(model.train, model.version))
        key = "TrainingInput" if entry.mode == "train" else "Input"
        self._enums = self._schema["components"]["schemas"]
        self._input = self._enums[key]

    # -- schema and validation ------------------------------------------------------------------

    def input_schema(self) -> dict[str, Any]:
        """The Cog ``Input`` schema."""
        schema: dict[str, Any] = self._input
        return schema

    def output_schema(self) -> dict[str, Any]:
        """The Cog ``Output`` schema."""
        key = "TrainingOutput" if self.entry.mode == "train" else "Output"
        schema: dict[str, Any] = self._enums[key]
        return schema

    def openapi_schema(self) -> dict[str, Any]:
        """The version's OpenAPI document, as ``cog build`` would make it."""
        return self._schema

    def validate(self, data: dict[str, Any]) -> list[tuple[str, str]]:
        """Check input against the schema (unknown keys are dropped later, as Cog does)."""
        problems: list[tuple[str, str]] = []
        properties: dict[str, Any] = self._input["properties"]
        for name in self._input.get("required", ()):
            if name not in data:
                problems.append(("input", f"{name} is required"))
        for name, prop in properties.items():
            if name in data:
                if data[name] is None and prop.get("nullable"):
                    continue
                problem = _check_value(prop, data[name], self._enums)
                if problem is not None:
                    problems.append((f"input.{name}", problem))
        return problems

    def admission(self) -> contextlib.AbstractAsyncContextManager[object]:
        """The model's slot (and a lazy setup) before the run starts."""
        return self.model.slot()

    # -- running -------------------------------------------------------------------------------

    async def _call(self, **data: Any) -> Any:
        async with self._prepared(data) as (kwargs, sink):
            if self.entry.is_async:
                result = await _wait_future(
                    self.model.loop.submit(self._on_loop(self.entry.callable(), kwargs, sink))
                )
            else:
                result = await self._in_thread(self.entry.callable(), kwargs, sink)
            return self._output(result)

    async def _iterate(self, **data: Any) -> AsyncIterator[Any]:
        async with self._prepared(data) as (kwargs, sink):
            func = self.entry.callable()
            if self.entry.is_async_gen or self.entry.is_async:
                if self.entry.is_async_gen:
                    agen = func(**kwargs)
                else:
                    agen = await _wait_future(
                        self.model.loop.submit(self._on_loop(func, kwargs, sink))
                    )
                try:
                    while True:
                        future = self.model.loop.submit(self._anext(agen, sink))
                        done, item = await _wait_future(future)
                        if done:
                            break
                        yield self._output(item)
                finally:
                    with contextlib.suppress(Exception):
                        await _wait_future(self.model.loop.submit(agen.aclose()))
            else:
                iterator: Any = iter(await self._in_thread(func, kwargs, sink))
                sentinel = object()
                try:
                    while True:
                        item = await self._in_thread(
                            next, (iterator, sentinel), sink, positional=True
                        )
                        if item is sentinel:
                            break
                        yield self._output(item)
                finally:
                    close = getattr(iterator, "close", None)
                    if close is not None:
                        with contextlib.suppress(ValueError):  # still running: cancelled
                            close()

    @contextlib.asynccontextmanager
    async def _prepared(self, data: dict[str, Any]) -> AsyncGenerator[tuple[dict[str, Any], _Sink]]:
        context = _CURRENT.get()
        if context is None:  # pragma: no cover - the runner always sets it
            raise RuntimeError("a Cog model runs inside the emulator only")
        if self.model._setup_error is not None:  # pyright: ignore[reportPrivateUsage]
            raise RuntimeError(f"Model setup failed: {self.model._setup_error}")  # pyright: ignore[reportPrivateUsage]
        sink = _Sink(context.job, context.runner.log)
        workdir = tempfile.TemporaryDirectory(prefix="replicate-emulator-cog-")
        opened: list[Any] = []
        try:
            kwargs = self._inputs(
                data, context.runner.core.resolve_input_file, pathlib.Path(workdir.name), opened
            )
            with _CAPTURE.active():
                yield kwargs, sink
        finally:
            sink.flush()
            for handle in opened:
                with contextlib.suppress(Exception):
                    handle.close()
            workdir.cleanup()

    def _inputs(
        self,
        data: dict[str, Any],
        resolve: Callable[[str], tuple[bytes, str]],
        workdir: pathlib.Path,
        opened: list[Any],
    ) -> dict[str, Any]:
        adt = _adt()
        cog = self.model.cog
        kwargs: dict[str, Any] = {}
        for name, field in self.entry.info.inputs.items():
            ftype = field.type
            if name in data and data[name] is not None:
                value = data[name]
            else:
                default = field.default
                if isinstance(default, dataclasses.Field):
                    factory: Any = getattr(default, "default_factory", None)  # pyright: ignore[reportUnknownArgumentType]
                    value = factory() if callable(factory) else None
                else:
                    value = default
                if value is None:
                    kwargs[name] = None
                    continue
            primitive = ftype.primitive
            if primitive in (adt.PrimitiveType.PATH, adt.PrimitiveType.FILE):
                many = isinstance(value, list)
                items: list[Any] = cast("list[Any]", value) if many else [value]
                local: list[Any] = []
                for index, item in enumerate(items):
                    if not isinstance(item, str) or (
                        "://" not in item and not item.startswith("data:")
                    ):
                        local.append(cog.Path(item) if isinstance(item, str) else item)
                        continue
                    try:
                        content, filename = resolve(item)
                    except InputFileError as exc:
                        raise RuntimeError(f"Failed to download input file: {exc}") from exc
                    folder = workdir / f"{name}-{index}"
                    folder.mkdir()
                    path = folder / (pathlib.Path(filename).name or "input")
                    path.write_bytes(content)
                    if primitive is adt.PrimitiveType.FILE:
                        handle = path.open("rb")
                        opened.append(handle)
                        local.append(handle)
                    else:
                        local.append(cog.Path(path))
                kwargs[name] = local if many else local[0]
            else:
                try:
                    kwargs[name] = ftype.normalize(value)
                except (TypeError, ValueError) as exc:
                    raise ValueError(f"{name}: {exc}") from exc
        return kwargs

    def _output(self, value: Any) -> Any:
        if isinstance(value, pathlib.PurePath):
            path = pathlib.Path(value)
            data = path.read_bytes()
            media = mimetypes.guess_type(path.name)[0] or _sniff(data)[1]
            return NamedBytes(data, path.name, media)
        if isinstance(value, io.IOBase):
            raw: Any = value.read()  # pyright: ignore[reportUnknownMemberType]
            data = raw.encode() if isinstance(raw, str) else bytes(raw)
            name = pathlib.Path(str(getattr(value, "name", "output"))).name or "output"
            return NamedBytes(data, name, mimetypes.guess_type(name)[0] or _sniff(data)[1])
        if hasattr(value, "get_secret_value"):
            return value.get_secret_value()
        if isinstance(value, enum.Enum):
            return self._output(value.value)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            if self.entry.mode == "train" and "weights" in fields:
                return self._output(fields["weights"])
            return {k: self._output(v) for k, v in fields.items()}
        dump = getattr(value, "model_dump", None)
        if callable(dump) and not isinstance(value, type):
            return self._output(dump())
        if isinstance(value, list | tuple):
            return [self._output(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
        if isinstance(value, dict):
            if self.entry.mode == "train" and "weights" in value:
                return self._output(value["weights"])
            return {str(k): self._output(v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        return value

    async def _in_thread(
        self, func: Callable[..., Any], args: Any, sink: _Sink, *, positional: bool = False
    ) -> Any:
        token = anyio.lowlevel.current_token()
        finished = anyio.Event()
        cancel_exc: type[BaseException] = self.model.cog.CancelationException
        call = _ThreadCall(cancel_exc)
        outcome: list[tuple[bool, Any]] = []

        def target() -> None:
            _SINK.set(sink)
            try:
                outcome.append(
                    (True, call.run(lambda: func(*args) if positional else func(**args)))
                )
            except BaseException as exc:  # handed to the event loop below
                outcome.append((False, exc))
            with contextlib.suppress(RuntimeError):  # the emulator is gone
                anyio.from_thread.run_sync(finished.set, token=token)

        thread = threading.Thread(target=target, name="replicate-emulator-cog-predict", daemon=True)
        thread.start()
        try:
            await finished.wait()
        except anyio.get_cancelled_exc_class():
            if call.interrupt():
                with anyio.CancelScope(shield=True), anyio.move_on_after(CANCEL_GRACE):
                    await finished.wait()
            raise
        ok, value = outcome[0]
        if ok:
            return value
        if isinstance(value, Exception):
            raise value
        raise RuntimeError(f"{type(value).__name__}: {value}") from value

    async def _on_loop(self, func: Callable[..., Any], kwargs: dict[str, Any], sink: _Sink) -> Any:
        _SINK.set(sink)
        result = func(**kwargs)
        if inspect.isawaitable(result):
            return await result
        return result

    @staticmethod
    async def _anext(agen: Any, sink: _Sink) -> tuple[bool, Any]:
        _SINK.set(sink)
        try:
            return False, await agen.__anext__()
        except StopAsyncIteration:
            return True, None


# -- registration ----------------------------------------------------------------------------------


def load_cog(
    source: str | os.PathLike[str],
    *,
    concurrency: int | None = None,
    lazy_setup: bool = False,
    weights: str | None = None,
) -> CogModel:
    """Load a Cog model from ``cog.yaml`` (or ``predict.py:Predictor``) and run its setup."""
    import_cog()
    return CogModel(
        read_config(source), concurrency=concurrency, lazy_setup=lazy_setup, weights=weights
    )


def register_cog(
    emulator: Emulator,
    source: str | os.PathLike[str],
    *,
    name: str,
    concurrency: int | None = None,
    lazy_setup: bool = False,
    weights: str | None = None,
    version: str | None = None,
    description: str | None = None,
    visibility: Literal["public", "private"] = "public",
    hardware: str = "cpu",
) -> str:
    """`Emulator.register_cog`'s implementation."""
    from ._emulator import check_model_ref

    check_model_ref(name)  # before the model is imported and set up
    model = load_cog(source, concurrency=concurrency, lazy_setup=lazy_setup, weights=weights)
    store = emulator.core.store
    if model.predict is None:
        raise CogLoadError(
            "no `predict` entry: a model needs one to have a version", path=str(source)
        )
    spec = CogSpec(model, model.predict)
    version_id = emulator._add_spec(  # pyright: ignore[reportPrivateUsage]
        name,
        spec,
        version=version,
        description=description,
        visibility=visibility,
        hardware=hardware,
        official=False,
    )
    assert version_id is not None
    store.versions[version_id].cog_version = model.version
    if model.train is not None:
        store.models[name].trainer = CogSpec(model, model.train)
    return version_id


def cog_emulator(
    source: str | os.PathLike[str],
    name: str,
    *,
    concurrency: int | None = None,
    lazy_setup: bool = False,
    demo: bool = False,
    **options: Any,
) -> Emulator:
    """An `Emulator` serving one Cog model, for command lines and quick scripts.

    ```python
    emu = cog_emulator("path/to/cog.yaml", "me/my-model")
    with emu.client() as client:
        print(client.run("me/my-model", input={"prompt": "hi"}))
    ```

    Args:
        source: ``cog.yaml``, the directory holding it, or ``path/to/predict.py:Predictor``.
        name: ``owner/name`` the model is served as.
        concurrency: Predictions run at once (default: ``cog.yaml``'s ``concurrency.max``, else 1).
        lazy_setup: Run ``setup()`` before the first prediction instead of now.
        demo: Also register the demo models.
        **options: Passed to `Emulator` (``clock``, ``api_token``, ``accept_any_token``, ...).

    Returns:
        The emulator, with the model registered.

    Raises:
        ImportError: The ``cog`` extra is not installed.
        CogLoadError: ``cog.yaml`` or the predictor cannot be loaded (the message names the file
            and line).
    """
    from ._emulator import Emulator

    emulator = Emulator(demo=demo, **options)
    emulator.register_cog(source, name=name, concurrency=concurrency, lazy_setup=lazy_setup)
    return emulator
