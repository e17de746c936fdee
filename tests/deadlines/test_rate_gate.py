"""Issue 8, item 5: the rate gate never wedges, counts against the deadline, and cleanup warns.

- A 429 whose ``Retry-After`` exceeds `max_retry_after` raises `RateLimitError`, and the next
  call on the same client does not wait for that refused hint.
- Time spent waiting at the gate counts against the caller's deadline: with a deadline shorter
  than the gate's pause, no create is sent at all (never one with almost no time left).
- When the cleanup cancel cannot be delivered (429 on its path), a WARNING names the prediction.
"""

from __future__ import annotations

import logging
import time

import anyio
import pytest

from replicate_async import AsyncClient, Client, RateLimitError
from tests.hostile import HostileServer, Reply

from .support import POLL, TOKEN

pytestmark = pytest.mark.deadlines

CREATE = r"/v1/models/[^/]+/[^/]+/predictions"
GET = r"/v1/predictions/[^/]+"
CANCEL = r"/v1/predictions/[^/]+/cancel"

REFUSED_HINT = 8
"""A Retry-After above the clients' `max_retry_after` (1 s here); short enough that a client
that does wait for it ends the test in bounded time instead of hanging."""

HANG_GUARD = 5.0


async def test_refused_hint_does_not_wedge_the_gate(hostile: HostileServer) -> None:
    hostile.succeed_after = 0.0
    hostile.script("POST", CREATE, Reply.too_many_requests(REFUSED_HINT))
    async with AsyncClient(
        TOKEN, base_url=hostile.base_url, poll_interval=POLL, max_retry_after=1
    ) as client:
        with anyio.fail_after(HANG_GUARD):
            with pytest.raises(RateLimitError):
                await client.run("acme/fast", input={})
        started = time.monotonic()
        output: object = None
        with anyio.move_on_after(HANG_GUARD):
            output = await client.run("acme/fast", input={})
        elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD, f"the next call waited {elapsed:.1f} s for a refused hint"
    assert output == "done"
    assert len(hostile.creates()) == 2


def test_sync_refused_hint_does_not_wedge_the_gate(hostile: HostileServer) -> None:
    hostile.succeed_after = 0.0
    hostile.script("POST", CREATE, Reply.too_many_requests(REFUSED_HINT))
    with Client(TOKEN, base_url=hostile.base_url, poll_interval=POLL, max_retry_after=1) as client:
        with pytest.raises(RateLimitError):
            client.run("acme/fast", input={})
        started = time.monotonic()
        output = client.run("acme/fast", input={})
        elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD, f"the next call waited {elapsed:.1f} s for a refused hint"
    assert output == "done"
    assert len(hostile.creates()) == 2


async def test_gate_wait_counts_against_the_deadline(hostile: HostileServer) -> None:
    """A 10 s pause at the gate and a 1 s deadline: the create is never sent."""
    hostile.script("POST", CREATE, Reply.too_many_requests(10))
    async with AsyncClient(
        TOKEN, base_url=hostile.base_url, poll_interval=POLL, max_retries=0
    ) as client:
        with anyio.fail_after(HANG_GUARD):
            with pytest.raises(RateLimitError):
                await client.run("acme/slow", input={})
            with pytest.raises((TimeoutError, RateLimitError)):
                await client.run("acme/slow", input={}, timeout=1)
    creates = hostile.creates()
    assert len(creates) == 1, (
        "a create was sent although the gate's pause outlasted the deadline "
        f"(with {creates[-1].headers.get('prefer')!r})"
    )


def test_sync_gate_wait_counts_against_the_deadline(hostile: HostileServer) -> None:
    hostile.script("POST", CREATE, Reply.too_many_requests(10))
    with Client(TOKEN, base_url=hostile.base_url, poll_interval=POLL, max_retries=0) as client:
        with pytest.raises(RateLimitError):
            client.run("acme/slow", input={})
        started = time.monotonic()
        with pytest.raises((TimeoutError, RateLimitError)):
            client.run("acme/slow", input={}, timeout=1)
        assert time.monotonic() - started < HANG_GUARD
    assert len(hostile.creates()) == 1, "a create was sent with almost no time left"


def warned_about(caplog: pytest.LogCaptureFixture, prediction_id: str) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno >= logging.WARNING and prediction_id in record.getMessage()
    ]


def throttle_everything_but_creates(hostile: HostileServer) -> None:
    """Polls get a 30 s pause (closing the gate); the cancel is refused the same way."""
    hostile.hold_creates = False
    hostile.script("GET", GET, Reply.too_many_requests(30), times=None)
    hostile.script("POST", CANCEL, Reply.too_many_requests(30), times=None)


async def test_undeliverable_cleanup_cancel_is_logged_with_the_id(
    hostile: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="replicate_async")
    throttle_everything_but_creates(hostile)
    async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        with anyio.fail_after(15):
            with pytest.raises((RateLimitError, TimeoutError)):
                await client.run("acme/slow", input={}, timeout=3)
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert warned_about(caplog, create.prediction_id), (
        "no WARNING names the prediction whose cancel could not be delivered"
    )
    assert TOKEN not in caplog.text
    # TODO(issue 8): once the client exposes the predictions it left running (e.g.
    # `client.abandoned`, or an attribute of the raised error), assert here that it lists
    # create.prediction_id.


def test_sync_undeliverable_cleanup_cancel_is_logged_with_the_id(
    hostile: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="replicate_async")
    throttle_everything_but_creates(hostile)
    with Client(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        with pytest.raises((RateLimitError, TimeoutError)):
            client.run("acme/slow", input={}, timeout=3)
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert warned_about(caplog, create.prediction_id), (
        "no WARNING names the prediction whose cancel could not be delivered"
    )
    assert TOKEN not in caplog.text
    # TODO(issue 8): assert the client's list of predictions left running names it.
