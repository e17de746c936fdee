"""Running models from the command line: run (alias predict), stream, and waiting on jobs."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ._context import CommandError, Context, outcome_message
from ._inputs import InputSchema, UsageError, build_input, parse_cancel_after, parse_pairs
from ._output import dump, print_output, save_outputs

if TYPE_CHECKING:
    from .._sync.client import Client
    from ..types import Prediction, Training

__all__ = [
    "Target",
    "cmd_run",
    "cmd_stream",
    "raise_outcome",
    "resolve_target",
    "show_job",
    "show_training_output",
    "version_document",
    "wait_job",
]

_VERSION_ID = re.compile(r"[0-9a-f]{64}")
_EVENTS = ("start", "output", "logs", "completed")


@dataclass
class Target:
    """What to run, and the schemas that type its inputs and print its output."""

    ref: str | None
    """``owner/name``, ``owner/name:version`` or a version id (None with a deployment)."""
    deployment: str | None
    """``owner/name`` of a deployment."""
    label: str
    """How messages name it."""
    schema: InputSchema | None
    """The input schema (None: JSON-literal rules)."""
    output_schema: Mapping[str, Any] | None
    """The Output schema, when known."""


def _schemas(document: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not document:
        return {}
    components = document.get("components")
    if not isinstance(components, Mapping):
        return {}
    schemas = cast("Mapping[str, Any]", components).get("schemas")
    return cast("Mapping[str, Any]", schemas) if isinstance(schemas, Mapping) else {}


def _not_found(what: str) -> CommandError:
    return CommandError(f"{what} not found (or this token cannot see it)")


def version_document(
    client: Client, ref: str, ctx: Context
) -> tuple[str, Mapping[str, Any] | None]:
    """Return ``(label, OpenAPI document)`` of a model reference's version (None: no schema).

    Args:
        client: The client.
        ref: ``owner/name``, ``owner/name:version`` or a bare version id.
        ctx: For ``--verbose`` notes.

    Raises:
        CommandError: The model or version does not exist.
    """
    from .. import NotFoundError

    name, _, version_id = ref.partition(":")
    if _VERSION_ID.fullmatch(ref):
        ctx.note("a bare version id names no model: inputs follow the JSON-literal rules")
        return ref, None
    try:
        if version_id:
            version = client.models.versions.get(name, version_id)
            return ref, version.openapi_schema
        model = client.models.get(name)
    except NotFoundError:
        raise _not_found(f"model {ref}") from None
    if model.latest_version is None or not model.latest_version.openapi_schema:
        ctx.note(f"{name} publishes no input schema: inputs follow the JSON-literal rules")
        return name, None
    return name, model.latest_version.openapi_schema


def resolve_target(
    ctx: Context, ref: str | None, deployment: str | None, *, schema_name: str = "Input"
) -> Target:
    """Find the input and output schemas of what is about to run.

    Args:
        ctx: The context (the client is made here).
        ref: The model reference, or None with a deployment.
        deployment: The deployment, or None.
        schema_name: ``Input``, or ``TrainingInput`` for a training.

    Returns:
        The target.
    """
    from .. import NotFoundError

    client = ctx.get_client()
    document: Mapping[str, Any] | None
    if deployment is not None:
        try:
            found = client.deployments.get(deployment)
        except NotFoundError:
            raise _not_found(f"deployment {deployment}") from None
        release = found.current_release
        label = f"deployment {deployment}"
        if release is None or not release.model or not release.version:
            ctx.note(f"{label} has no release: inputs follow the JSON-literal rules")
            document = None
        else:
            _, document = version_document(client, f"{release.model}:{release.version}", ctx)
    else:
        assert ref is not None
        label, document = version_document(client, ref, ctx)
    schemas = _schemas(document)
    schema = InputSchema.from_openapi(label, document, name=schema_name)
    if document and schema is None:
        ctx.note(f"{label} has no {schema_name} schema: inputs follow the JSON-literal rules")
    output = schemas.get("Output")
    return Target(
        ref=ref,
        deployment=deployment,
        label=label,
        schema=schema,
        output_schema=cast("Mapping[str, Any]", output) if isinstance(output, Mapping) else None,
    )


def _split_ref(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    positional: list[str] = list(args.args)
    extra: list[str] = list(getattr(args, "input", None) or [])
    if args.deployment is not None:
        if positional and "=" not in positional[0]:
            raise UsageError("give either a model reference or --deployment, not both")
        return None, positional + extra
    if not positional:
        raise UsageError(f"{args.command} needs a model: OWNER/NAME[:VERSION] (or --deployment)")
    ref = positional.pop(0)
    if "=" in ref:
        raise UsageError(f"{args.command} needs a model before its inputs, got {ref!r}")
    return ref, positional + extra


def _events_filter(text: str | None) -> list[Any] | None:
    if text is None:
        return None
    events = [e.strip() for e in text.split(",") if e.strip()]
    bad = [e for e in events if e not in _EVENTS]
    if bad or not events:
        raise UsageError(f"--webhook-events takes a comma-separated list of {', '.join(_EVENTS)}")
    return events


def _save_dir(args: argparse.Namespace) -> Path | None:
    if args.save is None:
        return None
    directory = Path(args.save).expanduser()
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"--save: not a directory: {args.save}")
    return directory


def _prepare(ctx: Context, args: argparse.Namespace) -> tuple[Target, dict[str, Any]]:
    ref, raw_inputs = _split_ref(args)
    _events_filter(args.webhook_events)  # checked before any request
    parse_pairs(raw_inputs)  # syntax errors fail before any request
    target = resolve_target(ctx, ref, args.deployment)
    return target, build_input(raw_inputs, target.schema)


def cmd_run(args: argparse.Namespace, ctx: Context) -> int:
    """Run a model: progress on stderr, the output (or the prediction, ``--json``) on stdout."""
    if args.stream:
        return cmd_stream(args, ctx)
    save_dir = _save_dir(args)
    target, inputs = _prepare(ctx, args)
    client = ctx.get_client()
    cancel_after = parse_cancel_after(args.cancel_after)
    events = _events_filter(args.webhook_events)
    if args.no_wait:
        prediction = client.predictions.create(
            target.ref,
            input=inputs,
            deployment=target.deployment,
            cancel_after=cancel_after,
            webhook=args.webhook,
            webhook_events_filter=events,
        )
        if ctx.json:
            dump(prediction, ctx.out)
        else:
            ctx.out.write(f"{prediction.id}\n")
        return 0
    status = ctx.status(target.label)
    # With a display (or --json) the create returns at once, so the id is known from the start
    # and the status can be followed; otherwise the server holds the create until it finishes.
    hold = ctx.quiet and not ctx.json
    try:
        output = client.run(
            target.ref,
            input=inputs,
            deployment=target.deployment,
            wait=hold,
            timeout=args.timeout,
            cancel_after=cancel_after,
            webhook=args.webhook,
            webhook_events_filter=events,
            on_progress=status.update,
            cancel_on_exit=True,
        )
    except BaseException as exc:
        from .. import PredictionError

        status.finish(exc.prediction if isinstance(exc, PredictionError) else None)
        if isinstance(exc, PredictionError) and ctx.json:
            dump(exc.prediction, ctx.out)
        raise
    final = _final(client, cast("Prediction | None", status.job))
    status.finish(final)
    saved: object = None
    if save_dir is not None:
        saved = save_outputs(output, save_dir)
    if ctx.json:
        document = _jsonable_prediction(final, output)
        if saved is not None:
            document["saved"] = saved
        dump(document, ctx.out)
    elif saved is not None:
        _print_paths(saved, ctx)
    else:
        print_output(output, ctx.out, target.output_schema)
    return 0


def _final(client: Client, known: Prediction | None) -> Prediction | None:
    if known is None or known.is_terminal:
        return known
    return client.predictions.get(known.id)


def _jsonable_prediction(prediction: Prediction | None, output: object) -> dict[str, Any]:
    from ._output import to_jsonable

    if prediction is None:
        return {"status": "succeeded", "output": to_jsonable(output)}
    return cast("dict[str, Any]", to_jsonable(prediction))


def _print_paths(saved: object, ctx: Context) -> None:
    if isinstance(saved, str):
        ctx.out.write(saved + "\n")
    elif isinstance(saved, list):
        for item in cast("list[object]", saved):
            _print_paths(item, ctx)
    elif isinstance(saved, Mapping):
        for item in cast("Mapping[object, object]", saved).values():
            _print_paths(item, ctx)


def _file_items(output_schema: Mapping[str, Any] | None) -> bool:
    if output_schema is None:
        return False
    items = output_schema.get("items")
    return isinstance(items, Mapping) and cast("Mapping[str, Any]", items).get("format") == "uri"


def cmd_stream(args: argparse.Namespace, ctx: Context) -> int:
    """Stream a model's output as it is produced: text without added newlines."""
    from ..types import DoneEvent, ErrorEvent, LogsEvent, OutputEvent

    if getattr(args, "save", None) is not None:
        raise UsageError("--save cannot be combined with streaming; use run without --stream")
    if getattr(args, "no_wait", False):
        raise UsageError("--no-wait cannot be combined with streaming")
    target, inputs = _prepare(ctx, args)
    client = ctx.get_client()
    separator = "\n" if _file_items(target.output_schema) else ""
    wrote = ""
    with client.stream(
        target.ref,
        input=inputs,
        deployment=target.deployment,
        timeout=args.timeout,
        cancel_after=parse_cancel_after(args.cancel_after),
        webhook=args.webhook,
        webhook_events_filter=_events_filter(args.webhook_events),
    ) as stream:
        for event in stream:
            if ctx.json:
                ctx.out.write(json.dumps(_event_json(event), ensure_ascii=False) + "\n")
                ctx.out.flush()
                continue
            if isinstance(event, OutputEvent):
                text = event.data + separator
                ctx.out.write(text)
                ctx.out.flush()
                wrote = text or wrote
            elif isinstance(event, LogsEvent) and args.logs:
                ctx.console.write(event.data if event.data.endswith("\n") else event.data + "\n")
            elif isinstance(event, ErrorEvent | DoneEvent):
                pass
    if wrote and not wrote.endswith("\n") and ctx.out.isatty():
        ctx.out.write("\n")
    return 0


