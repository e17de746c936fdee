"""The command implementations: each takes the parsed arguments and a lazy client getter."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

import attrs

from ._inputs import UsageError, parse_cancel_after, parse_inputs

if TYPE_CHECKING:
    from .._sync.client import Client
    from ..types import Prediction

__all__ = ["COMMANDS", "ClientGetter", "to_jsonable"]

ClientGetter = Callable[[], "Client"]
"""Returns the (lazily created) client."""


def to_jsonable(obj: object) -> Any:
    """Convert API objects, file outputs and datetimes to plain JSON values.

    Args:
        obj: Anything returned by the client.

    Returns:
        A value `json.dumps` accepts.
    """
    from .._serde import converter
    from .._sync.file_output import FileOutput

    if isinstance(obj, FileOutput):
        return obj.url
    if attrs.has(type(obj)):
        return to_jsonable(converter.unstructure(obj))
    if isinstance(obj, datetime):
        return obj.isoformat().replace("+00:00", "Z")
    if isinstance(obj, Mapping):
        items: Mapping[object, object] = obj  # pyright: ignore[reportUnknownVariableType]
        return {str(k): to_jsonable(v) for k, v in items.items()}
    if isinstance(obj, list | tuple):
        seq: list[object] | tuple[object, ...] = obj  # pyright: ignore[reportUnknownVariableType]
        return [to_jsonable(v) for v in seq]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _dump(obj: object, out: TextIO) -> None:
    out.write(json.dumps(to_jsonable(obj), indent=2, ensure_ascii=False, default=str) + "\n")


def _when(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else "-"


def _prediction_line(p: Prediction) -> str:
    return f"{p.id}  {p.status}  {p.model or p.version or '-'}  {_when(p.created_at)}"


def _save_outputs(output: object, directory: Path) -> object:
    from .._sync.file_output import FileOutput

    if isinstance(output, FileOutput):
        return str(output.save(directory))
    if isinstance(output, list | tuple):
        seq: list[object] | tuple[object, ...] = output  # pyright: ignore[reportUnknownVariableType]
        return [_save_outputs(v, directory) for v in seq]
    if isinstance(output, Mapping):
        items: Mapping[object, object] = output  # pyright: ignore[reportUnknownVariableType]
        return {k: _save_outputs(v, directory) for k, v in items.items()}
    return output


def _print_output(output: object, out: TextIO) -> None:
    from .._sync.file_output import FileOutput

    if isinstance(output, str | FileOutput):
        out.write(f"{output}\n")
        return
    if isinstance(output, list | tuple):
        seq = cast("list[object]", list(output))  # pyright: ignore[reportUnknownArgumentType]
        if all(isinstance(v, str | FileOutput) for v in seq):
            for item in seq:
                out.write(f"{item}\n")
            return
    _dump(output, out)  # pyright: ignore[reportUnknownArgumentType]


def cmd_run(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Run a model (or create a prediction with ``--no-wait``) and print the result."""
    positional: list[str] = list(args.args)
    ref: str | None = None
    if args.deployment is None:
        if not positional:
            raise UsageError("run needs a model reference (or --deployment NAME)")
        ref = positional.pop(0)
    elif positional and "=" not in positional[0]:
        raise UsageError("give either a model reference or --deployment, not both")
    inputs = parse_inputs(positional)
    cancel_after = parse_cancel_after(args.cancel_after)
    save_dir: Path | None = None
    if args.save is not None:
        save_dir = Path(args.save)
        if not save_dir.is_dir():
            raise UsageError(f"--save: not a directory: {args.save}")
    client = get_client()
    if args.no_wait:
        prediction = client.predictions.create(
            ref, input=inputs, deployment=args.deployment, cancel_after=cancel_after
        )
        if args.json:
            _dump(prediction, out)
        else:
            out.write(f"{prediction.id}\n")
        return 0
    output = client.run(
        ref,
        input=inputs,
        deployment=args.deployment,
        timeout=args.timeout,
        cancel_after=cancel_after,
    )
    if save_dir is not None:
        output = _save_outputs(output, save_dir)
    if args.json:
        _dump(output, out)
    else:
        _print_output(output, out)
    return 0


