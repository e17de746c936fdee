"""Pure pieces behind deadlines and cancellation: holds, send guards, the sync jobs, the decoder."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from replicate_async._concurrency import DeadlinePassed, Job, Runtime, Tasks
from replicate_async._http import (
    ACTIVE_GUARD,
    HOLD_MARGIN,
    MAX_HOLD,
    Abandoned,
    SendGuard,
    check_guard_at_send,
    hold_for_deadline,
)
from replicate_async._sse_decoder import SSEDecoder


@given(
    left=st.floats(0, 10_000, allow_nan=False), wait=st.one_of(st.just(True), st.integers(1, 60))
)
def test_a_hold_always_ends_before_the_deadline(left: float, wait: bool | int) -> None:
    hold = hold_for_deadline(wait, left)
    if hold is False:
        assert left < HOLD_MARGIN + 1
    else:
        assert isinstance(hold, int)
        assert 1 <= hold <= (MAX_HOLD if wait is True else wait)
        assert hold + HOLD_MARGIN - 0.05 <= left


def test_no_deadline_or_no_hold_asks_nothing_new() -> None:
    assert hold_for_deadline(True, None) is True
    assert hold_for_deadline(False, 100.0) is False
    assert hold_for_deadline(10, None) == 10


def test_the_guard_commits_a_request_or_refuses_it() -> None:
    assert ACTIVE_GUARD.get() is None
    check_guard_at_send()  # no guard: nothing to check
    guard = SendGuard()
    token = ACTIVE_GUARD.set(guard)
    try:
        check_guard_at_send()
        assert guard.sending
        guard.sending = False
        guard.abandoned = True
        with pytest.raises(Abandoned):
            check_guard_at_send()
        assert not guard.sending
    finally:
        ACTIVE_GUARD.reset(token)


def test_a_cancellation_on_its_way_to_the_caller_refuses_the_send() -> None:
    guard = SendGuard(lambda: True)
    token = ACTIVE_GUARD.set(guard)
    try:
        with pytest.raises(Abandoned):
            check_guard_at_send()
    finally:
        ACTIVE_GUARD.reset(token)
    assert guard.abandoned


def test_a_sync_job_runs_to_its_end_and_reports_its_value_or_error() -> None:
    tasks = Tasks()
    release = threading.Event()
    job = tasks.start(lambda: release.wait(5) and 42)
    assert len(tasks) == 1
    with pytest.raises(DeadlinePassed):
        job.result(time.monotonic() + 0.01)  # the wait gives up; the job goes on
    assert not job.done()
    release.set()
    assert job.result() == 42
    assert job.finished_value() == 42
    tasks.join()
    assert len(tasks) == 0

    def fail() -> int:
        raise KeyError("boom")

    failing: Job[int] = tasks.start(fail)
    with pytest.raises(KeyError):
        failing.result()
    assert failing.finished_value() is None
    assert isinstance(failing.error, KeyError)


def test_a_detached_job_is_not_waited_for() -> None:
    tasks = Tasks()
    release = threading.Event()
    job = tasks.start(lambda: release.wait(5))
    job.detach()
    tasks.join()  # returns although the job still runs
    assert not job.done()
    release.set()
    job.wait_done()


def test_sync_code_has_no_deadline_scope_and_one_backend() -> None:
    from replicate_async import ConfigurationError

    with Runtime.deadline(time.monotonic() - 1):
        pass  # sync code clips its reads instead of being interrupted
    assert not Runtime.cancel_pending_probe()()
    with pytest.raises(ConfigurationError, match="async client"):
        Runtime.backend_transport("aiohttp", max_connections=1)


def test_the_decoder_reports_its_last_id_and_discards_a_cut_off_event() -> None:
    decoder = SSEDecoder()
    (event,) = decoder.feed(b"id: 9\ndata: a\n\ndata: cut")
    assert "data='a'" in repr(event)
    assert decoder.last_event_id == "9"
    assert decoder.close() == []
    assert decoder.feed(b"\n\n") == []  # the cut-off event was dropped at close
    assert decoder.feed(b"") == []