def _event_json(event: object) -> dict[str, Any]:
    from ..types import DoneEvent, ErrorEvent, LogsEvent, OutputEvent, UnknownEvent

    if isinstance(event, OutputEvent):
        return {"event": "output", "data": event.data, "id": event.id}
    if isinstance(event, LogsEvent):
        return {"event": "logs", "data": event.data, "id": event.id}
    if isinstance(event, ErrorEvent):
        return {"event": "error", "detail": event.detail, "id": event.id}
    if isinstance(event, DoneEvent):
        return {"event": "done", "reason": event.reason, "id": event.id}
    assert isinstance(event, UnknownEvent)
    return {"event": event.event, "data": event.data, "id": event.id}


def show_job(job: Prediction | Training, ctx: Context, *, output: bool = True) -> None:
    """Print a prediction or training: a summary line, its error, and its output."""
    from ._output import when

    if ctx.json:
        dump(job, ctx.out)
        return
    source = job.model or job.version or "-"
    ctx.out.write(f"{job.id}  {job.status}  {source}  {when(job.created_at)}\n")
    if job.error:
        ctx.out.write(f"error: {job.error}\n")
    if output and job.status == "succeeded" and job.output is not None:
        print_output(job.output, ctx.out, None)


def wait_job(
    ctx: Context,
    job_id: str,
    *,
    training: bool,
    timeout: float | None,
    cancel_on_exit: bool = False,
) -> int:
    """Wait for a prediction or training with the status display; exit 1 unless it succeeded.

    With `cancel_on_exit` (a job this invocation created), Ctrl-C cancels it on the server.
    """
    from .. import PredictionError

    client = ctx.get_client()
    status = ctx.status(f"{'training' if training else 'prediction'} {job_id}")
    try:
        if training:
            job: Prediction | Training = client.trainings.wait(
                job_id, timeout=timeout, cancel_on_exit=cancel_on_exit, on_progress=status.update
            )
        else:
            job = client.predictions.wait(
                job_id, timeout=timeout, cancel_on_exit=cancel_on_exit, on_progress=status.update
            )
    except BaseException as exc:
        status.finish(exc.prediction if isinstance(exc, PredictionError) else None)
        raise
    status.finish(job)
    show_job(job, ctx, output=not training)
    if training:
        show_training_output(job, ctx)
    if job.status != "succeeded":
        raise_outcome(job)
    return 0


def show_training_output(training: Prediction | Training, ctx: Context) -> None:
    """Print the new version and weights of a succeeded training (not with ``--json``)."""
    from ..types import Training

    if ctx.json or not isinstance(training, Training) or training.status != "succeeded":
        return
    output = training.output
    if output is not None and output.version:
        ctx.out.write(f"version: {output.version}\n")
    if output is not None and output.weights:
        ctx.out.write(f"weights: {output.weights}\n")


def raise_outcome(job: Prediction | Training) -> None:
    """Fail with how a finished, unsuccessful job ended (exit status 1)."""
    verb = {
        "failed": "failed",
        "aborted": "was aborted: its --cancel-after deadline passed",
    }.get(job.status, "was canceled")
    raise CommandError(outcome_message(job, verb))
