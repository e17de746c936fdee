"""Streaming over httpx.MockTransport: typed events, outcomes, resume, fallback, idle, exits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from replicate_async import (
    AsyncClient,
    DoneEvent,
    ErrorEvent,
    LogsEvent,
    ModelError,
    OutputEvent,
    Prediction,
    PredictionAbortedError,
    PredictionCanceledError,
    PredictionFailedError,
    PredictionTimeoutError,
    StreamEvent,
    UnknownEvent,
)
from tests.helpers_sse import (
    API,
    AsyncEmulated,
    AsyncInterrupt,
    Drop,
    FakeAPI,
    Silence,
    Stall,
    StreamScript,
    break_stream,
    prediction_body,
    sse,
    streaming_emulator,
)

TOKEN = "r8_SecretTokenValue123"


def make_client(api: FakeAPI, **options: Any) -> AsyncClient:
    options.setdefault("poll_interval", 0.001)
    return AsyncClient(TOKEN, transport=httpx.MockTransport(api), **options)


def succeeded(output: Any = None, **extra: Any) -> dict[str, Any]:
    return prediction_body("succeeded", output=output, **extra)


def processing(output: Any = None, **extra: Any) -> dict[str, Any]:
    return prediction_body("processing", output=output, **extra)


async def collect_into(events: AsyncIterator[StreamEvent], seen: list[StreamEvent]) -> None:
    async for event in events:
        seen.append(event)


def texts(events: list[StreamEvent]) -> list[str]:
    return [e.data for e in events if isinstance(e, OutputEvent)]


DONE = sse("done", "{}")


# -- events ----------------------------------------------------------------------------------


async def test_stream_yields_typed_events_in_order() -> None:
    body = [
        b": hi\n\n",
        sse("output", "Hello", id="1:0"),
        sse("logs", "step 1/2", id="1:1"),
        sse("output", "\n\n", id="1:2"),  # three empty data: lines
        sse("output", "a\nb", id="1:3"),
        sse("novel", "whatever", id="1:4"),
        sse(None, "unnamed", id="1:5"),
        sse("done", "{}", id="1:6"),
    ]
    api = FakeAPI(streams=[body], states=[succeeded(["Hello", "\n\n", "a\nb"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={"prompt": "hi"})]
    assert events == [
        OutputEvent(data="Hello", id="1:0"),
        LogsEvent(data="step 1/2", id="1:1"),
        OutputEvent(data="\n\n", id="1:2"),
        OutputEvent(data="a\nb", id="1:3"),
        UnknownEvent(event="novel", data="whatever", id="1:4"),
        UnknownEvent(event="message", data="unnamed", id="1:5"),
        DoneEvent(reason=None, id="1:6"),
    ]
    assert "".join(str(e) for e in events) == "Hello\n\na\nb"
    # A successful stream costs two requests: the create and the stream.
    assert api.paths() == ["POST /v1/models/acme/llm/predictions", "GET <stream>"]
    assert api.bodies[0].closed


async def test_stream_request_headers_and_token_only_on_api_origin() -> None:
    api = FakeAPI(streams=[[DONE]], states=[succeeded([])])
    async with make_client(api) as client:
        async for _ in client.stream("acme/llm", input={}):
            pass
    stream_request = api.stream_requests()[0]
    assert stream_request.headers["accept"] == "text/event-stream"
    assert stream_request.headers["cache-control"] == "no-store"
    assert "last-event-id" not in stream_request.headers
    assert "authorization" not in stream_request.headers
    assert api.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "prefer" not in api.requests[0].headers  # a stream never holds the create

    on_origin = f"{API}/streams/p1"
    api = FakeAPI(
        created=prediction_body(stream=on_origin), streams=[[DONE]], states=[succeeded([])]
    )
    async with make_client(api) as client:
        async for _ in client.stream("acme/llm", input={}):
            pass
    stream_request = next(r for r in api.requests if str(r.url) == on_origin)
    assert stream_request.headers["authorization"] == f"Bearer {TOKEN}"


async def test_stream_passes_create_options() -> None:
    api = FakeAPI(streams=[[DONE]], states=[succeeded([])])
    async with make_client(api) as client:
        stream = client.stream(
            "acme/llm",
            input={"prompt": "x"},
            cancel_after="5m",
            webhook="https://example.com/hook",
            webhook_events_filter=["completed"],
        )
        assert api.requests == []  # nothing is sent before the stream is used
        async with stream:
            assert stream.prediction is not None
            assert stream.prediction.status == "starting"
            async for _ in stream:
                pass
            # The done event said success; the final state is read only when asked for.
            assert stream.prediction.status == "starting"
            assert (await stream.wait()).status == "succeeded"
    assert api.create_body() == {
        "input": {"prompt": "x"},
        "webhook": "https://example.com/hook",
        "webhook_events_filter": ["completed"],
    }
    assert api.requests[0].headers["cancel-after"] == "5m"
    assert stream.prediction is not None
    assert stream.prediction.status == "succeeded"


async def test_text_output_text_and_wait() -> None:
    body = [sse("output", "a", id="1:0"), sse("logs", "x", id="1:1"), sse("output", "b", id="1:2")]
    final = succeeded(["a", "b"])
    api = FakeAPI(streams=[[*body, DONE], [*body, DONE]], states=[final])
    async with make_client(api) as client:
        async with client.stream("acme/llm", input={}) as stream:
            assert [t async for t in stream.text()] == ["a", "b"]
        assert await client.stream("acme/llm", input={}).output_text() == "ab"
    async with make_client(FakeAPI(streams=[[*body, DONE]], states=[final])) as client:
        stream = client.stream("acme/llm", input={})
        result = await stream.wait()
    assert result.status == "succeeded"
    assert result.output == ["a", "b"]
    assert stream.prediction == result


# -- outcomes --------------------------------------------------------------------------------


async def test_error_event_then_done_error_raises_model_error_after_done() -> None:
    body = [
        sse("output", "partial", id="1:0"),
        sse("error", '{"detail": "CUDA out of memory"}', id="1:1"),
        sse("done", '{"reason": "error"}', id="1:2"),
    ]
    failed = prediction_body("failed", output=["partial"], error="CUDA out of memory")
    api = FakeAPI(streams=[body], states=[failed])
    seen: list[StreamEvent] = []
    async with make_client(api) as client:
        with pytest.raises(ModelError) as info:
            await collect_into(client.stream("acme/llm", input={}), seen)
    assert seen == [
        OutputEvent(data="partial", id="1:0"),
        ErrorEvent(detail="CUDA out of memory", id="1:1"),
        DoneEvent(reason="error", id="1:2"),
    ]
    assert isinstance(info.value, PredictionFailedError)
    assert info.value.prediction.status == "failed"
    assert "CUDA out of memory" in str(info.value)
    assert api.cancels() == 0
    assert api.bodies[0].closed


@pytest.mark.parametrize(
    ("reason", "status", "error"),
    [
        ("canceled", "canceled", PredictionCanceledError),
        ("aborted", "aborted", PredictionAbortedError),  # an unknown reason is tolerated
    ],
)
async def test_done_reason_raises_outcome_on_the_next_step(
    reason: str, status: str, error: type[Exception]
) -> None:
    body = [sse("done", f'{{"reason": "{reason}"}}', id="1:0")]
    api = FakeAPI(streams=[body], states=[prediction_body(status)])
    async with make_client(api) as client:
        async with client.stream("acme/llm", input={}) as stream:
            first = await stream.__anext__()
            assert first == DoneEvent(reason=reason, id="1:0")
            assert api.bodies[0].closed  # done closes the connection at once
            with pytest.raises(error) as info:
                await stream.__anext__()
            with pytest.raises(StopAsyncIteration):
                await stream.__anext__()
    assert getattr(info.value, "prediction").status == status  # noqa: B009
    assert api.cancels() == 0


async def test_wait_returns_a_failed_prediction_instead_of_raising() -> None:
    body = [sse("error", "not json at all", id="1:0"), sse("done", '{"reason":"error"}')]
    api = FakeAPI(streams=[body], states=[processing(), prediction_body("failed", error="boom")])
    async with make_client(api) as client:
        stream = client.predictions.stream("p1")
        final = await stream.wait()
    assert final.status == "failed"
    assert api.paths() == ["GET /v1/predictions/p1", "GET <stream>", "GET /v1/predictions/p1"]


# -- reconnection and fallback ---------------------------------------------------------------


async def test_drop_resumes_with_last_event_id_and_drops_replayed_ids() -> None:
    first = [
        sse("output", "a", id="7:0", retry=0),
        sse("output", "b", id="7:1"),
        Drop(httpx.RemoteProtocolError),
    ]
    replay = [
        sse("output", "a", id="7:0"),  # the server replays from the start
        sse("output", "b", id="7:1"),
        sse("output", "c", id="7:2"),
        sse("done", "{}", id="7:3"),
    ]
    api = FakeAPI(
        streams=[first, replay], states=[processing(["a", "b"]), succeeded(["a", "b", "c"])]
    )
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b", "c"]
    assert events[-1] == DoneEvent(reason=None, id="7:3")
    first_request, second_request = api.stream_requests()
    assert "last-event-id" not in first_request.headers
    assert second_request.headers["last-event-id"] == "7:1"
    assert all(body.closed for body in api.bodies)


async def test_refused_resume_falls_back_to_polling_and_emits_missing_chunks() -> None:
    first = [sse("output", "a", id="1:0", retry=0), sse("output", "b", id="1:1"), Drop()]
    api = FakeAPI(
        streams=[first, 410],
        states=[processing(["a", "b", "c"]), succeeded(["a", "b", "c", "", "d"])],
    )
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert events == [
        OutputEvent(data="a", id="1:0"),
        OutputEvent(data="b", id="1:1"),
        OutputEvent(data="c"),
        OutputEvent(data="d"),
        DoneEvent(reason=None, synthetic=True),
    ]
    assert api.paths().count("GET <stream>") == 2


async def test_events_without_ids_are_not_resumed_but_polled() -> None:
    first = [sse("output", "a"), sse("output", "b"), Drop()]
    api = FakeAPI(streams=[first], states=[processing(), succeeded(["a", "b", "c"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b", "c"]
    assert events[-1] == DoneEvent(reason=None, synthetic=True)
    assert len(api.stream_requests()) == 1  # a replay could not be de-duplicated


async def test_failed_prediction_found_by_fallback_raises_after_synthetic_done() -> None:
    first = [sse("output", "a", id="1:0"), Drop()]
    api = FakeAPI(streams=[first], states=[prediction_body("failed", output=["a"], error="x")])
    events: list[StreamEvent] = []
    async with make_client(api) as client:
        with pytest.raises(PredictionFailedError):
            await collect_into(client.stream("acme/llm", input={}), events)
    assert events[-1] == DoneEvent(reason="error", synthetic=True)
    assert api.cancels() == 0


async def test_reconnect_budget_without_progress_then_polling() -> None:
    first = [sse("output", "a", id="1:0", retry=0), Drop()]
    again = [sse("output", "a", id="1:0"), Drop()]  # replays only: no progress
    api = FakeAPI(
        streams=[first, *([again] * 5)],
        states=[processing(["a"])] * 7 + [succeeded(["a", "b"])],
    )
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b"]
    assert len(api.stream_requests()) == 6  # the first connection and five reconnections


async def test_broken_stream_of_a_finished_prediction_finishes_from_it() -> None:
    first = [sse("output", "a", id="1:0"), Drop()]
    api = FakeAPI(streams=[first], states=[succeeded(["a", "b"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b"]
    assert api.paths() == [
        "POST /v1/models/acme/llm/predictions",
        "GET <stream>",
        "GET /v1/predictions/p1",
    ]


@pytest.mark.parametrize("refusal", [403, "html"])
async def test_unusable_stream_is_followed_by_polling(refusal: int | str) -> None:
    script: Any = (
        refusal
        if isinstance(refusal, int)
        else httpx.Response(200, headers={"content-type": "text/html"}, content=b"<html>")
    )
    api = FakeAPI(streams=[script], states=[processing(["a"]), succeeded(["a", "b"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b"]
    assert events[-1] == DoneEvent(reason=None, synthetic=True)


async def test_model_without_stream_url_streams_by_polling() -> None:
    api = FakeAPI(
        created=prediction_body(stream=None),
        states=[
            prediction_body("processing", stream=None, output=["a"]),
            prediction_body("processing", stream=None, output=["a", "b"]),
            prediction_body("succeeded", stream=None, output=["a", "b", "c"]),
        ],
    )
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert events == [
        OutputEvent(data="a"),
        OutputEvent(data="b"),
        OutputEvent(data="c"),
        DoneEvent(reason=None, synthetic=True),
    ]
    assert api.stream_requests() == []


async def test_stream_of_a_finished_prediction_emits_its_output() -> None:
    api = FakeAPI(states=[succeeded("the whole answer")])
    async with make_client(api) as client:
        prediction = await client.predictions.get("p1")
        events = [e async for e in client.predictions.stream(prediction)]
    assert events == [OutputEvent(data="the whole answer"), DoneEvent(synthetic=True)]
    assert api.paths() == ["GET /v1/predictions/p1"]


# -- idle check-ins --------------------------------------------------------------------------


async def test_silent_socket_checks_in_and_finishes_from_the_prediction() -> None:
    api = FakeAPI(
        streams=[[sse("output", "a", id="1:0"), Silence()]], states=[succeeded(["a", "b"])]
    )
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b"]
    assert events[-1].__class__ is DoneEvent
    assert len(api.stream_requests()) == 1


async def test_silent_socket_of_a_running_prediction_keeps_listening() -> None:
    first = [sse("output", "a", id="1:0"), Silence()]
    rest = [sse("output", "b", id="1:1"), DONE]
    api = FakeAPI(streams=[first, rest], states=[processing(), succeeded(["a", "b"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={})]
    assert texts(events) == ["a", "b"]
    assert api.stream_requests()[1].headers["last-event-id"] == "1:0"
    assert api.paths() == [
        "POST /v1/models/acme/llm/predictions",
        "GET <stream>",
        "GET /v1/predictions/p1",
        "GET <stream>",
    ]


async def test_idle_keepalives_trigger_a_check_in_and_the_stream_goes_on() -> None:
    body = [
        sse("output", "a", id="1:0"),
        Stall(0.15),
        b": keep-alive\n\n",
        sse("output", "b", id="1:1"),
        DONE,
    ]
    api = FakeAPI(streams=[body], states=[processing(), succeeded(["a", "b"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={}, idle_timeout=0.05)]
    assert texts(events) == ["a", "b"]
    assert api.paths() == [
        "POST /v1/models/acme/llm/predictions",
        "GET <stream>",
        "GET /v1/predictions/p1",  # the check-in, while the stream stays open
    ]
    assert api.sent_before[2] == 2  # the check-in came right after the keep-alive
    assert len(api.stream_requests()) == 1


async def test_idle_check_in_finds_the_prediction_finished_and_ends_the_stream() -> None:
    body = [
        sse("output", "a", id="1:0"),
        Stall(0.15),
        b": keep-alive\n\n",
        sse("output", "b", id="1:1"),
        DONE,
    ]
    api = FakeAPI(streams=[body], states=[succeeded(["a", "b"])])
    async with make_client(api) as client:
        events = [e async for e in client.stream("acme/llm", input={}, idle_timeout=0.05)]
    assert events == [
        OutputEvent(data="a", id="1:0"),
        OutputEvent(data="b"),
        DoneEvent(reason=None, synthetic=True),
    ]
    assert api.bodies[0].closed
    assert api.bodies[0].sent == 2  # the rest of the stream was never read


# -- leaving early, cancellation, deadlines --------------------------------------------------


async def test_early_break_closes_at_once_and_cancels_a_created_prediction() -> None:
    body = [sse("output", "a", id="1:0"), sse("output", "b", id="1:1"), DONE]
    api = FakeAPI(streams=[body])
    async with make_client(api) as client:
        async with client.stream("acme/llm", input={}) as stream:
            async for _ in stream:
                break
            open_while_inside = not api.bodies[0].closed  # a local: no narrowing for mypy
            assert open_while_inside
        assert api.bodies[0].closed
    assert api.paths()[-1] == "POST /v1/predictions/p1/cancel"
    assert stream.prediction is not None
    assert stream.prediction.status == "canceled"


async def test_early_break_out_of_text_closes_and_cancels() -> None:
    body = [sse("logs", "x", id="1:0"), sse("output", "a", id="1:1"), sse("output", "b", id="1:2")]
    api = FakeAPI(streams=[[*body, DONE]])
    async with make_client(api) as client:
        async with client.stream("acme/llm", input={}) as stream:
            async for text in stream.text():
                assert text == "a"
                break
    assert api.bodies[0].closed
    assert api.cancels() == 1


async def test_early_break_of_predictions_stream_does_not_cancel() -> None:
    body = [sse("output", "a", id="1:0"), DONE]
    api = FakeAPI(streams=[body], states=[processing()])
    async with make_client(api) as client:
        prediction = await client.predictions.get("p1")
        async with client.predictions.stream(prediction) as stream:
            async for _ in stream:
                break
    assert api.bodies[0].closed
    assert api.cancels() == 0


async def test_cancel_on_exit_false_keeps_the_prediction_running() -> None:
    api = FakeAPI(streams=[[sse("output", "a", id="1:0"), DONE]])
    async with make_client(api) as client:
        async with client.stream("acme/llm", input={}, cancel_on_exit=False) as stream:
            async for _ in stream:
                break
    assert api.bodies[0].closed
    assert api.cancels() == 0


async def test_explicit_close_without_context_manager() -> None:
    api = FakeAPI(streams=[[sse("output", "a", id="1:0"), DONE]])
    async with make_client(api) as client:
        stream = client.stream("acme/llm", input={})
        async for _ in stream:
            break
        await stream.aclose()
        assert [e async for e in stream] == []
    assert api.bodies[0].closed
    assert api.cancels() == 1


async def test_interrupting_the_caller_closes_and_cancels() -> None:
    interrupt = AsyncInterrupt()
    body = [sse("output", "a", id="1:0"), Stall(0.01), sse("output", "b", id="1:1"), DONE]
    api = FakeAPI(streams=[body], interrupt=interrupt)
    seen: list[StreamEvent] = []

    async def consume() -> None:
        async for event in client.stream("acme/llm", input={}):
            seen.append(event)
            interrupt.trigger()

    async with make_client(api) as client:
        assert await interrupt.run(consume)
    assert texts(seen) == ["a"]
    assert api.bodies[0].closed
    assert api.paths()[-1] == "POST /v1/predictions/p1/cancel"


@pytest.mark.parametrize(
    ("after_stall", "delivered"),
    [
        ([sse("output", "b", id="1:1"), DONE], ["a"]),  # a late event comes after the deadline
        ([Silence()], ["a"]),  # the socket goes silent (its read timeout is clipped)
    ],
)
async def test_timeout_cancels_on_the_server_and_raises(
    after_stall: list[Any], delivered: list[str]
) -> None:
    body = [sse("output", "a", id="1:0"), Stall(1.0), *after_stall]
    api = FakeAPI(streams=[body], states=[processing()])
    seen: list[StreamEvent] = []
    async with make_client(api) as client:
        with pytest.raises(PredictionTimeoutError) as info:
            await collect_into(client.stream("acme/llm", input={}, timeout=0.5), seen)
    assert texts(seen) == delivered
    assert not any(isinstance(e, DoneEvent) for e in seen)
    assert info.value.prediction.status == "canceled"
    assert api.paths()[-1] == "POST /v1/predictions/p1/cancel"
    assert api.bodies[0].closed


async def test_invalid_arguments_are_refused_before_any_request() -> None:
    api = FakeAPI()
    async with make_client(api) as client:
        with pytest.raises(ValueError, match="idle_timeout"):
            client.stream("acme/llm", input={}, idle_timeout=0)
        with pytest.raises(ValueError, match="timeout"):
            client.predictions.stream("p1", timeout=-1)
    assert api.requests == []


# -- run() waits by stream -------------------------------------------------------------------


async def test_run_waits_for_the_done_event_then_reads_the_final_state() -> None:
    body = [sse("output", "a", id="1:0"), sse("logs", "x", id="1:1"), DONE]
    api = FakeAPI(created=processing(["a"]), streams=[body], states=[succeeded(["a", "b"])])
    async with make_client(api) as client:
        assert await client.run("acme/llm", input={}) == ["a", "b"]
    assert api.paths() == [
        "POST /v1/models/acme/llm/predictions",
        "GET <stream>",
        "GET /v1/predictions/p1",
    ]
    assert api.bodies[0].closed


async def test_run_waiting_by_stream_reports_the_models_progress_from_log_events() -> None:
    body = [
        sse("logs", "loading", id="1:0"),
        sse("logs", " 20%|██        | 2/10 [00:01<00:04]", id="1:1"),
        sse("logs", "not a bar", id="1:2"),
        sse("logs", " 70%|███████   | 7/10 [00:03<00:01]", id="1:3"),
        DONE,
    ]
    api = FakeAPI(created=processing(), streams=[body], states=[succeeded("ok")])
    seen: list[tuple[str, int | None]] = []

    def note(p: Prediction) -> None:
        seen.append((p.status, None if p.progress is None else p.progress.current))

    async with make_client(api) as client:
        assert await client.run("acme/llm", input={}, on_progress=note) == "ok"
    # Status changes and each new progress figure, in order; a log line without one is quiet.
    assert seen[:3] == [("processing", None), ("processing", 2), ("processing", 7)]
    assert seen[3][0] == "succeeded"  # the final state, as the API reports it


async def test_run_of_an_instant_prediction_makes_one_request() -> None:
    api = FakeAPI(created=succeeded(["done"]))
    async with make_client(api) as client:
        assert await client.run("acme/llm", input={}) == ["done"]
    assert api.paths() == ["POST /v1/models/acme/llm/predictions"]


async def test_run_raises_the_outcome_learned_by_stream() -> None:
    body = [sse("error", '{"detail": "boom"}', id="1:0"), sse("done", '{"reason": "error"}')]
    api = FakeAPI(
        created=processing(), streams=[body], states=[prediction_body("failed", error="boom")]
    )
    async with make_client(api) as client:
        with pytest.raises(ModelError, match="boom"):
            await client.run("acme/llm", input={})


async def test_run_polls_when_every_stream_slot_is_taken() -> None:
    held = [sse("output", "a", id="1:0"), Stall(0.05), DONE]
    api = FakeAPI(created=processing(), streams=[held], states=[succeeded(["a"])])
    async with make_client(api, max_streams=1) as client:
        async with client.stream("acme/llm", input={}) as stream:
            await stream.__anext__()  # the one stream slot is now in use
            assert await client.run("acme/llm", input={}) == ["a"]
            assert len(api.stream_requests()) == 1  # run() polled instead
        assert api.bodies[0].closed
        # The slot is free again: the next run() waits by stream.
        api.streams.append([DONE])
        assert await client.run("acme/llm", input={}) == ["a"]
    assert len(api.stream_requests()) == 2


async def test_max_streams_bounds_open_stream_connections() -> None:
    # Ten streams open at once, stepped in turn, on a client allowed two connections: two
    # stream, the other eight follow their predictions by polling; none loses output.
    scripts: list[StreamScript] = [
        [sse("output", "a", id="1:0"), sse("output", "b", id="1:1"), DONE] for _ in range(2)
    ]
    api = FakeAPI(created=processing(), streams=scripts, states=[succeeded(["a", "b"])])
    async with make_client(api, max_streams=2) as client:
        streams = [client.stream("acme/llm", input={}) for _ in range(10)]
        outputs: list[list[str]] = [[] for _ in streams]
        open_at_once = 0
        for stream in streams:
            await stream.__aenter__()
        live = list(range(10))
        while live:
            for i in list(live):
                try:
                    event = await streams[i].__anext__()
                except StopAsyncIteration:
                    live.remove(i)
                    continue
                if isinstance(event, OutputEvent):
                    outputs[i].append(event.data)
                open_at_once = max(open_at_once, sum(1 for b in api.bodies if not b.closed))
        for stream in streams:
            await stream.__aexit__(None, None, None)
    assert len(api.stream_requests()) == 2
    assert 1 <= open_at_once <= 2
    assert outputs == [["a", "b"]] * 10


# -- against the emulator (real SSE framing, ids, replay, faults) ---------------------------


@pytest.mark.parametrize("resume", ["after-id", "replay"])
async def test_emulator_stream_resumes_after_a_break(resume: str) -> None:
    emu = streaming_emulator(sse_resume=resume)
    fault = break_stream(emu, after_events=3)
    async with AsyncEmulated(emu, poll_interval=0.01) as client:
        events = [e async for e in client.stream("acme/llm", input={"prompt": "a b\nc d e"})]
    assert emu.faults.fired(fault) == 1
    assert texts(events) == ["a ", "b\nc ", "d ", "e "]
    assert isinstance(events[0], LogsEvent)
    assert events[-1].__class__ is DoneEvent
    assert not getattr(events[-1], "synthetic")  # noqa: B009 - resumed, not polled


async def test_emulator_failure_yields_error_and_done_then_raises() -> None:
    emu = streaming_emulator()
    seen: list[StreamEvent] = []
    async with AsyncEmulated(emu, poll_interval=0.01) as client:
        with pytest.raises(ModelError, match="gave up"):
            await collect_into(client.stream("acme/llm", input={"prompt": "a fail"}), seen)
        assert await client.run("acme/llm", input={"prompt": "x y"}, wait=False) == ["x ", "y "]
    assert texts(seen) == ["a "]
    assert any(isinstance(e, ErrorEvent) for e in seen)
    assert seen[-1] == DoneEvent(reason="error", id=seen[-1].id)
