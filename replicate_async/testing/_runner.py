"""Runs registered model code and drives a job through its statuses.

``starting`` (optional cold start on the emulator clock) → ``processing`` (the function runs;
logs and output chunks accumulate, each recorded as a server-sent event and offered to the
webhook dispatcher) → ``succeeded`` / ``failed`` / ``canceled``; or ``aborted`` when the
Cancel-After deadline passes before the model starts. Sync functions and sync generators run in
worker threads (unless registered with ``thread=False``) so a blocking model does not stall the
event loop; cancelling abandons the thread and discards what it produces afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import json
import mimetypes
import pathlib
import tempfile
import threading
import traceback
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.to_thread

from ._core import InputFileError
from ._models import Log, ModelSpec, Progress
from ._state import FileRef, Job, Model, Version

if TYPE_CHECKING:
    from ._core import Core

__all__ = ["NamedBytes", "Runner", "log", "sleep"]

_DONE = object()
_HIDDEN_FRAMES = (
    f'File "{pathlib.Path(__file__).parent / "_"}',
    f'File "{pathlib.Path(anyio.__file__).parent}',
)
"""Traceback entries left out of a failed prediction's logs: the emulator's private modules
(``_runner.py``, ``_cog.py``...) and anyio's; a model's own frames stay, the demo models' too."""
_SCALARS = frozenset({str, int, float, bool})


@dataclass(frozen=True, slots=True)
class NamedBytes:
    """File content with a chosen name, for outputs that need one."""

    data: bytes
    name: str
    content_type: str | None = None


class _Context:
    __slots__ = ("job", "runner", "thread_id")

    def __init__(self, runner: Runner, job: Job) -> None:
        self.runner = runner
        self.job = job
        self.thread_id = threading.get_ident()

    def log(self, text: str) -> None:
        if threading.get_ident() == self.thread_id:
            self.runner.log(self.job, text)
        else:
            anyio.from_thread.run_sync(self.runner.log, self.job, text)

    async def sleep(self, seconds: float) -> None:
        await self.runner.core.clock.sleep(seconds)


_CURRENT: ContextVar[_Context | None] = ContextVar("replicate_async_emulator_model", default=None)


def log(text: str) -> None:
    """Append a line to the logs of the prediction whose model is running this code.

    Works in plain functions (sync or async) and generators; in a generator you can also
    ``yield Log(text)``.

    Args:
        text: The line.

    Raises:
        RuntimeError: Called outside a model run by the emulator.
    """
    context = _CURRENT.get()
    if context is None:
        raise RuntimeError("log() is only available inside a model run by the emulator")
    context.log(str(text))


async def sleep(seconds: float) -> None:
    """Sleep inside a model on the emulator's clock: instantly in the virtual clock modes.

    Outside a model run by the emulator this is a plain ``anyio.sleep``.

    Args:
        seconds: How long, in emulator seconds.
    """
    context = _CURRENT.get()
    if context is None:
        await anyio.sleep(seconds)
        return
    await context.sleep(seconds)


_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", ".png", "image/png"),
    (b"\xff\xd8\xff", ".jpg", "image/jpeg"),
    (b"GIF8", ".gif", "image/gif"),
    (b"%PDF", ".pdf", "application/pdf"),
    (b"ID3", ".mp3", "audio/mpeg"),
)


def _sniff(data: bytes) -> tuple[str, str]:
    for magic, ext, mime in _MAGIC:
        if data.startswith(magic):
            return ext, mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp", "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return ".wav", "audio/wav"
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return ".bin", "application/octet-stream"
    return ".txt", "text/plain"


