"""The commands other than running models, each taking the parsed arguments and the `Context`.

Account, hardware, models, predictions, trainings, deployments, files and webhooks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import parse_qs, urlsplit

from ._batch import cmd_batch
from ._context import CommandError, Context
from ._inputs import InputSchema, UsageError, build_input, parse_pairs
from ._output import dump, table, when
from ._run import (
    cmd_run,
    cmd_stream,
    resolve_target,
    show_job,
    show_training_output,
    version_document,
    wait_job,
)

if TYPE_CHECKING:
    from ..types import Deployment, File, Model, Training

__all__ = ["COMMANDS", "Command"]

Command = Callable[[argparse.Namespace, Context], int]
"""A command: the parsed arguments and the context in, the exit status out."""


def _not_found(what: str) -> CommandError:
    return CommandError(f"{what} not found (or this token cannot see it)")


# -- account, hardware -----------------------------------------------------------------------------


def cmd_account(args: argparse.Namespace, ctx: Context) -> int:
    """Show the account that owns the token."""
    account = ctx.get_client().account.get()
    if ctx.json:
        dump(account, ctx.out)
    else:
        kind = f" ({account.type})" if account.type else ""
        ctx.out.write(f"{account.username}{kind}\n")
    return 0


def cmd_hardware_list(args: argparse.Namespace, ctx: Context) -> int:
    """List the hardware SKUs."""
    items = ctx.get_client().hardware.list()
    if ctx.json:
        dump(items, ctx.out)
    else:
        table([(h.sku, h.name or "") for h in items], ctx.out)
    return 0


# -- models --------------------------------------------------------------------------------------


def _model_rows(models: list[Model]) -> list[tuple[str, str]]:
    return [
        (f"{m.owner}/{m.name}", (m.description or "").splitlines()[0] if m.description else "")
        for m in models
    ]


def cmd_models_list(args: argparse.Namespace, ctx: Context) -> int:
    """List public models (one page, or ``--all``)."""
    client = ctx.get_client()
    direction: Literal["asc"] | None = "asc" if args.asc else None
    if args.all:
        models = list(client.models.iter(sort_by=args.sort_by, sort_direction=direction))
    else:
        models = list(client.models.list(sort_by=args.sort_by, sort_direction=direction).results)
    if ctx.json:
        dump(models, ctx.out)
    else:
        table(_model_rows(models), ctx.out)
    return 0


def cmd_models_search(args: argparse.Namespace, ctx: Context) -> int:
    """Search public models."""
    page = ctx.get_client().models.search(" ".join(args.query))
    if ctx.json:
        dump(page.results, ctx.out)
    else:
        table(_model_rows(list(page.results)), ctx.out)
    return 0


def cmd_models_get(args: argparse.Namespace, ctx: Context) -> int:
    """Show one model."""
    from .. import NotFoundError

    try:
        model = ctx.get_client().models.get(args.ref)
    except NotFoundError:
        raise _not_found(f"model {args.ref}") from None
    if ctx.json:
        dump(model, ctx.out)
        return 0
    out = ctx.out
    out.write(f"{model.owner}/{model.name}\n")
    if model.description:
        out.write(f"{model.description}\n")
    for label, value in (
        ("visibility", model.visibility),
        ("official", "yes" if model.is_official else None),
        ("runs", model.run_count),
        ("url", model.url),
        ("github", model.github_url),
        ("latest version", model.latest_version.id if model.latest_version else None),
    ):
        if value is not None:
            out.write(f"{label}: {value}\n")
    return 0


def cmd_models_versions(args: argparse.Namespace, ctx: Context) -> int:
    """List a model's versions, newest first."""
    from .. import NotFoundError

    try:
        versions = list(ctx.get_client().models.versions.iter(args.ref))
    except NotFoundError:
        raise _not_found(f"model {args.ref}") from None
    if ctx.json:
        dump(versions, ctx.out)
    else:
        table([(v.id, when(v.created_at), v.cog_version or "") for v in versions], ctx.out)
    return 0


