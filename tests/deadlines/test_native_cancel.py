"""Issue 8, item 3: cancelling the caller during the held create of a default `run()`.

The server holds the create (``Prefer: wait``) until the test releases it. The caller is
interrupted while the create is held: by native asyncio cancellation in each of its forms
(``task.cancel()``, ``asyncio.timeout()``, ``asyncio.wait_for``, a failing ``TaskGroup``) and by
an anyio cancel scope (asyncio and trio). The caller must get control back while the server is
still holding the create (no timing assertion: the hold only ends when the test ends it, and a
watchdog ends it after a few seconds so that a broken client fails instead of hanging). The
create's answer must still be read by the client, so that once `aclose()` has returned the
server has received a cancel for the prediction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import anyio
import pytest

from replicate_async import AsyncClient
from tests.hostile import HostileServer

from .support import POLL, TOKEN, until

pytestmark = pytest.mark.deadlines

WATCHDOG = 5.0
"""Seconds after which the hold is released anyway (a hang guard, far below the 60 s hold)."""


def create_seen(hostile: HostileServer) -> Callable[[], bool]:
    return lambda: len(hostile.creates()) == 1


def still_held(hostile: HostileServer) -> bool:
    """Whether the server is still holding the one create (its answer not yet written)."""
    (create,) = hostile.creates()
    return create.answered_at is None


async def finish(hostile: HostileServer, client: AsyncClient) -> None:
    """Release the hold, close the client, and check that the prediction was cancelled."""
    hostile.release_holds()
    with anyio.fail_after(10):
        await client.aclose()
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert hostile.cancels(create.prediction_id), (
        "the prediction made by the interrupted create was never cancelled"
    )
    # Ask the server: the prediction the test made ended canceled, not left running.
    assert hostile.prediction(create.prediction_id).status == "canceled"


async def interrupt_with_task_cancel(client: AsyncClient, hostile: HostileServer) -> bool:
    task = asyncio.ensure_future(client.run("acme/slow", input={}))
    await until(create_seen(hostile))
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return still_held(hostile)


async def interrupt_with_timeout(client: AsyncClient, hostile: HostileServer) -> bool:
    timeouts: list[asyncio.Timeout] = []

    async def caller() -> None:
        async with asyncio.timeout(None) as cm:
            timeouts.append(cm)
            await client.run("acme/slow", input={})

    task = asyncio.ensure_future(caller())
    await until(create_seen(hostile))
    timeouts[0].reschedule(asyncio.get_running_loop().time())
    with pytest.raises(TimeoutError):
        await task
    return still_held(hostile)


async def interrupt_with_wait_for(client: AsyncClient, hostile: HostileServer) -> bool:
    task = asyncio.ensure_future(asyncio.wait_for(client.run("acme/slow", input={}), 1.0))
    await until(create_seen(hostile), timeout=1.0)
    with pytest.raises(TimeoutError):
        await task
    return still_held(hostile)


async def interrupt_with_task_group(client: AsyncClient, hostile: HostileServer) -> bool:
    async def fail_once_created() -> None:
        await until(create_seen(hostile))
        raise RuntimeError("a sibling task failed")

    async def run_both() -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(client.run("acme/slow", input={}))
            group.create_task(fail_once_created())

    with pytest.raises(ExceptionGroup) as raised:
        await run_both()
    assert raised.group_contains(RuntimeError)
    return still_held(hostile)


FORMS: dict[str, Callable[[AsyncClient, HostileServer], Awaitable[bool]]] = {
    "task.cancel": interrupt_with_task_cancel,
    "asyncio.timeout": interrupt_with_timeout,
    "asyncio.wait_for": interrupt_with_wait_for,
    "TaskGroup": interrupt_with_task_group,
}


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize("form", list(FORMS))
async def test_native_asyncio_cancellation_during_held_create(
    hostile: HostileServer, form: str
) -> None:
    client = AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL)
    watchdog = asyncio.get_running_loop().call_later(WATCHDOG, hostile.release_holds)
    try:
        returned_while_held = await FORMS[form](client, hostile)
    finally:
        watchdog.cancel()
        await finish(hostile, client)
    assert returned_while_held, "the caller got control back only once the hold had ended"


async def test_cancel_scope_during_held_create(hostile: HostileServer) -> None:
    client = AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL)
    scope = anyio.CancelScope()
    returned = anyio.Event()
    returned_while_held = False

    async def caller() -> None:
        nonlocal returned_while_held
        with scope:
            await client.run("acme/slow", input={})
        returned_while_held = still_held(hostile)
        returned.set()

    try:
        async with anyio.create_task_group() as group:
            group.start_soon(caller)
            await until(create_seen(hostile))
            scope.cancel()
            with anyio.move_on_after(WATCHDOG):
                await returned.wait()
            hostile.release_holds()  # a client that waits for the hold can now finish
    finally:
        await finish(hostile, client)
    assert returned_while_held, "the caller got control back only once the hold had ended"


async def test_cancel_scope_during_poll_cancels_at_once(hostile: HostileServer) -> None:
    """What held: a caller cancelled while polling cancels the prediction at once."""
    hostile.hold_creates = False
    async with AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL) as client:

        async def caller() -> None:
            await client.run("acme/slow", input={})

        with anyio.fail_after(10):
            with anyio.CancelScope() as scope:
                async with anyio.create_task_group() as group:
                    group.start_soon(caller)
                    await until(lambda: len(hostile.gets()) >= 1)
                    scope.cancel()
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert hostile.cancels(create.prediction_id)
    assert hostile.prediction(create.prediction_id).status == "canceled"


async def test_cancel_on_exit_false_leaves_an_interrupted_creates_prediction_running(
    hostile: HostileServer,
) -> None:
    """With ``cancel_on_exit=False`` the caller still returns at once; its prediction runs on."""
    client = AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL)
    scope = anyio.CancelScope()
    try:
        async with anyio.create_task_group() as group:

            async def caller() -> None:
                with scope:
                    await client.run("acme/slow", input={}, cancel_on_exit=False)

            group.start_soon(caller)
            await until(create_seen(hostile))
            scope.cancel()
    finally:
        hostile.release_holds()
        with anyio.fail_after(10):
            await client.aclose()
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    # The answer was written to the end; the server notes it just after the client may have
    # read it, so give its thread a moment.
    await until(lambda: create.answered_at is not None, timeout=5)
    assert not hostile.cancels(create.prediction_id)
    assert hostile.prediction(create.prediction_id).status != "canceled"
