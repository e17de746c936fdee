"""Server-sent event streams (CONTRACT §8) through plain httpx."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from replicate_async.testing import Emulator, Fault, Log, sleep

from .conftest import auth
from .sse import Event, parse


async def read_stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> tuple[list[str], list[Event]]:
    async with client.stream(
        "GET", url, headers={"Accept": "text/event-stream", **(headers or {})}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream"
        text = (await response.aread()).decode()
    return parse(text)


@pytest.fixture
def chatty(emu: Emulator) -> Emulator:
    @emu.model("acme/chatty")
    async def chatty(prompt: str) -> AsyncIterator[str | Log]:
        yield Log("booting\nready")
        for chunk in prompt.split("|"):
            await sleep(0.1)
            yield chunk

    return emu


async def test_a_stream_replays_and_follows_to_done(
    chatty: Emulator, api: httpx.AsyncClient
) -> None:
    created = (
        await api.post(
            "/models/acme/chatty/predictions", json={"input": {"prompt": "Hello| world|\n\n|a\nb|"}}
        )
    ).json()
    comments, events = await read_stream(api, created["urls"]["stream"])
    assert comments == ["hi"]
    assert [e.event for e in events] == [
        "logs",
        "logs",
        "output",
        "output",
        "output",
        "output",
        "output",
        "done",
    ]
    assert [e.data for e in events[:2]] == ["booting", "ready"]
    assert [e.data for e in events[2:7]] == ["Hello", " world", "\n\n", "a\nb", ""]
    assert json.loads(events[-1].data) == {}
    for index, event in enumerate(events):
        assert event.id is not None and re.fullmatch(rf"\d+:{index}", event.id)
    final = (await api.get(created["urls"]["get"])).json()
    assert "".join(final["output"]) == "Hello world\n\na\nb"


async def test_multi_line_data_is_split_across_data_lines(
    chatty: Emulator, api: httpx.AsyncClient
) -> None:
    created = (
        await api.post("/models/acme/chatty/predictions", json={"input": {"prompt": "\n\n|a\nb"}})
    ).json()
    async with api.stream("GET", created["urls"]["stream"]) as response:
        raw = (await response.aread()).decode()
    assert "event: output\ndata: \ndata: \ndata: \n\n" in raw
    assert "event: output\ndata: a\ndata: b\n\n" in raw


async def test_failure_ends_with_error_then_done(api: httpx.AsyncClient, emu: Emulator) -> None:
    @emu.model("acme/breaks")
    async def breaks() -> AsyncIterator[str]:
        yield "partial"
        raise ValueError("out of memory")

    created = (await api.post("/models/acme/breaks/predictions", json={"input": {}})).json()
    _, events = await read_stream(api, created["urls"]["stream"])
    kinds = [e.event for e in events]
    # The output, then the traceback as log lines (its last line names the error), then the end.
    assert kinds[0] == "output" and events[0].data == "partial"
    assert set(kinds[1:-2]) == {"logs"}
    assert events[-3].data == "ValueError: out of memory"
    assert kinds[-2:] == ["error", "done"]
    assert json.loads(events[-2].data) == {"detail": "out of memory"}
    assert json.loads(events[-1].data) == {"reason": "error"}


async def test_cancel_ends_with_done_canceled(chatty: Emulator, api: httpx.AsyncClient) -> None:
    created = (
        await api.post("/models/acme/chatty/predictions", json={"input": {"prompt": "a|b|c"}})
    ).json()
    async with api.stream("GET", created["urls"]["stream"]) as response:
        events: list[str] = []
        done_data: list[str] = []
        async for line in response.aiter_lines():
            if line.startswith("event: output"):
                await api.post(created["urls"]["cancel"])
            if line.startswith("data: ") and events and events[-1] == "done":
                done_data.append(line[6:])
            if line.startswith("event: "):
                events.append(line[7:])
    assert events[-1] == "done"
    assert [json.loads(data) for data in done_data] == [{"reason": "canceled"}]
    assert events.count("output") == 1


async def test_last_event_id_resumes_after_that_event(
    chatty: Emulator, api: httpx.AsyncClient
) -> None:
    created = (
        await api.post("/models/acme/chatty/predictions", json={"input": {"prompt": "a|b|c"}})
    ).json()
    _, everything = await read_stream(api, created["urls"]["stream"])
    middle = everything[3]
    _, resumed = await read_stream(
        api, created["urls"]["stream"], {"Last-Event-ID": middle.id or ""}
    )
    assert resumed == everything[4:]
    _, unknown = await read_stream(api, created["urls"]["stream"], {"Last-Event-ID": "1:999"})
    assert unknown == everything


async def test_replay_mode_ignores_last_event_id() -> None:
    emu = Emulator(sse_resume="replay", sse_comment=False, demo=True)
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        created = (
            await api.post("/models/demo/tokens/predictions", json={"input": {"prompt": "x y"}})
        ).json()
        comments, everything = await read_stream(api, created["urls"]["stream"])
        assert comments == []
        _, again = await read_stream(
            api, created["urls"]["stream"], {"Last-Event-ID": everything[1].id or ""}
        )
        assert again == everything


async def collect_ids(
    client: httpx.AsyncClient, url: str, seen: list[str], timeout: httpx.Timeout | None = None
) -> None:
    async with client.stream("GET", url, timeout=timeout or httpx.Timeout(5)) as response:
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                seen.append(line[4:])


async def test_reconnecting_after_a_broken_stream(chatty: Emulator, api: httpx.AsyncClient) -> None:
    fault = chatty.faults.add(Fault.break_stream(after_events=3, times=1))
    created = (
        await api.post("/models/acme/chatty/predictions", json={"input": {"prompt": "a|b|c|d"}})
    ).json()
    seen: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):
        await collect_ids(api, created["urls"]["stream"], seen)
    assert len(seen) == 3
    assert chatty.faults.fired(fault) == 1
    _, rest = await read_stream(api, created["urls"]["stream"], {"Last-Event-ID": seen[-1]})
    assert (rest[0].id or "").endswith(":3")
    assert rest[-1].event == "done"
    output = [e.data for e in rest if e.event == "output"]
    assert output == ["b", "c", "d"]


async def test_stalled_stream_times_out_for_the_reader(
    chatty: Emulator, api: httpx.AsyncClient
) -> None:
    chatty.faults.add(Fault.stall_stream(after_events=1, times=1))
    created = (
        await api.post("/models/acme/chatty/predictions", json={"input": {"prompt": "a"}})
    ).json()
    seen: list[str] = []
    with pytest.raises(httpx.ReadTimeout):
        await collect_ids(api, created["urls"]["stream"], seen, httpx.Timeout(5, read=0.02))
    assert len(seen) == 1


async def test_streams_need_no_token_and_unknown_ones_404(
    chatty: Emulator, api: httpx.AsyncClient
) -> None:
    created = (
        await api.post("/models/acme/chatty/predictions", json={"input": {"prompt": "a"}})
    ).json()
    async with httpx.AsyncClient(transport=chatty.async_transport()) as anonymous:
        _, events = await read_stream(anonymous, created["urls"]["stream"])
        assert events[-1].event == "done"
        missing = await anonymous.get(created["urls"]["stream"] + "x")
        assert missing.status_code == 404


async def test_stream_of_a_function_model_declared_streaming(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    @emu.model("acme/images", stream=True)
    def images() -> list[bytes]:
        return [b"GIF89a-1", b"GIF89a-2"]

    created = (await api.post("/models/acme/images/predictions", json={"input": {}})).json()
    _, events = await read_stream(api, created["urls"]["stream"])
    outputs = [e.data for e in events if e.event == "output"]
    assert len(outputs) == 2
    assert all(
        o.startswith("https://emulator.replicate.delivery/") and o.endswith(".gif") for o in outputs
    )


async def test_stream_after_data_removal_only_says_done(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    created = await api.post(
        "/models/demo/tokens/predictions",
        json={"input": {"prompt": "x"}},
        headers={"Prefer": "wait"},
    )
    await emu.advance(3601)
    _, events = await read_stream(api, created.json()["urls"]["stream"])
    assert [e.event for e in events] == ["done"]