def _type_of(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        inner = _type_of(cast("Mapping[str, Any]", items)) if isinstance(items, Mapping) else "any"
        how = schema.get("x-cog-array-type")
        text = f"array of {inner}"
        if how == "iterator":
            text = f"iterator of {inner}"
        if schema.get("x-cog-array-display") == "concatenate":
            text += " (concatenated text)"
        return text
    if kind == "string" and schema.get("format") == "uri":
        return "file (URL)"
    return str(kind) if isinstance(kind, str) else "any"


def cmd_models_schema(args: argparse.Namespace, ctx: Context) -> int:
    """Show a version's inputs and output, readably (``--json``: the raw schemas)."""
    client = ctx.get_client()
    label, document = version_document(client, args.ref, ctx)
    schemas: Mapping[str, Any] = {}
    if document:
        components = document.get("components")
        if isinstance(components, Mapping):
            found = cast("Mapping[str, Any]", components).get("schemas")
            if isinstance(found, Mapping):
                schemas = cast("Mapping[str, Any]", found)
    if ctx.json:
        dump({"Input": schemas.get("Input"), "Output": schemas.get("Output")}, ctx.out)
        return 0
    if not document:
        raise CommandError(f"{label} publishes no schema")
    schema = InputSchema.from_openapi(label, document)
    ctx.out.write((schema.describe() if schema else f"{label}: no Input schema") + "\n")
    output = schemas.get("Output")
    if isinstance(output, Mapping):
        ctx.out.write(f"output: {_type_of(cast('Mapping[str, Any]', output))}\n")
    training = InputSchema.from_openapi(label, document, name="TrainingInput")
    if training is not None:
        ctx.out.write("training " + training.describe() + "\n")
    return 0


# -- predictions ---------------------------------------------------------------------------------


def cmd_predictions_list(args: argparse.Namespace, ctx: Context) -> int:
    """List your predictions, newest first (one page)."""
    page = ctx.get_client().predictions.list()
    if ctx.json:
        dump(page.results, ctx.out)
    else:
        table(
            [
                (p.id, p.status, p.model or p.version or "-", when(p.created_at))
                for p in page.results
            ],
            ctx.out,
        )
    return 0


def cmd_predictions_get(args: argparse.Namespace, ctx: Context) -> int:
    """Show one prediction."""
    from .. import NotFoundError

    try:
        show_job(ctx.get_client().predictions.get(args.id), ctx)
    except NotFoundError:
        raise _not_found(f"prediction {args.id}") from None
    return 0


def cmd_predictions_cancel(args: argparse.Namespace, ctx: Context) -> int:
    """Cancel one prediction and show its new state."""
    from .. import NotFoundError

    try:
        show_job(ctx.get_client().predictions.cancel(args.id), ctx, output=False)
    except NotFoundError:
        raise _not_found(f"prediction {args.id}") from None
    return 0


def cmd_predictions_wait(args: argparse.Namespace, ctx: Context) -> int:
    """Wait until a prediction is finished, then show it (exit 1 unless it succeeded)."""
    return wait_job(ctx, args.id, training=False, timeout=args.timeout)


# -- trainings -----------------------------------------------------------------------------------


def cmd_trainings_create(args: argparse.Namespace, ctx: Context) -> int:
    """Start a training of a version; with ``--wait``, follow it to the end."""
    if ":" not in args.ref:
        raise UsageError("trainings create needs a version: OWNER/NAME:VERSION")
    parse_pairs(args.inputs)
    target = resolve_target(ctx, args.ref, None, schema_name="TrainingInput")
    inputs = build_input(args.inputs, target.schema)
    training = ctx.get_client().trainings.create(
        args.ref, destination=args.destination, input=inputs, webhook=args.webhook
    )
    if args.wait:
        return wait_job(ctx, training.id, training=True, timeout=args.timeout, cancel_on_exit=True)
    if ctx.json:
        dump(training, ctx.out)
    else:
        ctx.out.write(f"{training.id}\n")
    return 0


def _training_line(t: Any) -> tuple[str, str, str, str]:
    return (t.id, t.status, t.model or t.version or "-", when(t.created_at))


def cmd_trainings_list(args: argparse.Namespace, ctx: Context) -> int:
    """List your trainings, newest first (one page)."""
    page = ctx.get_client().trainings.list()
    if ctx.json:
        dump(page.results, ctx.out)
    else:
        table([_training_line(t) for t in page.results], ctx.out)
    return 0


def _show_training(training: Training, ctx: Context) -> None:
    show_job(training, ctx, output=False)
    show_training_output(training, ctx)


def cmd_trainings_get(args: argparse.Namespace, ctx: Context) -> int:
    """Show one training."""
    from .. import NotFoundError

    try:
        _show_training(ctx.get_client().trainings.get(args.id), ctx)
    except NotFoundError:
        raise _not_found(f"training {args.id}") from None
    return 0


def cmd_trainings_cancel(args: argparse.Namespace, ctx: Context) -> int:
    """Cancel one training and show its new state."""
    from .. import NotFoundError

    try:
        show_job(ctx.get_client().trainings.cancel(args.id), ctx, output=False)
    except NotFoundError:
        raise _not_found(f"training {args.id}") from None
    return 0


def cmd_trainings_wait(args: argparse.Namespace, ctx: Context) -> int:
    """Wait until a training is finished, then show it (exit 1 unless it succeeded)."""
    return wait_job(ctx, args.id, training=True, timeout=args.timeout)


# -- deployments ---------------------------------------------------------------------------------


def _show_deployment(d: Deployment, ctx: Context) -> None:
    if ctx.json:
        dump(d, ctx.out)
        return
    ctx.out.write(f"{d.owner}/{d.name}\n")
    release = d.current_release
    if release is None:
        return
    config = release.configuration
    for label, value in (
        ("release", release.number),
        ("model", release.model),
        ("version", release.version),
        ("hardware", config.hardware if config else None),
        ("instances", f"{config.min_instances}-{config.max_instances}" if config else None),
        ("created", when(release.created_at) if release.created_at else None),
    ):
        if value is not None:
            ctx.out.write(f"{label}: {value}\n")


def cmd_deployments_list(args: argparse.Namespace, ctx: Context) -> int:
    """List your deployments."""
    items = list(ctx.get_client().deployments.iter())
    if ctx.json:
        dump(items, ctx.out)
        return 0
    rows: list[tuple[str, str, str]] = []
    for d in items:
        release = d.current_release
        model = f"{release.model}:{release.version}" if release and release.model else "-"
        hardware = release.configuration.hardware if release and release.configuration else None
        rows.append((d.ref, model, hardware or "-"))
    table(rows, ctx.out)
    return 0


def cmd_deployments_get(args: argparse.Namespace, ctx: Context) -> int:
    """Show one deployment."""
    from .. import NotFoundError

    try:
        _show_deployment(ctx.get_client().deployments.get(args.name), ctx)
    except NotFoundError:
        raise _not_found(f"deployment {args.name}") from None
    return 0


def _version_of(client: Any, model: str, version: str | None) -> str:
    if version:
        return version
    found = client.models.get(model)
    if found.latest_version is None:
        raise CommandError(f"model {model} has no version to deploy: pass --version", 2)
    return str(found.latest_version.id)


def cmd_deployments_create(args: argparse.Namespace, ctx: Context) -> int:
    """Create a deployment of a model version (default: its latest version)."""
    client = ctx.get_client()
    model, _, pinned = str(args.model).partition(":")
    version = _version_of(client, model, args.version or pinned or None)
    deployment = client.deployments.create(
        name=args.name,
        model=model,
        version=version,
        hardware=args.hardware,
        min_instances=args.min_instances,
        max_instances=args.max_instances,
    )
    _show_deployment(deployment, ctx)
    return 0


def cmd_deployments_update(args: argparse.Namespace, ctx: Context) -> int:
    """Change a deployment's version, hardware or scaling."""
    deployment = ctx.get_client().deployments.update(
        args.name,
        version=args.version,
        hardware=args.hardware,
        min_instances=args.min_instances,
        max_instances=args.max_instances,
    )
    _show_deployment(deployment, ctx)
    return 0


def cmd_deployments_delete(args: argparse.Namespace, ctx: Context) -> int:
    """Delete a deployment."""
    from .. import NotFoundError

    try:
        ctx.get_client().deployments.delete(args.name)
    except NotFoundError:
        raise _not_found(f"deployment {args.name}") from None
    if not ctx.quiet:
        ctx.console.write(f"deleted deployment {args.name}\n")
    return 0


def cmd_deployments_run(args: argparse.Namespace, ctx: Context) -> int:
    """Run a deployment: the same as ``run --deployment NAME``."""
    args.deployment = args.name
    return cmd_stream(args, ctx) if args.stream else cmd_run(args, ctx)


# -- files ---------------------------------------------------------------------------------------


def _file_rows(files: list[File]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            f.id,
            f.name or "-",
            f.content_type or "-",
            str(f.size if f.size is not None else "-"),
            when(f.expires_at),
        )
        for f in files
    ]


