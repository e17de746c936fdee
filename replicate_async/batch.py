"""Run one model over many inputs: bounded, ordered, cancellable, resumable after a crash.

```python
from replicate_async.batch import as_completed, run_batch

results = await run_batch(client, "owner/name", inputs, concurrency=32)
for r in results:  # one result per input, in input order
    print(r.index, r.ok, r.output if r.ok else r.error)

async with as_completed(client, "owner/name", inputs, concurrency=32) as results:
    async for r in results:  # in completion order; leaving the block cancels the rest
        ...

# Resumable: rerun the same call after a crash or Ctrl-C and only unfinished work is done.
results = await run_batch(client, "owner/name", inputs, journal="batch.sqlite")
```

This module is async-only (asyncio and trio, through anyio); `run_batch_sync` runs a batch
from sync code on an event loop of its own. A failed item never stops the batch (its
`BatchResult` carries the error); account-level errors (`AuthenticationError`,
`PermissionDeniedError`, `PaymentRequiredError`) stop it, cancel the rest and are raised.
Cancelling the batch (a cancel scope, a timeout around it, Ctrl-C, leaving `as_completed`
early) cancels every prediction it started that is still running, and waits for those cancels
before it returns.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import anyio
import anyio.to_thread
from attrs import evolve, field, frozen

from ._async.client import AsyncClient
from ._async.file_output import AsyncFileOutput
from ._async.predictions import create_prediction
from ._async.run import check_outcome, map_prediction_output
from ._async.waiting import CLEANUP_SECONDS, cancel_on_exit_of, wait_for_job
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    PredictionCanceledError,
    PredictionError,
    PredictionFailedError,
    PredictionTimeoutError,
    RateLimitError,
    ResponseDecodingError,
)
from ._journal import Journal, JournalMismatchError, Row, Write, canonical_json, fingerprint
from ._params import resolve_target
from ._refs import DeploymentRef, ModelRef, VersionRef
from ._serde import structure
from ._types import InputMapping
from .types.predictions import Prediction

if TYPE_CHECKING:
    from ._async.api_client import AsyncAPIClient
    from ._sync.client import Client

__all__ = [
    "BatchProgress",
    "BatchResult",
    "JournalMismatchError",
    "JournaledError",
    "as_completed",
    "run_batch",
    "run_batch_sync",
]

RESOLVE_MARGIN = 120.0
"""Seconds before an in-flight intent's time from which listed predictions are considered
(clock skew between this machine and the API)."""

_FATAL = (AuthenticationError, PermissionDeniedError, PaymentRequiredError)


@frozen(kw_only=True)
class BatchResult:
    """The outcome of one input of a batch.

    Attributes:
        index: The input's position in the batch (0-based).
        input: The input, as given.
        prediction: The prediction's last known state (None when none was created).
        output: The output when the item succeeded (file URLs as file outputs, as `run()`
            returns them, unless ``use_file_output=False``); None otherwise.
        error: Why the item failed (a `PredictionFailedError`, `PredictionTimeoutError`, an
            API error...), or None.
        elapsed: Seconds this run spent on the item (0.0 for an item read from the journal).
        attempts: Creates this run made for the item (0 when it was re-attached to a running
            prediction or read from the journal).
        files: Paths of the file outputs saved with ``save_files=``.
        from_journal: Whether the outcome was read from the journal of an earlier run.
    """

    index: int
    input: Mapping[str, Any] = field(repr=False)
    prediction: Prediction | None = field(default=None, repr=False)
    output: Any = field(default=None, repr=False)
    error: BaseException | None = None
    elapsed: float = 0.0
    attempts: int = 0
    files: tuple[Path, ...] = ()
    from_journal: bool = False

    @property
    def ok(self) -> bool:
        """Whether the item succeeded."""
        return self.error is None


@frozen(kw_only=True)
class BatchProgress:
    """Counts of a batch's items, passed to ``on_progress`` whenever one changes.

    Attributes:
        total: Items in the batch.
        queued: Items not started yet.
        running: Items being created or waited on.
        succeeded: Items that succeeded (read from the journal included).
        failed: Items that failed (read from the journal included).
    """

    total: int
    queued: int
    running: int
    succeeded: int
    failed: int

    @property
    def done(self) -> int:
        """Items finished, succeeded or failed."""
        return self.succeeded + self.failed


class JournaledError(Exception):
    """An item's error as an earlier run recorded it in the journal.

    Prediction errors (failed, canceled, timed out) come back as their own types; other
    errors come back as this, with the original type's name.

    Attributes:
        type_name: The name of the original exception type.
    """

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name


# -- the batch ---------------------------------------------------------------------------------


Target = ModelRef | VersionRef | DeploymentRef


def _ref_text(target: Target) -> str:
    kind = "deployment" if isinstance(target, DeploymentRef) else "model"
    return f"{kind}:{target}"


def _api(client: AsyncClient) -> AsyncAPIClient:
    return client._api  # pyright: ignore[reportPrivateUsage]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _prediction_json(prediction: Prediction) -> str:
    return json.dumps(
        {
            "id": prediction.id,
            "status": prediction.status,
            "model": prediction.model,
            "version": prediction.version,
            "error": prediction.error,
            "source": prediction.source,
            "deployment": prediction.deployment,
            "created_at": _iso(prediction.created_at),
            "started_at": _iso(prediction.started_at),
            "completed_at": _iso(prediction.completed_at),
        }
    )


def _same_target(target: Target, prediction: Prediction) -> bool:
    if isinstance(target, VersionRef):
        return prediction.version == target.id
    if isinstance(target, DeploymentRef):
        return prediction.deployment == str(target) or prediction.model == str(target)
    return prediction.model == str(target)


def _create_refused(exc: BaseException) -> bool:
    """Whether a failed create provably made no prediction (so it may be sent again)."""
    if isinstance(exc, APIConnectionError):
        return not exc.request_sent
    if isinstance(exc, APIStatusError):
        # A 5xx may come from a proxy after the API made the prediction.
        return exc.status_code < 500
    # A body that did not decode came with a success status; anything else was raised
    # before the request was sent (bad input, configuration).
    return not isinstance(exc, ResponseDecodingError)


def _retryable(exc: BaseException, *, created: bool) -> bool:
    """Whether a new attempt (a new create) may follow this failure."""
    if isinstance(exc, (PredictionFailedError, PredictionTimeoutError)):
        return True
    if isinstance(exc, PredictionCanceledError):
        return type(exc) is not PredictionCanceledError  # aborted: yes; canceled: no
    if created:
        return False
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, APIConnectionError):
        return not exc.request_sent
    return False


def _file_outputs(output: Any) -> list[AsyncFileOutput]:
    found: list[AsyncFileOutput] = []

    def walk(value: Any) -> None:
        if isinstance(value, AsyncFileOutput):
            found.append(value)
        elif isinstance(value, list):
            for v in value:  # pyright: ignore[reportUnknownVariableType]
                walk(v)
        elif isinstance(value, Mapping):
            for v in value.values():  # pyright: ignore[reportUnknownVariableType]
                walk(v)

    walk(output)
    return found


class _Writer:
    """The one task that writes the journal: group commits, acknowledged when asked."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._pending: list[tuple[Write, anyio.Event | None]] = []
        self._wake = anyio.Event()

    async def write(self, write: Write, *, durable: bool) -> None:
        """Queue `write`; with `durable`, return once it is committed."""
        event = anyio.Event() if durable else None
        self._pending.append((write, event))
        self._wake.set()
        if event is not None:
            await event.wait()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            self.flush()

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        self.journal.apply([write for write, _ in batch])
        for _, event in batch:
            if event is not None:
                event.set()


