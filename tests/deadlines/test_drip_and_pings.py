"""Issue 8, item 6: deadlines bound the call, not each read.

A body that drips one byte a second never trips a per-read timeout, and neither does an event
stream that sends only ``: ping`` comments. `run(timeout=2)` and
`stream(timeout=2, idle_timeout=0.5)` must still end by their deadline with
`PredictionTimeoutError` (and the prediction cancelled), and an outer cancel scope must
interrupt them. Time bounds are hang guards only (three times the timeout); the server stops
misbehaving after a bounded time so that a broken sync client ends the test instead of hanging.
"""

from __future__ import annotations

import time

import anyio
import pytest

from replicate_async import APITimeoutError, AsyncClient, Client, PredictionTimeoutError
from replicate_async._async.streaming import AsyncPredictionStream
from replicate_async._sync.streaming import PredictionStream
from tests.hostile import HostileServer

from .support import POLL, TOKEN, until

pytestmark = pytest.mark.deadlines

TIMEOUT = 2.0
HANG_GUARD = 3 * TIMEOUT


def dripping(hostile: HostileServer) -> None:
    """Creates answer at once; every GET of the prediction drips 1 byte/s (for at most 10 s)."""
    hostile.hold_creates = False
    hostile.drip_gets = True
    hostile.drip_interval = 1.0
    hostile.drip_for = 10.0


def pinging(hostile: HostileServer) -> None:
    """Predictions have a stream that sends only comment pings; sync clients end after 12 s."""
    hostile.hold_creates = False
    hostile.stream = True
    hostile.ping_interval = 0.2
    hostile.succeed_after = 12.0


def cancelled_once(hostile: HostileServer) -> str:
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert hostile.cancels(create.prediction_id), "the timed-out prediction was not cancelled"
    assert hostile.prediction(create.prediction_id).status == "canceled"
    return create.prediction_id


# -- run() over a dripping body ----------------------------------------------------------------


async def test_run_timeout_ends_a_dripping_poll(hostile: HostileServer) -> None:
    dripping(hostile)
    async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        started = time.monotonic()
        with anyio.fail_after(HANG_GUARD):
            with pytest.raises(PredictionTimeoutError):
                await client.run("acme/slow", input={}, timeout=TIMEOUT)
        assert time.monotonic() - started < HANG_GUARD
    cancelled_once(hostile)


def test_sync_run_timeout_ends_a_dripping_poll(hostile: HostileServer) -> None:
    dripping(hostile)
    with Client(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        started = time.monotonic()
        with pytest.raises(PredictionTimeoutError):
            client.run("acme/slow", input={}, timeout=TIMEOUT)
        elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD, f"run(timeout={TIMEOUT}) took {elapsed:.1f} s"
    cancelled_once(hostile)


async def test_outer_scope_interrupts_a_dripping_create(hostile: HostileServer) -> None:
    """The create's own answer drips: the caller is still interrupted at once.

    The create's answer is still read (once the test lets the server finish it) and the
    prediction it made is then cancelled, before `aclose()` returns.
    """
    hostile.hold_creates = False
    hostile.drip_creates = True
    hostile.drip_for = 10.0
    client = AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL)
    returned = anyio.Event()
    returned_while_dripping = False

    async def caller() -> None:
        nonlocal returned_while_dripping
        with anyio.CancelScope() as scope:
            scopes.append(scope)
            await client.run("acme/slow", input={})
        (create,) = hostile.creates()
        returned_while_dripping = create.answered_at is None
        returned.set()

    scopes: list[anyio.CancelScope] = []
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(caller)
            await until(lambda: len(hostile.creates()) == 1)
            scopes[0].cancel()
            with anyio.move_on_after(5):
                await returned.wait()
            hostile.release_holds()  # the rest of the body goes out at once
    finally:
        hostile.release_holds()
        with anyio.fail_after(10):
            await client.aclose()
    assert returned_while_dripping, "the caller got control back only once the body was complete"
    cancelled_once(hostile)


@pytest.mark.parametrize("cancel_on_exit", [True, False])
async def test_a_deadline_during_a_dripping_create_cancels_what_it_made(
    hostile: HostileServer, cancel_on_exit: bool
) -> None:
    """The deadline passes while the create's answer drips: `APITimeoutError` at once, and the
    prediction is cancelled once the answer is read, even with ``cancel_on_exit=False`` (that
    leaves a prediction running when the caller gives up, never past a deadline)."""
    hostile.hold_creates = False
    hostile.drip_creates = True
    hostile.drip_for = 10.0
    client = AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL)
    try:
        with anyio.fail_after(HANG_GUARD):
            started = time.monotonic()
            with pytest.raises(APITimeoutError, match="had not answered by the deadline"):
                await client.run("acme/slow", input={}, timeout=1.0, cancel_on_exit=cancel_on_exit)
            assert time.monotonic() - started < 2.0
        (create,) = hostile.creates()
        assert create.answered_at is None  # still dripping when the caller got the error
    finally:
        hostile.release_holds()
        with anyio.fail_after(10):
            await client.aclose()
    cancelled_once(hostile)
    assert not client.left_running


async def test_outer_scope_interrupts_a_dripping_poll(hostile: HostileServer) -> None:
    """What held: a poll that drips is interrupted by an outer scope; the prediction cancelled."""
    dripping(hostile)
    async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            with anyio.move_on_after(0.7):
                await client.run("acme/slow", input={})
    cancelled_once(hostile)


# -- stream() over comment pings ---------------------------------------------------------------


async def drain(stream: AsyncPredictionStream) -> None:
    async with stream:
        async for _ in stream:
            pass


def drain_sync(stream: PredictionStream) -> None:
    with stream:
        for _ in stream:
            pass


def checked_in(hostile: HostileServer, prediction_id: str) -> bool:
    """Whether the client looked at the prediction while its stream was only pinging."""
    streams = hostile.streams()
    if not streams:
        return False
    opened = streams[0].at
    return any(get.at > opened for get in hostile.gets(prediction_id))


async def test_stream_timeout_ends_a_pinging_stream(hostile: HostileServer) -> None:
    pinging(hostile)
    async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            with pytest.raises(PredictionTimeoutError):
                await drain(client.stream("acme/llm", input={}, timeout=TIMEOUT, idle_timeout=0.5))
    prediction_id = cancelled_once(hostile)
    assert checked_in(hostile, prediction_id), "comment pings defeated the idle check-in"


def test_sync_stream_timeout_ends_a_pinging_stream(hostile: HostileServer) -> None:
    pinging(hostile)
    with Client(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        started = time.monotonic()
        with pytest.raises(PredictionTimeoutError):
            drain_sync(client.stream("acme/llm", input={}, timeout=TIMEOUT, idle_timeout=0.5))
        elapsed = time.monotonic() - started
    assert elapsed < HANG_GUARD, f"stream(timeout={TIMEOUT}) took {elapsed:.1f} s"
    prediction_id = cancelled_once(hostile)
    assert checked_in(hostile, prediction_id), "comment pings defeated the idle check-in"


async def test_outer_scope_interrupts_a_pinging_stream(hostile: HostileServer) -> None:
    """What held: an outer cancel scope ends a stream of pings and cancels the prediction."""
    pinging(hostile)
    async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        with anyio.fail_after(HANG_GUARD):
            with anyio.move_on_after(0.7):
                await drain(client.stream("acme/llm", input={}, idle_timeout=0.5))
    cancelled_once(hostile)