def cmd_predictions_list(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """List the most recent page of predictions."""
    page = get_client().predictions.list()
    if args.json:
        _dump(page.results, out)
    else:
        for p in page.results:
            out.write(_prediction_line(p) + "\n")
    return 0


def _show_prediction(p: Prediction, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        _dump(p, out)
        return
    out.write(_prediction_line(p) + "\n")
    if p.error:
        out.write(f"error: {p.error}\n")
    if p.status == "succeeded":
        _print_output(p.output, out)


def cmd_predictions_get(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Show one prediction."""
    _show_prediction(get_client().predictions.get(args.id), args, out)
    return 0


def cmd_predictions_cancel(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Cancel one prediction and show its new state."""
    _show_prediction(get_client().predictions.cancel(args.id), args, out)
    return 0


def cmd_models_list(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """List the first page of public models."""
    page = get_client().models.list()
    if args.json:
        _dump(page.results, out)
    else:
        for m in page.results:
            out.write(f"{m.owner}/{m.name}  {m.description or ''}".rstrip() + "\n")
    return 0


def cmd_models_get(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Show one model."""
    model = get_client().models.get(args.ref)
    if args.json:
        _dump(model, out)
        return 0
    out.write(f"{model.owner}/{model.name}\n")
    if model.description:
        out.write(f"{model.description}\n")
    if model.latest_version is not None:
        out.write(f"latest version: {model.latest_version.id}\n")
    if model.run_count is not None:
        out.write(f"runs: {model.run_count}\n")
    return 0


def _member(obj: object, key: str) -> Mapping[str, object]:
    """Return ``obj[key]`` when both are JSON objects, else an empty mapping."""
    if not isinstance(obj, Mapping):
        return {}
    value = cast("Mapping[str, object]", obj).get(key)
    return cast("Mapping[str, object]", value) if isinstance(value, Mapping) else {}


def cmd_models_schema(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Print the Input and Output schemas of a model's latest (or given) version."""
    name, _, version_id = str(args.ref).partition(":")
    client = get_client()
    if version_id:
        schema = client.models.versions.get(name, version_id).openapi_schema
    else:
        model = client.models.get(name)
        if model.latest_version is None:
            raise UsageError(f"model {name} has no published version")
        schema = model.latest_version.openapi_schema
    found = _member(_member(schema, "components"), "schemas")
    _dump({"Input": found.get("Input"), "Output": found.get("Output")}, out)
    return 0


def cmd_hardware_list(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """List hardware SKUs."""
    items = get_client().hardware.list()
    if args.json:
        _dump(items, out)
    else:
        for h in items:
            out.write(f"{h.sku}  {h.name or ''}".rstrip() + "\n")
    return 0


def cmd_account(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Show the account that owns the token."""
    account = get_client().account.get()
    if args.json:
        _dump(account, out)
    else:
        kind = f" ({account.type})" if account.type else ""
        out.write(f"{account.username}{kind}\n")
    return 0


def cmd_webhooks_secret(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Print the account's webhook signing secret."""
    secret = get_client().webhooks.default_secret()
    if args.json:
        _dump({"key": secret.key}, out)
    else:
        out.write(f"{secret.key}\n")
    return 0


def cmd_webhooks_verify(args: argparse.Namespace, get_client: ClientGetter, out: TextIO) -> int:
    """Verify a delivery's signature; exit 0 if it verifies (1 if not, via the caller)."""
    from ..webhooks import verify

    headers: list[tuple[str, str]] = []
    for item in args.header:
        key, sep, value = str(item).partition(":")
        if not sep or not key.strip():
            raise UsageError(f"--header expects K:V, got {item!r}")
        headers.append((key.strip(), value.strip()))
    try:
        body = Path(args.body).read_bytes()
    except OSError as exc:
        raise UsageError(f"--body: cannot read {args.body}: {exc.strerror}") from None
    secret: str | None = args.secret or os.environ.get("REPLICATE_WEBHOOK_SECRET")
    if not secret:
        secret = get_client().webhooks.default_secret().key
    verified = verify(body=body, headers=headers, secret=secret)
    if args.json:
        _dump(verified, out)
    else:
        out.write(f"verified {verified.id} at {verified.timestamp}\n")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, ClientGetter, TextIO], int]] = {
    "run": cmd_run,
    "predictions_list": cmd_predictions_list,
    "predictions_get": cmd_predictions_get,
    "predictions_cancel": cmd_predictions_cancel,
    "models_list": cmd_models_list,
    "models_get": cmd_models_get,
    "models_schema": cmd_models_schema,
    "hardware_list": cmd_hardware_list,
    "account": cmd_account,
    "webhooks_secret": cmd_webhooks_secret,
    "webhooks_verify": cmd_webhooks_verify,
}
"""Handler name (set by the parser) to command function."""