class _Batch:
    def __init__(
        self,
        client: AsyncClient,
        ref: str | None,
        inputs: Iterable[InputMapping],
        *,
        deployment: str | None,
        concurrency: int,
        timeout: float | None,
        retries: int,
        on_progress: Callable[[BatchProgress], object] | None,
        on_result: Callable[[BatchResult], object] | None,
        journal: str | Path | None,
        cancel_on_exit: bool,
        save_files: str | Path | None,
        use_file_output: bool,
    ) -> None:
        if isinstance(concurrency, bool) or concurrency < 1:
            raise ValueError(f"concurrency must be a positive integer, not {concurrency!r}")
        if isinstance(retries, bool) or retries < 0:
            raise ValueError(f"retries must be a non-negative integer, not {retries!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        if not cancel_on_exit and journal is None:
            raise ValueError(
                "cancel_on_exit=False needs a journal: without one, predictions left running "
                "could never be resumed (pass journal=PATH)"
            )
        if isinstance(inputs, Mapping):
            raise TypeError("inputs is a sequence of input mappings, one per prediction")
        self.client = client
        self.api = _api(client)
        self.target: Target = resolve_target(ref, deployment=deployment)
        self.inputs: list[InputMapping] = list(inputs)
        for position, item in enumerate(self.inputs):
            if not isinstance(item, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise TypeError(
                    f"inputs[{position}] must be a mapping of input names to values, not "
                    f"{type(item).__name__}"
                )
        self.concurrency = concurrency
        self.timeout = None if timeout is None else float(timeout)
        self.retries = retries
        self.on_progress = on_progress
        self.on_result = on_result
        self.journal_path = journal
        self.cancel_on_exit = cancel_on_exit
        self.save_files = None if save_files is None else Path(save_files)
        self.use_file_output = use_file_output
        self.writer: _Writer | None = None
        self.rows: dict[int, Row] = {}
        self.total = len(self.inputs)
        self.queued = self.total
        self.running = 0
        self.succeeded = 0
        self.failed = 0
        self.fatal: BaseException | None = None

    # -- progress and results --------------------------------------------------------------

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(
                BatchProgress(
                    total=self.total,
                    queued=self.queued,
                    running=self.running,
                    succeeded=self.succeeded,
                    failed=self.failed,
                )
            )

    def _finish(self, result: BatchResult, emit: Callable[[BatchResult], None]) -> None:
        if result.ok:
            self.succeeded += 1
        else:
            self.failed += 1
        emit(result)
        if self.on_result is not None:
            self.on_result(result)
        self._report()

    # -- the run ---------------------------------------------------------------------------

    async def run(self, emit: Callable[[BatchResult], None]) -> None:
        journal: Journal | None = None
        if self.journal_path is not None:
            journal = Journal(self.journal_path)
        try:
            pending: list[int] = list(range(self.total))
            if journal is not None:
                digest, count = fingerprint(self.inputs)
                resumed = journal.bind(ref=_ref_text(self.target), digest=digest, count=count)
                self.rows = journal.rows() if resumed else {}
                await self._resolve_intents(journal)
                pending.clear()
                for index in range(self.total):
                    row = self.rows.get(index)
                    if row is not None and row.state == "done":
                        self.queued -= 1
                        del self.rows[index]
                        self._finish(self._from_row(index, row), emit)
                    else:
                        pending.append(index)
                self.writer = _Writer(journal)
            await self._work(pending, emit)
        finally:
            if journal is not None:
                if self.writer is not None:
                    self.writer.flush()
                journal.close()
        if self.fatal is not None:
            raise self.fatal

    async def _work(self, pending: Sequence[int], emit: Callable[[BatchResult], None]) -> None:
        queue = iter(pending)
        self._report()
        try:
            async with anyio.create_task_group() as outer:
                if self.writer is not None:
                    outer.start_soon(self.writer.run)
                async with anyio.create_task_group() as group:
                    for _ in range(min(self.concurrency, len(pending))):
                        group.start_soon(self._worker, queue, emit, group.cancel_scope)
                outer.cancel_scope.cancel()
        finally:
            # Whatever ended the batch, the predictions it gave up on are cancelled by the
            # client's own jobs: wait for them (bounded) so that none is running on return.
            with anyio.CancelScope(shield=True) as scope:
                scope.deadline = anyio.current_time() + 2 * CLEANUP_SECONDS + 5
                await self.api.connection.tasks.join()

    async def _worker(
        self,
        queue: Iterable[int],
        emit: Callable[[BatchResult], None],
        scope: anyio.CancelScope,
    ) -> None:
        try:
            for index in queue:
                self.queued -= 1
                self.running += 1
                self._report()
                try:
                    result = await self._item(index)
                finally:
                    self.running -= 1
                self._finish(result, emit)
        except Exception as exc:
            # An account-level error, or a defect in a callback: stop the whole batch.
            if self.fatal is None:
                self.fatal = exc
            scope.cancel()

    # -- one item --------------------------------------------------------------------------

    async def _item(self, index: int) -> BatchResult:
        item = self.inputs[index]
        row = self.rows.pop(index, None)
        attach = row.prediction_id if row is not None and row.state == "created" else None
        started = time.monotonic()
        attempts = 0
        while True:
            prediction: Prediction | None = None
            created = False
            try:
                deadline = None if self.timeout is None else time.monotonic() + self.timeout
                if attach is not None:
                    prediction = await self._attach(attach)
                    attach = None
                if prediction is None:
                    attempts += 1
                    prediction = await self._create(index, item, deadline)
                created = True
                if not prediction.is_terminal:
                    prediction = await wait_for_job(
                        self.api,
                        prediction,
                        deadline=deadline,
                        cancel_on_exit=self.cancel_on_exit,
                        on_progress=None,
                    )
                check_outcome(prediction)
                raw = prediction.output
                files = await self._save(index, raw)
                result = BatchResult(
                    index=index,
                    input=item,
                    prediction=prediction,
                    output=map_prediction_output(
                        self.api, raw, use_file_output=self.use_file_output
                    ),
                    elapsed=time.monotonic() - started,
                    attempts=attempts,
                    files=files,
                )
                await self._record(result, raw)
                return result
            except _FATAL:
                raise
            except Exception as exc:
                if isinstance(exc, PredictionError):
                    prediction = exc.prediction
                if attempts <= self.retries and _retryable(exc, created=created):
                    continue
                result = BatchResult(
                    index=index,
                    input=item,
                    prediction=prediction,
                    error=exc,
                    elapsed=time.monotonic() - started,
                    attempts=attempts,
                )
                await self._record_failure(result, created=created)
                return result

    async def _attach(self, prediction_id: str) -> Prediction | None:
        """The journaled prediction, or None when it must be created again."""
        try:
            prediction = await self.client.predictions.get(prediction_id)
        except NotFoundError:
            return None
        if prediction.status == "canceled":
            # Cancelled when an earlier run was interrupted: the item is unfinished work.
            return None
        return prediction

    async def _create(self, index: int, item: InputMapping, deadline: float | None) -> Prediction:
        # No server-side hold: the id comes back at once, so that an interrupted batch can
        # cancel every prediction before it returns (a held create could only be cancelled
        # once the server answers), and the wait is a stream or adaptive polling.
        writer = self.writer
        if writer is None:
            return await create_prediction(
                self.api,
                self.target,
                input=item,
                wait=False,
                deadline=deadline,
                cancel_on_exit=self.cancel_on_exit,
            )
        # Journaled: the intent is committed before the create is sent, and the id before the
        # prediction is waited on, so that a crash at any point never pays twice.
        await writer.write(Journal.intent(index, time.time()), durable=True)
        try:
            prediction = await create_prediction(
                self.api,
                self.target,
                input=item,
                wait=False,
                deadline=deadline,
                cancel_on_exit=self.cancel_on_exit,
            )
        except Exception as exc:
            if _create_refused(exc):
                await writer.write(Journal.forget(index), durable=False)
            raise
        try:
            await writer.write(
                Journal.created(index, prediction.id, prediction.status), durable=True
            )
        except BaseException as exc:
            # Interrupted before the wait began: nobody else would cancel it. (The id is
            # queued and reaches the journal when the batch ends.)
            if self.cancel_on_exit:
                await cancel_on_exit_of(self.api, prediction, exc)
            raise
        return prediction

    async def _save(self, index: int, raw: Any) -> tuple[Path, ...]:
        if self.save_files is None:
            return ()
        outputs = _file_outputs(map_prediction_output(self.api, raw, use_file_output=True))
        if not outputs:
            return ()
        folder = self.save_files / str(index)
        await anyio.to_thread.run_sync(lambda: folder.mkdir(parents=True, exist_ok=True))
        saved: list[Path] = []
        used: set[str] = set()
        for position, output in enumerate(outputs):
            name = output.filename
            if name in used:
                name = f"{position}-{name}"
            used.add(name)
            saved.append(await output.save(folder / name))
        return tuple(saved)

    async def _record(self, result: BatchResult, raw: Any) -> None:
        if self.writer is None or result.prediction is None:
            return
        prediction = result.prediction
        await self.writer.write(
            Journal.done(
                result.index,
                prediction_id=prediction.id,
                status=prediction.status,
                prediction=_prediction_json(prediction),
                output=json.dumps(raw),
                error_type=None,
                error=None,
                files=json.dumps([str(p) for p in result.files]) if result.files else None,
            ),
            durable=False,
        )

    async def _record_failure(self, result: BatchResult, *, created: bool) -> None:
        if self.writer is None:
            return
        error = result.error
        assert error is not None
        prediction = result.prediction
        if not created:
            # Never created: a rerun creates it (the row is gone). Or the create may have
            # made a prediction: the intent stays, and a rerun looks for it.
            return
        if not isinstance(error, PredictionError) and not self.cancel_on_exit:
            return  # the prediction may still run: a rerun re-attaches to it
        await self.writer.write(
            Journal.done(
                result.index,
                prediction_id=None if prediction is None else prediction.id,
                status=None if prediction is None else prediction.status,
                prediction=None if prediction is None else _prediction_json(prediction),
                output=None,
                error_type=type(error).__name__,
                error=str(error),
                files=None,
            ),
            durable=False,
        )

    def _from_row(self, index: int, row: Row) -> BatchResult:
        item = self.inputs[index]
        prediction: Prediction | None = None
        raw = json.loads(row.output) if row.output is not None else None
        if row.prediction is not None:
            data = json.loads(row.prediction)
            data["output"] = raw
            data["input"] = dict(item)
            prediction = structure(data, Prediction)
        files = tuple(Path(p) for p in json.loads(row.files)) if row.files else ()
        error: BaseException | None = None
        if row.error_type is not None:
            error = self._rebuilt_error(row.error_type, row.error or "", prediction)
        return BatchResult(
            index=index,
            input=item,
            prediction=prediction,
            output=None
            if error is not None
            else map_prediction_output(self.api, raw, use_file_output=self.use_file_output),
            error=error,
            files=files,
            from_journal=True,
        )

    @staticmethod
    def _rebuilt_error(
        type_name: str, message: str, prediction: Prediction | None
    ) -> BaseException:
        if prediction is not None:
            if type_name == PredictionTimeoutError.__name__:
                return PredictionTimeoutError(prediction)
            try:
                check_outcome(prediction)
            except PredictionError as exc:
                return exc
        return JournaledError(type_name, message)

    # -- in-flight intents -----------------------------------------------------------------

    async def _resolve_intents(self, journal: Journal) -> None:
        """Find the predictions of creates that were in flight when an earlier run died.

        Each intent (written, no id) is looked up among the predictions listed since its
        time, by model and input; a match is re-attached, and only an intent without one is
        created again.
        """
        intents = {i: r for i, r in self.rows.items() if r.state == "intent"}
        if not intents:
            return
        known = {r.prediction_id for r in self.rows.values() if r.prediction_id is not None}
        wanted: dict[str, list[int]] = {}
        for index in sorted(intents):
            wanted.setdefault(canonical_json(self.inputs[index]), []).append(index)
        earliest = min(r.intent_at or 0.0 for r in intents.values())
        since = datetime.fromtimestamp(earliest - RESOLVE_MARGIN, UTC)
        found: dict[int, Prediction] = {}
        async for listed in self.client.predictions.iter(
            created_after=since.isoformat().replace("+00:00", "Z")
        ):
            if listed.id in known or not _same_target(self.target, listed):
                continue
            candidate = listed
            if candidate.input is None:
                candidate = await self.client.predictions.get(listed.id)
            slots = wanted.get(canonical_json(candidate.input))
            if slots:
                found[slots.pop(0)] = candidate
                known.add(candidate.id)
        writes: list[Write] = []
        for index in intents:
            prediction = found.get(index)
            if prediction is None:
                writes.append(Journal.forget(index))
                del self.rows[index]
            else:
                writes.append(Journal.intent(index, intents[index].intent_at or 0.0))
                writes.append(Journal.created(index, prediction.id, prediction.status))
                self.rows[index] = Row(
                    index=index,
                    state="created",
                    prediction_id=prediction.id,
                    status=prediction.status,
                )
        journal.apply(writes)


# -- the public entry points -------------------------------------------------------------------


async def run_batch(
    client: AsyncClient,
    ref: str | None,
    inputs: Iterable[InputMapping],
    *,
    deployment: str | None = None,
    concurrency: int = 8,
    timeout: float | None = None,
    retries: int = 0,
    on_progress: Callable[[BatchProgress], object] | None = None,
    on_result: Callable[[BatchResult], object] | None = None,
    journal: str | Path | None = None,
    cancel_on_exit: bool = True,
    save_files: str | Path | None = None,
    use_file_output: bool = True,
) -> list[BatchResult]:
    """Run `ref` once per input, at most `concurrency` at a time; return results in input order.

    A failed item never stops the batch: its `BatchResult` carries the error. Account-level
    errors (`AuthenticationError`, `PermissionDeniedError`, `PaymentRequiredError`) cancel the
    rest and are raised. Cancelling the call (a cancel scope, a timeout around it, Ctrl-C)
    cancels every prediction still starting or processing before it returns.

    Args:
        client: The client to use; its rate gate and `max_concurrency` apply to every item.
        ref: ``owner/name``, ``owner/name:<version id>`` or a version id (None with
            `deployment`).
        inputs: One input mapping per prediction.
        deployment: A deployment ``owner/name`` to run instead of `ref`.
        concurrency: Items in progress at most.
        timeout: Seconds one attempt of one item may take; past it the prediction is
            canceled and the item fails with `PredictionTimeoutError`.
        retries: New attempts (new predictions) for an item whose prediction failed, was
            aborted or timed out, or whose create was refused by a rate limit or never sent.
            A create that may have reached the server is never sent again.
        on_progress: Called with a `BatchProgress` whenever the counts change.
        on_result: Called with each `BatchResult` as it is made (for checkpointing).
        journal: A SQLite file recording each item's state. Rerunning the same call with the
            same file returns finished items from it, re-attaches to predictions still running
            and creates only the rest.
        cancel_on_exit: Cancel running predictions when the batch is interrupted (default).
            False (journaled batches only) leaves them running for a later resume.
        save_files: A directory: file outputs are downloaded to ``DIR/<index>/`` as items
            finish (file URLs expire about an hour after the prediction).
        use_file_output: Return file URLs as file outputs (default), or as plain strings.

    Returns:
        One `BatchResult` per input, in input order.

    Raises:
        JournalMismatchError: `journal` records a batch of other inputs or another model.
        AuthenticationError: The token was refused (likewise PermissionDeniedError and
            PaymentRequiredError): the batch stopped.
    """
    batch = _Batch(
        client,
        ref,
        inputs,
        deployment=deployment,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        on_progress=on_progress,
        on_result=on_result,
        journal=journal,
        cancel_on_exit=cancel_on_exit,
        save_files=save_files,
        use_file_output=use_file_output,
    )
    results: list[BatchResult | None] = [None] * batch.total

    def keep(result: BatchResult) -> None:
        results[result.index] = result

    await batch.run(keep)
    return [r for r in results if r is not None]


@contextlib.asynccontextmanager
async def as_completed(
    client: AsyncClient,
    ref: str | None,
    inputs: Iterable[InputMapping],
    *,
    deployment: str | None = None,
    concurrency: int = 8,
    timeout: float | None = None,
    retries: int = 0,
    on_progress: Callable[[BatchProgress], object] | None = None,
    journal: str | Path | None = None,
    cancel_on_exit: bool = True,
    save_files: str | Path | None = None,
    use_file_output: bool = True,
) -> AsyncGenerator[AsyncIterator[BatchResult]]:
    """Run a batch and yield its results as they finish (completion order).

    ```python
    async with as_completed(client, "owner/name", inputs, concurrency=32) as results:
        async for r in results:
            ...
    ```

    Leaving the block early (break, an exception, cancellation) cancels the items still in
    progress and their predictions before the block exits. The options are those of
    `run_batch`.

    Yields:
        An iterator of `BatchResult`, one per input, in completion order.
    """
    batch = _Batch(
        client,
        ref,
        inputs,
        deployment=deployment,
        concurrency=concurrency,
        timeout=timeout,
        retries=retries,
        on_progress=on_progress,
        on_result=None,
        journal=journal,
        cancel_on_exit=cancel_on_exit,
        save_files=save_files,
        use_file_output=use_file_output,
    )
    send, receive = anyio.create_memory_object_stream[BatchResult](math.inf)
    failure: list[BaseException] = []

    async def produce(scope: anyio.CancelScope) -> None:
        with send:
            try:
                await batch.run(send.send_nowait)
            except Exception as exc:
                failure.append(exc)
                scope.cancel()

    with receive:
        async with anyio.create_task_group() as group:
            group.start_soon(produce, group.cancel_scope)
            try:
                yield receive
            finally:
                group.cancel_scope.cancel()
    if failure:
        raise failure[0]


def run_batch_sync(
    client: Client | Callable[[], AsyncClient] | None,
    ref: str | None,
    inputs: Iterable[InputMapping],
    *,
    deployment: str | None = None,
    concurrency: int = 8,
    timeout: float | None = None,
    retries: int = 0,
    on_progress: Callable[[BatchProgress], object] | None = None,
    on_result: Callable[[BatchResult], object] | None = None,
    journal: str | Path | None = None,
    cancel_on_exit: bool = True,
    save_files: str | Path | None = None,
    use_file_output: bool = True,
    backend: Literal["asyncio", "trio"] = "asyncio",
) -> list[BatchResult]:
    """`run_batch` for sync code: the batch runs on an event loop of its own.

    ```python
    from replicate_async import Client
    from replicate_async.batch import run_batch_sync

    with Client() as client:
        results = run_batch_sync(client, "owner/name", inputs, concurrency=16)
    ```

    The results, the journal and cancellation behave as in `run_batch`: Ctrl-C cancels the
    running predictions (unless ``cancel_on_exit=False`` with a journal), waits for those
    cancels, then raises `KeyboardInterrupt`.

    Args:
        client: A sync `Client` whose settings (token, base URL, timeouts, retries, limits)
            the batch's own async client copies; or a function that returns an `AsyncClient`
            (called on the batch's loop; needed for a custom transport); or None for a client
            configured from the environment.
        ref: As in `run_batch`.
        inputs: As in `run_batch`.
        deployment: As in `run_batch`.
        concurrency: As in `run_batch`.
        timeout: As in `run_batch`.
        retries: As in `run_batch`.
        on_progress: As in `run_batch`.
        on_result: As in `run_batch`.
        journal: As in `run_batch`.
        cancel_on_exit: As in `run_batch`.
        save_files: As in `run_batch`.
        use_file_output: File URLs as file outputs of `client` (a sync `Client`); with a
            factory or None they stay plain URL strings.
        backend: The event loop to run on: ``"asyncio"`` (default) or ``"trio"``.

    Returns:
        One `BatchResult` per input, in input order.
    """

    async def main() -> list[BatchResult]:
        async with _async_client_for(client) as async_client:
            try:
                return await run_batch(
                    async_client,
                    ref,
                    inputs,
                    deployment=deployment,
                    concurrency=concurrency,
                    timeout=timeout,
                    retries=retries,
                    on_progress=on_progress,
                    on_result=on_result,
                    journal=journal,
                    cancel_on_exit=cancel_on_exit,
                    save_files=save_files,
                    use_file_output=False,
                )
            except anyio.get_cancelled_exc_class():
                what = "canceling" if cancel_on_exit else "leaving for a later resume"
                print(
                    f"replicate_async: batch interrupted; {what} its running predictions",
                    file=sys.stderr,
                    flush=True,
                )
                raise

    results: list[BatchResult] = anyio.run(main, backend=backend)
    from ._sync.client import Client as SyncClient

    if use_file_output and isinstance(client, SyncClient):
        from ._sync.run import map_prediction_output as map_sync

        api = client._api  # pyright: ignore[reportPrivateUsage]
        results = [
            r if not r.ok else evolve(r, output=map_sync(api, r.output, use_file_output=True))
            for r in results
        ]
    return results


@contextlib.asynccontextmanager
async def _async_client_for(
    client: Client | Callable[[], AsyncClient] | None,
) -> AsyncGenerator[AsyncClient]:
    from ._sync.client import Client as SyncClient

    if client is None:
        made = AsyncClient()
    elif isinstance(client, SyncClient):
        made = _copy_settings(client)
    else:
        made = client()
    async with made:
        yield made


def _copy_settings(client: Client) -> AsyncClient:
    from ._async.api_client import AsyncConnection

    connection = client._connection  # pyright: ignore[reportPrivateUsage]
    if (
        connection._user_client is not None  # pyright: ignore[reportPrivateUsage]
        or connection._transport is not None  # pyright: ignore[reportPrivateUsage]
    ):
        raise ValueError(
            "this Client uses its own http_client= or transport=, which an event loop cannot "
            "share: pass run_batch_sync a function that returns an AsyncClient instead"
        )
    options = client._options  # pyright: ignore[reportPrivateUsage]
    made = object.__new__(AsyncClient)
    made._setup(  # pyright: ignore[reportPrivateUsage]
        options, AsyncConnection(options, http_client=None, transport=None), child=False
    )
    return made
