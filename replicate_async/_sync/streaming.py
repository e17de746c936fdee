# GENERATED from replicate_async/_async/streaming.py by scripts/gen_sync.py. DO NOT EDIT.
"""PredictionStream: a prediction's server-sent events, typed, resumable and lossless.

The one module that owns streaming I/O: opening ``urls.stream`` (status checks and error
mapping come from `APIClient.request`), decoding events (`replicate_async._sse_decoder`), idle
check-ins, ``Last-Event-ID`` reconnection, the polling fallback, deadlines and cleanup. What the
events mean (typing, id de-duplication, the reconnect budget, missing chunks) is decided in the
pure module `replicate_async._sse`.

`__next__` is a method of a small state machine, not a generator, so that every scope
it opens (the call's deadline, a shielded close, a request) closes within one step and never
spans a ``yield``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Literal, NoReturn, Self

import attrs
import httpx

from .._concurrency import DeadlinePassed, Limiter, Runtime
from .._config import check_call_timeout
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    PredictionCanceledError,
    PredictionError,
    PredictionFailedError,
    PredictionTimeoutError,
    check_outcome,
    outcome_error,
)
from .._logging import logger
from .._polling import PollSchedule
from .._refs import DeploymentRef, ModelRef, VersionRef
from .._retry import kind_timeout
from .._sse import EventIds, ReconnectBudget, reason_for_status, to_event, undelivered_chunks
from .._sse_decoder import SSEDecoder
from .._types import InputMapping, WebhookEventName
from ..types.events import DoneEvent, ErrorEvent, LogsEvent, OutputEvent, StreamEvent
from ..types.predictions import Prediction
from .api_client import APIClient
from .predictions import create_prediction
from .waiting import (
    CLEANUP_SECONDS,
    cancel_on_deadline,
    cancel_on_exit_of,
    fetch_job,
    wait_until_terminal,
)

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "IDLE_GRACE",
    "PredictionStream",
    "TextIterator",
    "stream_slot_free",
    "wait_with_stream",
]

DEFAULT_IDLE_TIMEOUT = 30.0
"""Seconds without a meaningful event before the stream checks on the prediction."""

IDLE_GRACE = 5.0
"""The socket read timeout of a stream is its idle timeout plus this."""

_STREAM_HEADERS = {"Accept": "text/event-stream", "Cache-Control": "no-store"}

_Mode = Literal["new", "stream", "poll", "concluding", "ended"]


def stream_slot_free(api: APIClient) -> bool:
    """Whether fewer streams than the client's `max_streams` are open right now."""
    return api.connection.stream_limiter().free > 0


