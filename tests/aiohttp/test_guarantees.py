"""The client's guarantees hold over the aiohttp transport (asyncio, real sockets on 127.0.0.1).

Each test runs a key flow of `AsyncClient` with ``transport=aiohttp_transport(...)`` (here a
counting subclass, so each test also proves that aiohttp carried its requests): run, streaming
without loss across a dropped connection, deadlines over a held create and a dripping body,
cancellation of a held create, retries that never duplicate a create, and no token sent to
another origin. Time bounds are hang guards only, never assertions about speed.
"""

from __future__ import annotations

import asyncio

import anyio
import pytest

from replicate_async import (
    APIConnectionError,
    AsyncClient,
    AsyncFileOutput,
    OutputEvent,
    PredictionTimeoutError,
)
from replicate_async.testing import Emulator, EmulatorServer, Fault
from tests.hostile import HostileServer

from .conftest import NEEDS_AIOHTTP, WORDS, CountingTransport, Origin

pytest.importorskip("aiohttp", reason=NEEDS_AIOHTTP)

TOKEN = "r8_AiohttpTransportTests"
POLL = 0.05
HANG_GUARD = 15.0


def created(emu: Emulator) -> int:
    """How many predictions the emulator holds (each create made one)."""
    return len(emu.jobs())


async def test_run_over_aiohttp(client: AsyncClient, transport: CountingTransport) -> None:
    assert await client.run("acme/echo", input={"text": "héllo"}) == "héllo"
    assert transport.requests, "the request did not go through the aiohttp transport"
    assert all(r.headers["authorization"].startswith("Bearer ") for r in transport.requests)


async def test_many_concurrent_runs_share_the_pool(
    client: AsyncClient, transport: CountingTransport, emu: Emulator
) -> None:
    texts = [f"t{i}" for i in range(60)]
    with anyio.fail_after(HANG_GUARD):
        results = await asyncio.gather(*(client.run("acme/echo", input={"text": t}) for t in texts))
    assert results == texts
    assert created(emu) == len(texts)


async def test_stream_costs_two_requests(client: AsyncClient, transport: CountingTransport) -> None:
    got = [
        e.data async for e in client.stream("acme/words", input={}) if isinstance(e, OutputEvent)
    ]
    assert got == WORDS
    assert [r.method for r in transport.requests] == ["POST", "GET"]


async def test_stream_without_loss_across_a_dropped_connection(
    client: AsyncClient, transport: CountingTransport, emu: Emulator
) -> None:
    fault = emu.faults.add(Fault.break_stream(after_events=3, times=1))
    with anyio.fail_after(HANG_GUARD):
        got = [
            e.data
            async for e in client.stream("acme/words", input={})
            if isinstance(e, OutputEvent)
        ]
    assert emu.faults.fired(fault) == 1
    assert got == WORDS  # every token, once, in order
    # After the drop the client resumed: from the stream after its last event id, or (the
    # prediction having finished meanwhile) from the prediction's final output.
    after_drop = transport.requests[2:]
    assert after_drop, "nothing was asked after the stream's connection dropped"
    assert all("last-event-id" in r.headers or "/predictions/" in r.url.path for r in after_drop)


async def test_leaving_a_stream_early_cancels_the_prediction(
    client: AsyncClient, emu: Emulator
) -> None:
    stream = client.stream("acme/words", input={})
    async for event in stream:
        if isinstance(event, OutputEvent):
            break
    await stream.aclose()
    (job,) = emu.jobs()
    with anyio.fail_after(HANG_GUARD):
        while emu.prediction(job.id)["status"] not in ("canceled", "succeeded"):  # noqa: ASYNC110
            await anyio.sleep(0.01)


# -- retries without duplicates ----------------------------------------------------------------


async def test_a_create_dropped_after_it_was_handled_is_not_repeated(
    client: AsyncClient, emu: Emulator
) -> None:
    """The connection closes after the create made its prediction: never sent twice."""
    emu.faults.add(Fault.drop(route="POST /models/{o}/{n}/predictions", times=1))
    with pytest.raises(APIConnectionError) as raised:
        await client.run("acme/echo", input={"text": "once"})
    assert raised.value.request_sent is True
    assert created(emu) == 1, "the create was repeated after a dropped connection"


async def test_a_rate_limited_create_is_retried_once_through(
    client: AsyncClient, emu: Emulator
) -> None:
    fault = emu.faults.add(
        Fault.rate_limit(retry_after=0, route="POST /models/{o}/{n}/predictions", times=2)
    )
    assert await client.run("acme/echo", input={"text": "x"}) == "x"
    assert emu.faults.fired(fault) == 2
    assert created(emu) == 1