def cmd_files_upload(args: argparse.Namespace, ctx: Context) -> int:
    """Upload a file; print its id and the URL to use as a model input."""
    path = Path(args.path).expanduser()
    if not path.is_file():
        raise UsageError(f"no such file: {args.path}")
    metadata: Any = None
    if args.metadata is not None:
        try:
            metadata = json.loads(args.metadata)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--metadata: invalid JSON: {exc.msg}") from None
        if not isinstance(metadata, dict):
            raise UsageError("--metadata must be a JSON object")
    uploaded = ctx.get_client().files.create(
        path, content_type=args.content_type, metadata=cast("dict[str, Any] | None", metadata)
    )
    if ctx.json:
        dump(uploaded, ctx.out)
    else:
        url = uploaded.urls.get if uploaded.urls else None
        ctx.out.write(f"{uploaded.id}  {url or ''}".rstrip() + "\n")
    return 0


def cmd_files_list(args: argparse.Namespace, ctx: Context) -> int:
    """List your uploaded files."""
    files = list(ctx.get_client().files.iter())
    if ctx.json:
        dump(files, ctx.out)
    else:
        table(_file_rows(files), ctx.out)
    return 0


def cmd_files_get(args: argparse.Namespace, ctx: Context) -> int:
    """Show one file's record."""
    from .. import NotFoundError

    try:
        found = ctx.get_client().files.get(args.id)
    except NotFoundError:
        raise _not_found(f"file {args.id}") from None
    if ctx.json:
        dump(found, ctx.out)
    else:
        table(_file_rows([found]), ctx.out)
        if found.urls and found.urls.get:
            ctx.out.write(f"url: {found.urls.get}\n")
    return 0