class PredictionStream:
    """The events of one prediction: output, logs, error and done, as typed objects.

    Iterate it (``for event in stream``), or enter it first (``with stream``) to
    close the connection and, with `cancel_on_exit`, cancel the prediction at once when the
    block is left early. Made by `Client.stream` (which creates the prediction when the
    stream is entered or first iterated) and `Predictions.stream`.

    * The `DoneEvent` is always yielded; the step after it raises `PredictionFailedError`
      (alias `ModelError`), `PredictionCanceledError` or `PredictionAbortedError`, carrying the
      final prediction, unless the prediction succeeded, in which case iteration just ends.
    * A connection that breaks before ``done`` is reopened with ``Last-Event-ID``; replayed
      events are dropped by id. When it cannot be resumed faithfully, the prediction is
      followed by polling and every output chunk not yet delivered is emitted from its final
      output, followed by ``DoneEvent(synthetic=True)``. A prediction without a stream URL is
      followed by polling from the start, its output growth emitted as `OutputEvent`.
    * `idle_timeout` seconds without a meaningful event make the stream look at the
      prediction: a finished prediction ends the stream, a running one is listened to further.
    * `timeout` is one deadline for the whole stream: when it passes, the prediction is
      canceled on the server and `PredictionTimeoutError` is raised.
    """

    def __init__(
        self,
        api: APIClient,
        *,
        prediction: Prediction | str | None = None,
        target: ModelRef | VersionRef | DeploymentRef | None = None,
        input: InputMapping | None = None,
        cancel_after: float | str | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        cancel_on_exit: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        on_progress: Callable[[Prediction], object] | None = None,
    ) -> None:
        timeout = check_call_timeout(timeout)
        if not (idle_timeout > 0 and math.isfinite(idle_timeout)):
            raise ValueError("idle_timeout must be a positive, finite number of seconds")
        self._api = api
        self._prediction: Prediction | None = None
        self._prediction_id: str | None = None
        if isinstance(prediction, Prediction):
            self._prediction = prediction
        elif prediction is not None:
            if not prediction or "/" in prediction:
                raise ValueError(f"invalid id {prediction!r}: pass the id string the API returned")
            self._prediction_id = prediction
        self._target = target
        self._input = input
        self._cancel_after = cancel_after
        self._webhook = webhook
        self._webhook_events_filter = webhook_events_filter
        self._timeout = timeout
        self._deadline = deadline
        self._cancel_on_exit = cancel_on_exit
        self._idle = float(idle_timeout)
        self._on_progress = on_progress
        base = kind_timeout(api.options.timeout, "stream")
        self._read_timeout = httpx.Timeout(
            connect=base.connect, read=self._idle + IDLE_GRACE, write=base.write, pool=base.pool
        )
        self._mode: _Mode = "new"
        self._pending: deque[StreamEvent] = deque()
        self._delivered: list[str] = []
        self._ids = EventIds()
        self._budget = ReconnectBudget()
        self._response: httpx.Response | None = None
        self._chunks: Iterator[bytes] | None = None
        self._decoder = SSEDecoder()
        self._slot: Limiter | None = None
        self._last_activity = 0.0
        self._final: Prediction | None = None
        self._need_final = False
        self._failure: str | None = None
        self._schedule = PollSchedule(first=api.options.poll_interval)
        self._poll_status: str | None = None
        self._poll_interval: float | None = None

    @classmethod
    def for_prediction(
        cls,
        api: APIClient,
        prediction: Prediction | str,
        *,
        timeout: float | None = None,
        cancel_on_exit: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> Self:
        """A stream of an existing prediction (an object, or an id fetched on the first step)."""
        return cls(
            api,
            prediction=prediction,
            timeout=timeout,
            cancel_on_exit=cancel_on_exit,
            idle_timeout=idle_timeout,
        )

    @classmethod
    def for_new_prediction(
        cls,
        api: APIClient,
        target: ModelRef | VersionRef | DeploymentRef,
        *,
        input: InputMapping,
        timeout: float | None = None,
        cancel_after: float | str | None = None,
        webhook: str | None = None,
        webhook_events_filter: Sequence[WebhookEventName] | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        cancel_on_exit: bool = True,
    ) -> Self:
        """A stream that creates its prediction when it is entered or first iterated."""
        return cls(
            api,
            target=target,
            input=input,
            cancel_after=cancel_after,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            timeout=timeout,
            cancel_on_exit=cancel_on_exit,
            idle_timeout=idle_timeout,
        )

    # -- public surface ------------------------------------------------------------------------

    @property
    def prediction(self) -> Prediction | None:
        """The latest known state of the prediction (None before it is created or fetched).

        A stream that ends in success costs no request for the final state, so this stays as
        the stream last saw it; `wait()` returns the final state.
        """
        return self._prediction

    def __repr__(self) -> str:
        known = self._prediction
        what = known.id if known is not None else (self._prediction_id or "<not created>")
        return f"<{type(self).__name__} {what} ({self._mode})>"

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> StreamEvent:
        mode = self._mode
        if mode == "ended":
            raise StopIteration
        pending = self._pending
        if pending and mode != "new":
            return pending.popleft()  # queued already: no deadline can take it back
        deadline = self._deadline
        if deadline is None and self._timeout is not None:
            deadline = self._deadline = Runtime.now() + self._timeout
        try:
            if deadline is None:
                return self._step()
            # The deadline bounds the step by the clock, whatever the server sends meanwhile.
            with Runtime.deadline(deadline):
                return self._step()
        except StopIteration:
            raise
        except DeadlinePassed:
            self._expire()
        except BaseException as exc:
            self._abandon(exc)
            raise

    def __enter__(self) -> Self:
        if self._mode == "new":
            try:
                with Runtime.deadline(self._deadline):
                    self._start()
            except DeadlinePassed:
                self._expire()
            except BaseException as exc:
                self._abandon(exc)
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and Runtime.is_cancellation(exc):
            self._leave(exc)
        else:
            self.close()

    def close(self) -> None:
        """Close the connection; with `cancel_on_exit`, cancel a prediction still running."""
        self._leave(None)

    def _leave(self, exc: BaseException | None) -> None:
        """End the stream; cancel a prediction still running when `cancel_on_exit` is set.

        An interrupted caller (`exc` a cancellation or Ctrl-C) does not wait for the cancel.
        """
        if self._mode == "ended":
            self._drop_connection()
            return
        self._mode = "ended"
        self._drop_connection()
        prediction = self._prediction
        if self._cancel_on_exit and prediction is not None and not prediction.is_terminal:
            if exc is not None:
                cancel_on_exit_of(self._api, prediction, exc)
            else:
                self._cancel(prediction)

    def text(self) -> Iterator[str]:
        """Iterate over the text of each output event, and nothing else.

        It advances this stream: outcome errors are raised the same way.
        """
        return TextIterator(self)

    def output_text(self) -> str:
        """Read the stream to its end and return all output text joined.

        Raises the outcome errors as iteration does.
        """
        for _ in self:
            pass
        return "".join(self._delivered)

    def wait(self) -> Prediction:
        """Read the stream to its end and return the final prediction, whatever its status.

        Only `PredictionTimeoutError` (the stream's `timeout`) and request errors are raised.
        """
        self._need_final = True
        try:
            for _ in self:
                pass
        except (PredictionFailedError, PredictionCanceledError):
            final = self._prediction
            if final is None or not final.is_terminal:
                raise
            return final
        final = self._prediction
        assert final is not None
        if not final.is_terminal:
            # Iterated to its end before: the done event said it succeeded; read the state.
            final = self._fetch_final()
        return final

    # -- the state machine ---------------------------------------------------------------------

    def _step(self) -> StreamEvent:
        if self._mode == "new":
            self._start()
        pending = self._pending
        while True:
            if pending:
                return pending.popleft()
            mode = self._mode
            if mode == "concluding":
                self._conclude()
            deadline = self._deadline
            if deadline is not None and Runtime.now() >= deadline:
                self._expire()
            if mode == "stream":
                self._read()
            elif mode == "poll":
                self._poll()
            else:  # pragma: no cover - "new" and "ended" never reach the loop
                raise StopIteration

    def _start(self) -> None:
        if self._timeout is not None and self._deadline is None:
            self._deadline = Runtime.now() + self._timeout
        prediction = self._prediction
        if prediction is None:
            target = self._target
            if target is not None:
                assert self._input is not None
                # The create runs in a job the client owns: interrupted meanwhile, the caller
                # returns and the client cancels whatever the create made.
                prediction = create_prediction(
                    self._api,
                    target,
                    input=self._input,
                    webhook=self._webhook,
                    webhook_events_filter=self._webhook_events_filter,
                    wait=False,
                    cancel_after=self._cancel_after,
                    deadline=self._deadline,
                    cancel_on_exit=self._cancel_on_exit,
                )
            else:
                assert self._prediction_id is not None
                prediction = fetch_job(
                    self._api, Prediction, self._prediction_id, deadline=self._deadline
                )
            self._set_prediction(prediction)
        self._last_activity = Runtime.now()
        if prediction.is_terminal:
            self._finish_from(prediction)
        elif prediction.urls is not None and prediction.urls.stream:
            self._mode = "stream"
        else:
            self._mode = "poll"

    def _record(self, event: StreamEvent) -> StreamEvent:
        if isinstance(event, OutputEvent):
            self._delivered.append(event.data)
        elif isinstance(event, DoneEvent):
            self._mode = "concluding"
            if event.reason is not None:
                self._failure = self._failure or event.reason
        elif isinstance(event, ErrorEvent):
            self._failure = event.detail
        elif isinstance(event, LogsEvent) and self._on_progress is not None:
            self._note_logs(event.data)
        return event

    def _note_logs(self, text: str) -> None:
        """Keep the prediction's logs current, so `on_progress` sees the model's progress."""
        known = self._prediction
        if known is None:
            return
        before = known.progress
        logs = (known.logs or "") + (text if text.endswith("\n") else text + "\n")
        updated = attrs.evolve(known, logs=logs)
        self._prediction = updated
        after = updated.progress
        callback = self._on_progress
        if callback is not None and after is not None and after != before:
            callback(updated)

    def _queue(self, event: StreamEvent) -> None:
        self._pending.append(self._record(event))

    def _read(self) -> None:
        """Read the next chunk of the stream; queue the events it completes."""
        chunks = self._chunks
        if chunks is None:
            self._connect()
            return
        try:
            chunk = chunks.__next__()
        except StopIteration:
            self._interrupted("the stream ended before its done event", idle=False)
            return
        except httpx.TimeoutException:
            self._interrupted("the stream was silent past its idle timeout", idle=True)
            return
        except httpx.RequestError as exc:  # a reset, EOF mid-event, a decoding failure
            self._interrupted(f"the stream broke ({type(exc).__name__})", idle=False)
            return
        decoded = self._decoder.feed(chunk)
        if self._expired():
            # Sync code cannot be interrupted mid-read: what arrives late is not delivered.
            self._expire()
        # The chunk's events are typed and queued in one pass (the hot path of a stream).
        ids = self._ids
        pending = self._pending
        queued = len(pending)
        done = False
        for sse in decoded:
            if sse.retry is not None:
                self._budget.note_retry(sse.retry)
            event = to_event(sse)
            if event is None:
                ids.note_carrier(sse.id)
            elif ids.admit(sse.id):  # else replayed after a reconnection: delivered already
                pending.append(self._record(event))
                if isinstance(event, DoneEvent):
                    done = True
                    break
        if len(pending) == queued:
            # Part of an event, or a keep-alive comment: nothing meaningful arrived.
            if Runtime.now() - self._last_activity >= self._idle:
                self._check_in()
            return
        self._last_activity = Runtime.now()
        budget = self._budget
        if budget.used:
            budget.progressed()
        if done:
            self._drop_connection()

    def _connect(self) -> None:
        prediction = self._prediction
        assert prediction is not None
        assert prediction.urls is not None
        url = prediction.urls.stream
        assert url is not None
        limiter = self._api.connection.stream_limiter()
        if not limiter.take_nowait(self):
            logger.info(
                "%d streams are open (max_streams): prediction %s is followed by polling",
                limiter.total,
                prediction.id,
            )
            self._follow_by_polling()
            return
        self._slot = limiter
        headers = dict(_STREAM_HEADERS)
        last = self._ids.last
        if last is not None:
            headers["Last-Event-ID"] = last
        try:
            response = self._api.request(
                "GET",
                url,
                kind="stream",
                headers=headers,
                timeout=self._read_timeout,
                deadline=self._deadline,
                stream=True,
            )
        except BaseException as exc:
            self._give_back_slot()
            if not isinstance(exc, (APIStatusError, APIConnectionError)):
                raise
            if self._expired():
                self._expire()
            logger.warning(
                "could not open the stream of prediction %s (%s): following it by polling",
                prediction.id,
                exc,
            )
            self._follow_by_polling()
            return
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type.lower():
            # A 2xx answer that is not an event stream: resuming it would not help.
            logger.warning(
                "the stream of prediction %s is unusable (content type %r): following it by "
                "polling",
                prediction.id,
                content_type,
            )
            response.close()
            self._give_back_slot()
            self._follow_by_polling()
            return
        self._response = response
        self._chunks = response.iter_bytes()
        self._decoder = SSEDecoder()
        self._ids.new_connection()

    def _interrupted(self, reason: str, *, idle: bool) -> None:
        """The connection ended before ``done``: finish, resume, or fall back to polling."""
        self._drop_connection()
        if self._check_in():
            return
        if not self._ids.faithful:
            logger.info(
                "%s; its events carry no ids, so prediction %s is followed by polling",
                reason,
                self._id,
            )
            self._follow_by_polling()
            return
        if idle:
            logger.debug("%s; listening to prediction %s again", reason, self._id)
            return
        delay = self._budget.next_delay(self._api.options.retry.backoff)
        if delay is None:
            logger.warning(
                "%s; %d reconnections brought nothing new, so prediction %s is followed by polling",
                reason,
                self._budget.limit,
                self._id,
            )
            self._follow_by_polling()
            return
        logger.info("%s; reconnecting to prediction %s in %.2f s", reason, self._id, delay)
        Runtime.sleep(self._clip(delay))

    def _check_in(self) -> bool:
        """GET the prediction; when it is terminal, finish from it and return True."""
        self._last_activity = Runtime.now()
        try:
            latest = fetch_job(self._api, Prediction, self._id, deadline=self._deadline)
        except (APIStatusError, APIConnectionError) as exc:
            if self._expired():
                self._expire()
            logger.info("could not check on prediction %s: %s", self._id, exc)
            return False
        self._set_prediction(latest)
        if not latest.is_terminal:
            return False
        self._drop_connection()
        self._finish_from(latest)
        return True

    def _follow_by_polling(self) -> None:
        self._mode = "poll"
        self._poll_status = None
        self._poll_interval = None

    def _poll(self) -> None:
        prediction = self._prediction
        assert prediction is not None
        status = prediction.status
        interval = self._schedule.next_interval(status, self._poll_status, self._poll_interval)
        self._poll_status, self._poll_interval = status, interval
        Runtime.sleep(self._clip(self._schedule.jittered(interval)))
        if self._expired():
            self._expire()
        try:
            latest = fetch_job(self._api, Prediction, prediction.id, deadline=self._deadline)
        except APIConnectionError:
            if self._expired():
                self._expire()
            raise
        self._set_prediction(latest)
        if latest.is_terminal:
            self._finish_from(latest)
        elif not isinstance(latest.output, str):
            # A growing list of chunks; a string output is only complete once finished.
            for chunk in undelivered_chunks(self._delivered, latest.output):
                self._queue(OutputEvent(data=chunk))

    def _finish_from(self, final: Prediction) -> None:
        """Queue the output not yet delivered, then a synthetic done event."""
        self._final = final
        for chunk in undelivered_chunks(self._delivered, final.output):
            self._queue(OutputEvent(data=chunk))
        self._queue(DoneEvent(reason=reason_for_status(final.status), synthetic=True))

    def _conclude(self) -> NoReturn:
        """After the done event: settle the final state, end, and raise the outcome."""
        final = self._final
        if final is None:
            if self._failure is None and not self._need_final:
                # ``done`` without a reason means success: the events carried the output, so
                # no request is spent on the final state unless `wait()` asks for it.
                self._drop_connection()
                self._mode = "ended"
                raise StopIteration
            final = self._fetch_final()
        self._drop_connection()
        self._mode = "ended"
        check_outcome(final)
        raise StopIteration

    def _fetch_final(self) -> Prediction:
        known = self._prediction
        assert known is not None
        try:
            # Not clipped to the deadline: the prediction has finished, only its state is read.
            final = fetch_job(self._api, Prediction, known.id)
            if not final.is_terminal:
                # The done event can run ahead of the prediction's status by a moment.
                final = wait_until_terminal(
                    self._api, final, deadline=self._deadline, cancel_on_exit=False
                )
        except (APIStatusError, APIConnectionError) as exc:
            failure = self._failure
            if failure is None:
                raise
            # The stream said how it ended; report that rather than the failed GET.
            self._mode = "ended"
            reason = failure if failure in ("canceled", "aborted") else "error"
            error = outcome_error(known, reason=reason)
            assert error is not None
            raise error from exc
        self._set_prediction(final)
        return final

    # -- deadlines, cleanup, bookkeeping ---------------------------------------------------------

    def _expired(self) -> bool:
        deadline = self._deadline
        return deadline is not None and Runtime.now() >= deadline - 0.01

    def _clip(self, seconds: float) -> float:
        deadline = self._deadline
        if deadline is None:
            return seconds
        return max(0.0, min(seconds, deadline - Runtime.now()))

    def _expire(self) -> NoReturn:
        """The deadline passed: cancel on the server, end, raise PredictionTimeoutError."""
        self._drop_connection()
        self._mode = "ended"
        prediction = self._prediction
        if prediction is None:
            raise APITimeoutError(
                "the stream's deadline passed before its prediction was created or fetched",
                request_sent=False,
            )
        latest = self._cancel(prediction)
        raise PredictionTimeoutError(latest)

    def _cancel(self, prediction: Prediction) -> Prediction:
        latest = cancel_on_deadline(self._api, prediction)
        self._set_prediction(latest)
        return latest

    def _abandon(self, exc: BaseException) -> None:
        """An exception leaves the stream: close it; cancel when the caller gave up early."""
        if self._mode == "ended":
            self._drop_connection()
            return
        if isinstance(exc, PredictionError):
            self._mode = "ended"
            self._drop_connection()
            return
        self._leave(exc)

    def _drop_connection(self) -> None:
        response, chunks = self._response, self._chunks
        self._give_back_slot()
        if response is None:
            return
        self._response = self._chunks = None
        with Runtime.shielded(CLEANUP_SECONDS):
            try:
                # The body's reader is a generator: close it, so nothing waits for the GC.
                closer = getattr(chunks, "close", None)
                if closer is not None:
                    closer()
            except Exception as exc:  # pragma: no cover - closing never outranks the caller
                logger.debug("closing the event reader failed: %s", exc)
            try:
                response.close()
            except Exception as exc:  # pragma: no cover
                logger.debug("closing the stream failed: %s", exc)

    def _give_back_slot(self) -> None:
        limiter, self._slot = self._slot, None
        if limiter is not None:
            limiter.give_back(self)

    def _set_prediction(self, prediction: Prediction) -> None:
        previous = self._prediction
        self._prediction = prediction
        callback = self._on_progress
        if callback is not None and (previous is None or previous.status != prediction.status):
            callback(prediction)

    @property
    def _id(self) -> str:
        known = self._prediction
        if known is not None:
            return known.id
        assert self._prediction_id is not None
        return self._prediction_id


class TextIterator:
    """The output texts of a stream (see `PredictionStream.text`).

    A plain iterator rather than a generator, so leaving it early leaves nothing to finalize.
    """

    __slots__ = ("_stream",)

    def __init__(self, stream: PredictionStream) -> None:
        self._stream = stream

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> str:
        stream = self._stream
        while True:
            event = stream.__next__()
            if isinstance(event, OutputEvent):
                return event.data


def wait_with_stream(
    api: APIClient,
    prediction: Prediction,
    *,
    deadline: float | None,
    cancel_on_exit: bool,
    on_progress: Callable[[Prediction], object] | None = None,
) -> Prediction:
    """Wait for `prediction` to finish by its stream's done event; return its final state.

    Output and logs are read and dropped; one GET after ``done`` supplies the authoritative
    prediction. Interruptions resume or fall back to polling as a stream does.
    """
    stream = PredictionStream(
        api,
        prediction=prediction,
        deadline=deadline,
        cancel_on_exit=cancel_on_exit,
        on_progress=on_progress,
    )
    with stream:
        return stream.wait()