async def test_reads_are_retried_after_a_drop_and_a_5xx(client: AsyncClient, emu: Emulator) -> None:
    prediction = await client.predictions.create("acme/echo", input={"text": "r"})
    emu.faults.add(Fault.drop(route="GET /predictions/{id}", times=1))
    emu.faults.add(Fault.status(503, route="GET /predictions/{id}", times=1))
    got = await client.predictions.get(prediction.id)
    assert got.id == prediction.id
    assert created(emu) == 1


async def test_a_connection_refused_before_sending_is_retried(
    server: EmulatorServer, emu: Emulator
) -> None:
    """A port with nothing listening: ConnectError, nothing sent, so even a create may retry."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    transport = CountingTransport(max_connections=4)
    async with AsyncClient(
        TOKEN, base_url=f"http://127.0.0.1:{port}/v1", transport=transport, max_retries=1
    ) as client:
        with pytest.raises(APIConnectionError) as raised:
            await client.predictions.create("acme/echo", input={})
    assert raised.value.request_sent is False
    assert len(transport.requests) == 2  # one attempt, one retry


# -- no token off-origin -----------------------------------------------------------------------


async def test_no_token_reaches_another_origin(
    server: EmulatorServer, emu: Emulator, origin: Origin, transport: CountingTransport
) -> None:
    url = origin.serve("/out.txt", b"file bytes", **{"Content-Type": "text/plain"})

    @emu.model("acme/link")
    def link() -> str:
        return url

    async with AsyncClient(
        api_token=server.api_token,
        base_url=server.base_url,
        transport=transport,
        file_output_prefixes=[origin.base_url],
    ) as client:
        output = await client.run("acme/link", input={})
        assert isinstance(output, AsyncFileOutput)
        assert await output.read() == b"file bytes"
    assert origin.seen, "the file was not downloaded from the other origin"
    assert all("authorization" not in headers for headers in origin.seen)
    api_requests = [r for r in transport.requests if r.url.port == httpx_port(server)]
    assert api_requests and all("authorization" in r.headers for r in api_requests)


def httpx_port(server: EmulatorServer) -> int | None:
    import httpx

    return httpx.URL(server.base_url).port


# -- deadlines and cancellation (the hostile server) -------------------------------------------


async def test_run_deadline_over_a_held_create(hostile: HostileServer) -> None:
    transport = CountingTransport(max_connections=8)
    with anyio.fail_after(HANG_GUARD):
        async with AsyncClient(
            TOKEN, base_url=hostile.base_url, poll_interval=POLL, transport=transport
        ) as client:
            with pytest.raises(PredictionTimeoutError) as raised:
                await client.run("acme/forever", input={}, timeout=2)
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert raised.value.prediction.id == create.prediction_id
    assert hostile.cancels(create.prediction_id), "the timed-out prediction was not cancelled"
    assert transport.requests


async def test_run_deadline_over_a_dripping_body(hostile: HostileServer) -> None:
    """Every GET drips a byte a second: no read times out, the deadline still ends the call."""
    hostile.hold_creates = False
    hostile.drip_gets = True
    hostile.drip_interval = 1.0
    hostile.drip_for = 10.0
    transport = CountingTransport(max_connections=8)
    with anyio.fail_after(HANG_GUARD):
        async with AsyncClient(
            TOKEN, base_url=hostile.base_url, poll_interval=POLL, transport=transport
        ) as client:
            with pytest.raises(PredictionTimeoutError):
                await client.run("acme/slow", input={}, timeout=2)
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert hostile.cancels(create.prediction_id), "the timed-out prediction was not cancelled"


async def test_cancelling_a_held_create_still_cancels_its_prediction(
    hostile: HostileServer,
) -> None:
    """The caller is cancelled while the server holds the create; the client reads the create's
    answer in its own task and cancels the prediction before `aclose()` returns."""
    transport = CountingTransport(max_connections=8)
    client = AsyncClient(TOKEN, base_url=hostile.base_url, poll_interval=POLL, transport=transport)
    watchdog = asyncio.get_running_loop().call_later(5.0, hostile.release_holds)
    try:
        task = asyncio.ensure_future(client.run("acme/slow", input={}))
        with anyio.fail_after(HANG_GUARD):
            while len(hostile.creates()) < 1:  # noqa: ASYNC110 - state on another thread
                await anyio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        (create,) = hostile.creates()
        assert create.answered_at is None, "the caller got control back only after the hold"
    finally:
        watchdog.cancel()
        hostile.release_holds()
        with anyio.fail_after(HANG_GUARD):
            await client.aclose()
    (create,) = hostile.creates()
    assert create.prediction_id is not None
    assert hostile.cancels(create.prediction_id), "the interrupted create was never cancelled"