def cmd_files_delete(args: argparse.Namespace, ctx: Context) -> int:
    """Delete a file."""
    from .. import NotFoundError

    try:
        ctx.get_client().files.delete(args.id)
    except NotFoundError:
        raise _not_found(f"file {args.id}") from None
    if not ctx.quiet:
        ctx.console.write(f"deleted file {args.id}\n")
    return 0


def _first(query: Mapping[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def cmd_files_download(args: argparse.Namespace, ctx: Context) -> int:
    """Download a file through a signed download URL (or its id and the URL's parameters)."""
    target: str = args.file
    owner, expiry, signature = args.owner, args.expiry, args.signature
    file_id = target
    if "://" in target:
        parts = urlsplit(target)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) < 3 or segments[-1] != "download" or segments[-3] != "files":
            raise UsageError("expected a signed URL ending in /files/<id>/download?owner=...")
        file_id = segments[-2]
        query = parse_qs(parts.query)
        owner = owner or _first(query, "owner")
        expiry = expiry if expiry is not None else _first(query, "expiry")
        signature = signature or _first(query, "signature")
    if not owner or expiry is None or not signature:
        raise UsageError(
            "files download needs a signed URL, or an id with --owner, --expiry and --signature"
        )
    try:
        seconds = int(expiry)
    except ValueError:
        raise UsageError(f"--expiry must be Unix seconds, got {expiry!r}") from None
    content = ctx.get_client().files.download(
        file_id, owner=owner, expiry=seconds, signature=signature
    )
    if args.output in (None, "-"):
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        Path(args.output).expanduser().write_bytes(content)
        ctx.out.write(f"{args.output}\n")
    return 0


# -- webhooks ------------------------------------------------------------------------------------


def cmd_webhooks_secret(args: argparse.Namespace, ctx: Context) -> int:
    """Print the account's webhook signing secret."""
    secret = ctx.get_client().webhooks.default_secret()
    if ctx.json:
        dump({"key": secret.key}, ctx.out)
    else:
        ctx.out.write(f"{secret.key}\n")
    return 0


def _read_headers(args: argparse.Namespace) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    lines: list[str] = list(args.header)
    if args.headers is not None:
        try:
            text = Path(args.headers).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--headers: cannot read {args.headers}: {exc.strerror}") from None
        stripped = text.strip()
        if stripped.startswith("{"):
            try:
                loaded = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise UsageError(f"--headers: invalid JSON: {exc.msg}") from None
            for key, value in cast("dict[str, object]", loaded).items():
                headers.append((key, str(value)))
        else:
            lines += [line for line in text.splitlines() if line.strip()]
    for item in lines:
        key, sep, value = item.partition(":")
        if not sep or not key.strip():
            raise UsageError(f"a header looks like 'name: value', got {item!r}")
        headers.append((key.strip(), value.strip()))
    return headers


def cmd_webhooks_verify(args: argparse.Namespace, ctx: Context) -> int:
    """Verify a delivery's signature and age; exit 0 when valid, 1 (saying why) when not."""
    from .. import WebhookSecretError, WebhookVerificationError
    from ..webhooks import verify

    headers = _read_headers(args)
    try:
        body = sys.stdin.buffer.read() if args.body == "-" else Path(args.body).read_bytes()
    except OSError as exc:
        raise UsageError(f"--body: cannot read {args.body}: {exc.strerror}") from None
    secret: str | None = args.secret or os.environ.get("REPLICATE_WEBHOOK_SECRET")
    if not secret:
        secret = ctx.get_client().webhooks.default_secret().key
    try:
        verified = verify(body=body, headers=headers, secret=secret)
    except WebhookSecretError as exc:
        raise CommandError(f"the signing secret is not usable: {exc}", 2) from None
    except WebhookVerificationError as exc:
        if ctx.json:
            dump({"valid": False, "reason": str(exc)}, ctx.out)
        raise CommandError(f"not valid: {exc}") from None
    if ctx.json:
        dump({"valid": True, "id": verified.id, "timestamp": verified.timestamp}, ctx.out)
    else:
        ctx.out.write(f"valid: message {verified.id}, signed at {verified.timestamp}\n")
    return 0


COMMANDS: dict[str, Command] = {
    "batch": cmd_batch,
    "run": cmd_run,
    "stream": cmd_stream,
    "account": cmd_account,
    "hardware_list": cmd_hardware_list,
    "models_list": cmd_models_list,
    "models_search": cmd_models_search,
    "models_get": cmd_models_get,
    "models_versions": cmd_models_versions,
    "models_schema": cmd_models_schema,
    "predictions_list": cmd_predictions_list,
    "predictions_get": cmd_predictions_get,
    "predictions_cancel": cmd_predictions_cancel,
    "predictions_wait": cmd_predictions_wait,
    "trainings_create": cmd_trainings_create,
    "trainings_list": cmd_trainings_list,
    "trainings_get": cmd_trainings_get,
    "trainings_cancel": cmd_trainings_cancel,
    "trainings_wait": cmd_trainings_wait,
    "deployments_list": cmd_deployments_list,
    "deployments_get": cmd_deployments_get,
    "deployments_create": cmd_deployments_create,
    "deployments_update": cmd_deployments_update,
    "deployments_delete": cmd_deployments_delete,
    "deployments_run": cmd_deployments_run,
    "files_upload": cmd_files_upload,
    "files_list": cmd_files_list,
    "files_get": cmd_files_get,
    "files_delete": cmd_files_delete,
    "files_download": cmd_files_download,
    "webhooks_secret": cmd_webhooks_secret,
    "webhooks_verify": cmd_webhooks_verify,
}
"""Handler name (set by the parser) to command function."""
