"""Webhook deliveries: filtered, throttled, signed, the terminal one retried.

Each job with a ``webhook`` gets a delivery worker. Events pass the job's
``webhook_events_filter`` (default: ``output`` and ``completed``). ``start`` and ``completed``
are always sent; ``output`` and ``logs`` deliveries are coalesced to at most one per 500 ms
(emulator clock). The body is the job exactly as ``GET`` would return it at sending time, signed
with the Standard Webhooks scheme (``replicate_async.webhooks.sign``) and the secret that
``GET /v1/webhooks/default/secret`` returns. Only the ``completed`` delivery is retried (on a
connection failure or a non-2xx answer; redirects are not followed), with the same
``webhook-id`` and a fresh ``webhook-timestamp`` per attempt; whether ``aborted`` predictions
trigger ``completed`` is not established, and the emulator sends it.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._state import Job, dumps

if TYPE_CHECKING:
    from ._core import Core

__all__ = ["WebhookDelivery", "WebhookDispatcher", "WebhookHandler"]

logger = logging.getLogger("replicate_async.testing")

DEFAULT_EVENTS = ("output", "completed")

WebhookHandler = Callable[
    [httpx.Request], "httpx.Response | int | Awaitable[httpx.Response | int | None] | None"
]
"""An in-process webhook receiver: gets the delivery request, returns a response, a status or
None (200); may be async."""


@dataclass(frozen=True)
class WebhookDelivery:
    """One webhook delivery attempt, as recorded in ``emulator.webhook_deliveries``."""

    url: str
    """Where it was sent."""
    event: str
    """``start``, ``output``, ``logs`` or ``completed``."""
    attempt: int
    """1 for the first attempt, 2 for the first retry, ..."""
    headers: dict[str, str]
    """The request headers (``webhook-id``, ``webhook-timestamp``, ``webhook-signature``, ...)."""
    body: bytes
    """The exact request body."""
    status_code: int | None
    """The receiver's status, or None when the request failed."""
    error: str | None = None
    """Why the request failed, if it did."""
    job_id: str = ""
    """The prediction or training id."""
    sent_at: float = 0.0
    """When it was sent, in emulator-clock Unix seconds."""

    def json(self) -> Any:
        """The body, parsed."""
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


class _Worker:
    def __init__(self, dispatcher: WebhookDispatcher, job: Job) -> None:
        self.dispatcher = dispatcher
        self.job = job
        self.start_pending: bytes | None = None
        self.throttled_pending: str | None = None
        self.completed_pending = False
        self.finished = False
        self.idle = False
        self.wake: anyio.Event | None = None
        self.throttle_scope: anyio.CancelScope | None = None
        self.last_throttled = float("-inf")

    def add(self, kind: str) -> None:
        if self.finished:
            return
        if kind == "start":
            # The start body is the state at start, not whatever it is when the POST goes out.
            self.start_pending = self.dispatcher.body(self.job)
        elif kind == "completed":
            self.completed_pending = True
            if self.throttle_scope is not None:
                self.throttle_scope.cancel()
        else:
            self.throttled_pending = kind
        if self.idle:
            self.idle = False
            self.dispatcher.core.clock.reserve()
            if self.wake is not None:
                self.wake.set()

    async def run(self) -> None:
        clock = self.dispatcher.core.clock
        while True:
            with clock.busy(adopt=True):
                await self._drain()
            if self.finished:
                return
            self.wake = anyio.Event()
            self.idle = True
            await self.wake.wait()

    async def _drain(self) -> None:
        core = self.dispatcher.core
        while True:
            if self.start_pending is not None:
                body, self.start_pending = self.start_pending, None
                await self.dispatcher.send(self.job, "start", retry=False, body=body)
            elif self.completed_pending:
                self.completed_pending = False
                self.throttled_pending = None
                self.finished = True
                await self.dispatcher.send(self.job, "completed", retry=True)
                self.dispatcher.forget(self.job)
                return
            elif self.throttled_pending is not None:
                due = self.last_throttled + core.options.webhook_throttle
                if core.clock.now() < due:
                    with anyio.CancelScope() as scope:
                        self.throttle_scope = scope
                        await core.clock.sleep_until(due)
                    self.throttle_scope = None
                    continue
                kind, self.throttled_pending = self.throttled_pending, None
                self.last_throttled = await self.dispatcher.send(self.job, kind, retry=False)
            else:
                return