class Runner:
    """Creates jobs and runs their model code as tasks of the emulator."""

    def __init__(self, core: Core) -> None:
        self.core = core

    # -- creation ------------------------------------------------------------------------------

    def create(
        self,
        *,
        kind: str,
        model: Model,
        version: Version,
        spec: ModelSpec,
        input: dict[str, Any],
        model_name: str | None = None,
        webhook: str | None = None,
        events_filter: tuple[str, ...] | None = None,
        deployment: str | None = None,
        cancel_after: float | None = None,
        stream_flag: bool | None = None,
        destination: Model | None = None,
    ) -> Job:
        """Create a job and start running it."""
        core = self.core
        created = core.stamp()
        streams = kind == "prediction" and spec.streams
        job = Job(
            kind="training" if kind == "training" else "prediction",
            id=core.ids.job(),
            seq=core.store.next_seq(),
            model=model_name or model.ref,
            version_id=version.id,
            version=version,
            input=input,
            created_at=created,
            stream_token=core.ids.token() if streams else None,
            webhook=webhook,
            webhook_events_filter=events_filter,
            deployment=deployment,
            stream_flag=stream_flag,
            destination=destination.ref if destination is not None else None,
        )
        if cancel_after is not None:
            job.deadline = core.stamper.stamp(created.seconds + cancel_after, not_before=created)
        core.store.add_job(job)
        model.run_count += 1
        core.clock.reserve()
        try:
            core.spawn(self._run, job, spec, destination)
        except BaseException:
            core.clock.release()
            core.store.jobs.pop(job.id, None)
            raise
        return job

    # -- the run ---------------------------------------------------------------------------------

    async def _run(self, job: Job, spec: ModelSpec, destination: Model | None) -> None:
        core = self.core
        with core.clock.busy(adopt=True):
            try:
                await self._run_job(job, spec, destination)
            except Exception as exc:  # a defect in the emulator: never crash the task group
                if not job.is_terminal():
                    self.finish(job, "failed", error=f"emulator error: {exc!r}")

    async def _run_job(self, job: Job, spec: ModelSpec, destination: Model | None) -> None:
        core = self.core
        with anyio.CancelScope() as scope:
            job.cancel_scope = scope
            if job.is_terminal():
                return
            deadline = job.deadline.seconds if job.deadline is not None else None
            with core.clock.move_on_at(deadline) as deadline_scope:
                setup = spec.setup_time or core.options.setup_time
                if setup > 0:
                    await core.clock.sleep(setup)
                if job.is_terminal():
                    return
                async with spec.admission():  # a free slot of the model (Cog concurrency)
                    if job.is_terminal():
                        return
                    self.start(job)
                    await self._execute(job, spec, destination)
            if deadline_scope.cancelled_caught and not job.is_terminal():
                self.finish(job, "canceled" if job.started_at is not None else "aborted")

    async def _execute(self, job: Job, spec: ModelSpec, destination: Model | None) -> None:
        core = self.core
        context = _Context(self, job)
        token = _CURRENT.set(context)
        workdir: tempfile.TemporaryDirectory[str] | None = None
        try:
            try:
                kwargs, workdir = await self._prepare(job, spec)
            except InputFileError as exc:
                self.finish(job, "failed", error=f"Failed to download input file: {exc}")
                return
            last: Any = _DONE
            if spec.kind == "async_generator":
                agen = spec.func(**kwargs)
                try:
                    async for item in agen:
                        if job.is_terminal():
                            break
                        last = self._yielded(job, item, training=job.kind == "training", last=last)
                finally:
                    await agen.aclose()
            elif spec.kind == "generator":
                gen = spec.func(**kwargs)
                try:
                    while True:
                        if spec.thread:
                            item = await anyio.to_thread.run_sync(
                                next, gen, _DONE, abandon_on_cancel=True
                            )
                        else:
                            item = next(gen, _DONE)
                        if item is _DONE or job.is_terminal():
                            break
                        last = self._yielded(job, item, training=job.kind == "training", last=last)
                finally:
                    with contextlib.suppress(ValueError):  # still running in an abandoned thread
                        gen.close()
            else:
                if spec.kind == "async_function":
                    result = await spec.func(**kwargs)
                elif spec.thread:
                    call = functools.partial(spec.func, **kwargs)
                    result = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
                else:
                    result = spec.func(**kwargs)
                if job.is_terminal():
                    return
                if job.kind == "training":
                    last = result
                else:
                    self._returned(job, spec, result)
        except Exception as exc:
            if not job.is_terminal():
                self._failed(job, exc)
            return
        finally:
            _CURRENT.reset(token)
            if workdir is not None:
                workdir.cleanup()
        if job.is_terminal():
            return
        if job.kind == "training":
            try:
                self._trained(job, None if last is _DONE else last, destination)
            except Exception as exc:
                self._failed(job, exc)
                return
        if core.options.sync_early_return:
            job.output_complete = True
            job.changed()
            await core.clock.sleep(core.options.finalize_delay)
        if not job.is_terminal():
            self.finish(job, "succeeded")

    async def _prepare(
        self, job: Job, spec: ModelSpec
    ) -> tuple[dict[str, Any], tempfile.TemporaryDirectory[str] | None]:
        kwargs = dict(job.input)
        workdir: tempfile.TemporaryDirectory[str] | None = None
        for param in spec.params:
            value = kwargs.get(param.name)
            if param.type.kind not in ("file", "bytes") or not isinstance(value, str):
                continue
            data, name = self.core.resolve_input_file(value)
            if param.type.kind == "bytes":
                kwargs[param.name] = data
                continue
            if workdir is None:
                workdir = tempfile.TemporaryDirectory(prefix="replicate-emulator-")
            folder = pathlib.Path(workdir.name) / param.name
            folder.mkdir(exist_ok=True)
            path = folder / (pathlib.Path(name).name or "input")
            await anyio.Path(path).write_bytes(data)
            kwargs[param.name] = path
        if not spec.params and not spec.accepts_kwargs:
            kwargs = {}
        return kwargs, workdir

    # -- values from the model ------------------------------------------------------------------

    def _yielded(self, job: Job, item: Any, *, training: bool, last: Any) -> Any:
        if isinstance(item, Log):
            self.log(job, item.text)
            return last
        if isinstance(item, Progress):
            self.log(job, item.line())
            return last
        if training:
            return item
        self.output_chunk(job, item)
        return last

    def _returned(self, job: Job, spec: ModelSpec, result: Any) -> None:
        value = self.convert(job, result)
        job.output = value
        if spec.streams and job.stream_token is not None:
            now = self.core.now()
            items: list[Any] = value if isinstance(value, list) else [value]  # pyright: ignore[reportUnknownVariableType]
            for item in items:
                job.add_event("output", _event_text(item), now)
        job.changed()
        self.core.webhooks.trigger(job, "output")

    def _trained(self, job: Job, result: Any, destination: Model | None) -> None:
        core = self.core
        if result is None:
            weights: Any = self.convert(job, NamedBytes(_fake_weights(job), "weights.tar"))
        else:
            weights = self.convert(job, result)
        if destination is None or job.version is None:
            raise RuntimeError("training has no destination")
        base = job.version
        version = Version(
            id=core.ids.hex(),
            model=destination,
            created_at=core.stamp(),
            spec=base.spec,
            openapi_schema=base.openapi_schema,
            cog_version=base.cog_version,
        )
        destination.versions.append(version)
        core.store.versions[version.id] = version
        # As the API gives it (and the official client parses it): owner/name:<version id>.
        job.output = {"version": f"{destination.ref}:{version.id}", "weights": weights}

    def convert(self, job: Job, value: Any) -> Any:
        """Turn a model's return value into JSON, storing files as output files."""
        if value is None or type(value) in _SCALARS:
            return value
        if isinstance(value, str | bool | int | float):
            return value
        if isinstance(value, pathlib.PurePath):
            path = pathlib.Path(value)
            content_type = mimetypes.guess_type(path.name)[0] or _sniff(path.read_bytes())[1]
            return self._file(job, path.read_bytes(), path.name, content_type)
        if isinstance(value, NamedBytes):
            media = value.content_type or mimetypes.guess_type(value.name)[0]
            return self._file(job, value.data, value.name, media or "application/octet-stream")
        if isinstance(value, bytes | bytearray | memoryview):
            data = bytes(value)  # pyright: ignore[reportUnknownArgumentType]
            ext, content_type = _sniff(data)
            return self._file(job, data, f"out-{len(job.blobs)}{ext}", content_type)
        if isinstance(value, list | tuple):
            return [self.convert(job, item) for item in value]  # pyright: ignore[reportUnknownVariableType]
        if isinstance(value, dict):
            return {str(k): self.convert(job, v) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        raise TypeError(f"the model returned a {type(value).__name__}, which is not JSON")

    def _file(self, job: Job, data: bytes, name: str, content_type: str) -> FileRef:
        job.has_files = True
        return FileRef(self.core.make_blob(job, data, name, content_type))

    # -- transitions -----------------------------------------------------------------------------

    def start(self, job: Job) -> None:
        """``starting`` → ``processing``."""
        job.status = "processing"
        job.started_at = self.core.stamp(not_before=job.created_at)
        job.changed()
        self.core.webhooks.trigger(job, "start")

    def log(self, job: Job, text: str) -> None:
        """Append log lines (one ``logs`` event per line)."""
        if job.is_terminal():
            return
        text = text[:-1] if text.endswith("\n") else text
        job.logs += text + "\n"
        if job.stream_token is not None:
            now = self.core.now()
            for line in text.split("\n"):
                job.add_event("logs", line, now)
        job.changed()
        self.core.webhooks.trigger(job, "logs")

    def output_chunk(self, job: Job, item: Any) -> None:
        """Append one chunk to a streaming output (a list that grows)."""
        if job.is_terminal():
            return
        value = self.convert(job, item)
        if not isinstance(job.output, list):
            job.output = []
        output: list[Any] = job.output  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        output.append(value)
        if job.stream_token is not None:
            job.add_event("output", _event_text(value), self.core.now())
        job.changed()
        self.core.webhooks.trigger(job, "output")

    def _failed(self, job: Job, exc: BaseException) -> None:
        lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
        kept = [line for line in lines if not line.lstrip().startswith(_HIDDEN_FRAMES)]
        self.log(job, "".join(kept).rstrip("\n"))
        self.finish(job, "failed", error=str(exc) or type(exc).__name__)

    def finish(self, job: Job, status: str, *, error: str | None = None) -> None:
        """Move a job to a terminal status (once)."""
        if job.is_terminal():
            return
        core = self.core
        if status == "canceled" and job.started_at is None:
            job.started_at = core.stamp(not_before=job.created_at)
        job.completed_at = core.stamp(not_before=job.started_at or job.created_at)
        job.status = status
        job.error = error
        total = max(job.completed_at.seconds - job.created_at.seconds, 1e-6)
        if job.started_at is not None:
            predict = max(job.completed_at.seconds - job.started_at.seconds, 1e-6)
            job.metrics = {"predict_time": round(predict, 6), "total_time": round(total, 6)}
        else:
            job.metrics = {"total_time": round(total, 6)}
        if job.stream_token is not None:
            now = core.now()
            if status == "failed":
                job.add_event("error", json.dumps({"detail": error or ""}), now)
                job.add_event("done", json.dumps({"reason": "error"}), now)
            elif status == "succeeded":
                job.add_event("done", "{}", now)
            else:
                job.add_event("done", json.dumps({"reason": status}), now)
        job.changed()
        core.webhooks.trigger(job, "completed")

    def cancel(self, job: Job) -> None:
        """Cancel a job: it is ``canceled`` at once; its model code is cancelled too."""
        if job.is_terminal():
            return
        self.finish(job, "canceled")
        if job.cancel_scope is not None:
            job.cancel_scope.cancel()


def _event_text(value: Any) -> str | FileRef:
    if isinstance(value, str | FileRef):
        return value
    return json.dumps(value)


def _fake_weights(job: Job) -> bytes:
    return b"emulated weights\n" + json.dumps(job.input, sort_keys=True, default=str).encode()
