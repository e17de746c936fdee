"""Issue 8, item 1: `run(timeout=N)` against a server that holds a create exactly as asked.

A create with ``Prefer: wait=N`` is held by the server for exactly N seconds. With a whole N
(or N < 1) the hold asked must end strictly before the deadline, the held create's read timeout
must outlast the hold, and at the deadline the prediction is cancelled on the server and
`PredictionTimeoutError` (never `APITimeoutError`) is raised. Against the hostile server, and
against the emulator on its real and instant clocks; async (both backends) and sync.
"""

from __future__ import annotations

import anyio
import pytest

from replicate_async import AsyncClient, Client, PredictionTimeoutError
from replicate_async.testing import Emulator
from tests.hostile import HostileServer

from .support import POLL, TOKEN, hold_ends_before

pytestmark = pytest.mark.deadlines

TIMEOUTS = [pytest.param(2, id="whole-2s"), pytest.param(0.5, id="under-1s")]
ASYNCIO_ONLY = pytest.mark.parametrize("anyio_backend", ["asyncio"])


def check_timed_out(hostile: HostileServer, error: BaseException, timeout: float) -> None:
    """The outcome the issue demands once `run(timeout=...)` has raised.

    A prediction that was created is cancelled on the server and `PredictionTimeoutError`
    names it. With less than a second, a client may also decide not to send the create at all
    (nothing to cancel); then any `TimeoutError` will do.
    """
    creates = hostile.creates()
    assert len(creates) <= 1
    if not creates:
        assert timeout < 1, "a create should have been sent"
        assert isinstance(error, TimeoutError), f"{type(error).__name__}: {error}"
        return
    (create,) = creates
    hold_ends_before(create, timeout)
    assert isinstance(error, PredictionTimeoutError), (
        f"expected PredictionTimeoutError, got {type(error).__name__}: {error}"
    )
    assert create.prediction_id is not None
    assert error.prediction.id == create.prediction_id
    assert hostile.cancels(create.prediction_id), "the timed-out prediction was not cancelled"
    assert hostile.prediction(create.prediction_id).status == "canceled"


@pytest.mark.parametrize("timeout", TIMEOUTS)
async def test_run_timeout_with_exact_hold_cancels_and_raises(
    hostile: HostileServer, timeout: float
) -> None:
    with anyio.fail_after(3 * timeout + 5):  # a hang guard, not a timing assertion
        async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
            with pytest.raises(TimeoutError) as raised:
                await client.run("acme/forever", input={}, timeout=timeout)
    check_timed_out(hostile, raised.value, timeout)


@pytest.mark.parametrize("timeout", TIMEOUTS)
def test_sync_run_timeout_with_exact_hold_cancels_and_raises(
    hostile: HostileServer, timeout: float
) -> None:
    with Client(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
        with pytest.raises(TimeoutError) as raised:
            client.run("acme/forever", input={}, timeout=timeout)
    check_timed_out(hostile, raised.value, timeout)


@ASYNCIO_ONLY
async def test_explicit_wait_is_clipped_below_the_deadline(hostile: HostileServer) -> None:
    """`wait=60` asked explicitly is still clipped to end before the deadline."""
    timeout = 2
    with anyio.fail_after(3 * timeout + 5):
        async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
            with pytest.raises(TimeoutError) as raised:
                await client.run("acme/forever", input={}, wait=60, timeout=timeout)
    check_timed_out(hostile, raised.value, timeout)


async def test_predictions_wait_timeout_still_raises_prediction_timeout(
    hostile: HostileServer,
) -> None:
    """What held: `predictions.wait(timeout=)` raises PredictionTimeoutError (no cancel asked)."""
    hostile.hold_creates = False
    with anyio.fail_after(10):
        async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:
            prediction = await client.predictions.create("acme/forever", input={})
            with pytest.raises(PredictionTimeoutError):
                await client.predictions.wait(prediction, timeout=1)
    assert len(hostile.creates()) == 1


def forever_emulator(clock: str) -> Emulator:
    """An emulator whose one model never finishes (it is busy, so no clock ever jumps past it)."""
    emu = Emulator(clock=clock)  # type: ignore[arg-type]

    @emu.model("acme/forever")
    async def forever() -> str:  # pyright: ignore[reportUnusedFunction]
        await anyio.sleep_forever()
        return "never"  # pragma: no cover

    return emu


@pytest.mark.parametrize(
    ("anyio_backend", "clock"),
    [("asyncio", "real"), ("trio", "real"), ("asyncio", "instant")],
)
async def test_run_timeout_against_the_emulator(clock: str) -> None:
    timeout = 2
    emu = forever_emulator(clock)
    with anyio.fail_after(3 * timeout + 8):
        async with emu:
            client = AsyncClient(
                emu.api_token,
                base_url=emu.base_url,
                transport=emu.async_transport(),
                poll_interval=POLL,
            )
            async with client:
                with pytest.raises(TimeoutError) as raised:
                    await client.run("acme/forever", input={}, timeout=timeout)
            # After aclose(): the emulator still runs, so its state is the server's truth.
            (job,) = emu.jobs()
            error = raised.value
            assert isinstance(error, PredictionTimeoutError), f"{type(error).__name__}: {error}"
            assert error.prediction.id == job.id
            assert job.status == "canceled", f"the prediction was left {job.status}"


def test_sync_run_timeout_against_the_emulator() -> None:
    emu = forever_emulator("real")
    try:
        with emu.client(poll_interval=POLL) as client:
            with pytest.raises(PredictionTimeoutError):
                client.run("acme/forever", input={}, timeout=2)
        (job,) = emu.jobs()
        assert job.status == "canceled", f"the prediction was left {job.status}"
    finally:
        emu.close()