class WebhookDispatcher:
    """Sends the webhooks of every job of one emulator."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.deliveries: list[WebhookDelivery] = []
        self.receivers: list[tuple[str, WebhookHandler]] = []
        self.transport: httpx.AsyncBaseTransport | None = None
        self._workers: dict[str, _Worker] = {}
        self._client: httpx.AsyncClient | None = None

    def trigger(self, job: Job, kind: str) -> None:
        """Offer an event of `job` to its webhook (if any, and if the filter wants it)."""
        if job.webhook is None or self.core.spawner is None:
            return
        wanted = job.webhook_events_filter or DEFAULT_EVENTS
        if kind not in wanted:
            return
        worker = self._workers.get(job.id)
        if worker is None:
            worker = _Worker(self, job)
            self._workers[job.id] = worker
            worker.add(kind)
            self.core.clock.reserve()
            try:
                self.core.spawn(worker.run)
            except BaseException:
                self.core.clock.release()
                raise
        else:
            worker.add(kind)

    def forget(self, job: Job) -> None:
        """Drop a finished worker."""
        self._workers.pop(job.id, None)

    def body(self, job: Job) -> bytes:
        """The delivery body: the job as ``GET`` returns it now."""
        return dumps(self.core.renderer().job(self.core.touch(job), via="get"))

    async def send(self, job: Job, event: str, *, retry: bool, body: bytes | None = None) -> float:
        """Deliver one message (with retries for the terminal one); returns when it went out."""
        from replicate_async.webhooks import sign

        core = self.core
        url = job.webhook
        first = core.now()
        if url is None:
            return first
        if body is None:
            body = self.body(job)
        msg_id = "msg_" + core.ids.token(24)
        delays = core.options.webhook_retry_delays if retry else ()
        for attempt in range(1, len(delays) + 2):
            headers = {
                "content-type": "application/json",
                "user-agent": "replicate-webhooks/emulator",
                **sign(body, secret=core.webhook_secret, msg_id=msg_id, timestamp=int(core.now())),
            }
            sent_at = core.now()
            if attempt == 1:
                first = sent_at
            status, error = await self._post(url, headers, body)
            self.deliveries.append(
                WebhookDelivery(url, event, attempt, headers, body, status, error, job.id, sent_at)
            )
            if status is not None and 200 <= status < 300:
                return first
            if attempt > len(delays):
                logger.warning(
                    "webhook %s of %s to %r failed after %d attempt(s): %s",
                    event,
                    job.id,
                    url,
                    attempt,
                    error or f"status {status}",
                )
                return first
            await core.clock.sleep(delays[attempt - 1])
        return first

    async def _post(
        self, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int | None, str | None]:
        # Anything that goes wrong here fails this attempt only: a URL httpx cannot even build
        # a request for (a port out of range, a control character) included. Cancellation
        # (BaseException) still passes.
        try:
            return await self._attempt(url, headers, body)
        except Exception as exc:
            return None, f"{type(exc).__name__}: {exc}"

    async def _attempt(
        self, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int | None, str | None]:
        request = httpx.Request("POST", url, headers=headers, content=body)
        for prefix, handler in self.receivers:
            if url.startswith(prefix):
                try:
                    answer = handler(request)
                    if inspect.isawaitable(answer):
                        answer = await answer
                except Exception as exc:
                    return None, f"receiver raised {exc!r}"
                if answer is None:
                    return 200, None
                if isinstance(answer, int):
                    return answer, None
                return answer.status_code, None
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self.transport,
                timeout=self.core.options.webhook_timeout,
                follow_redirects=False,
                trust_env=False,
            )
        response = await self._client.send(request)
        await response.aclose()
        return response.status_code, None

    async def aclose(self) -> None:
        """Close the HTTP client used for deliveries."""
        client, self._client = self._client, None
        self._workers.clear()
        if client is not None:
            with anyio.CancelScope(shield=True):
                await client.aclose()
