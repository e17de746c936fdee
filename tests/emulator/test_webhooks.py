"""Webhook deliveries: filter, throttle, retries, and signatures checked with `standardwebhooks`."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from replicate_async.testing import Emulator, Log, sleep

from .conftest import auth

HOOK = "https://hooks.example.test/replicate"


@pytest.fixture
def received(emu: Emulator) -> list[httpx.Request]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> int:
        requests.append(request)
        return 204

    emu.webhook_receiver(HOOK, handler)
    return requests


@pytest.fixture
def streamer(emu: Emulator) -> Emulator:
    @emu.model("acme/streamer")
    async def streamer(n: int = 10, step: float = 0.1) -> AsyncIterator[str | Log]:
        for i in range(n):
            await sleep(step)
            yield Log(f"line {i}")
            yield f"chunk {i} "

    return emu


async def test_deliveries_are_signed_with_the_served_secret(
    emu: Emulator, api: httpx.AsyncClient, received: list[httpx.Request]
) -> None:
    secret = (await api.get("/webhooks/default/secret")).json()["key"]
    assert secret.startswith("whsec_") and secret == emu.webhook_secret
    created = await api.post(
        "/models/demo/echo/predictions",
        json={
            "input": {"text": "signed"},
            "webhook": HOOK,
            "webhook_events_filter": ["start", "completed"],
        },
        headers={"Prefer": "wait"},
    )
    await emu.settle()
    assert [json.loads(r.content)["status"] for r in received] == ["processing", "succeeded"]
    verifier = Webhook(secret)
    for request in received:
        payload = verifier.verify(request.content, dict(request.headers))
        assert payload["id"] == created.json()["id"]
        assert request.headers["webhook-id"].startswith("msg_")
        assert request.headers["content-type"] == "application/json"
    final = json.loads(received[-1].content)
    assert final == (await api.get(created.json()["urls"]["get"])).json()
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        verifier.verify(received[-1].content + b" ", dict(received[-1].headers))


async def test_default_filter_is_output_and_completed(
    streamer: Emulator, api: httpx.AsyncClient, received: list[httpx.Request]
) -> None:
    await api.post(
        "/models/acme/streamer/predictions",
        json={"input": {"n": 2, "step": 1}, "webhook": HOOK},
        headers={"Prefer": "wait"},
    )
    await streamer.settle()
    events = [d.event for d in streamer.webhook_deliveries]
    assert set(events) == {"output", "completed"}
    assert events[-1] == "completed"


async def test_output_and_logs_deliveries_are_throttled(
    streamer: Emulator, api: httpx.AsyncClient, received: list[httpx.Request]
) -> None:
    await api.post(
        "/models/acme/streamer/predictions",
        json={
            "input": {"n": 20, "step": 0.1},
            "webhook": HOOK,
            "webhook_events_filter": ["output", "logs", "completed"],
        },
        headers={"Prefer": "wait"},
    )
    await streamer.settle()
    deliveries = streamer.webhook_deliveries
    throttled = [d for d in deliveries if d.event in ("output", "logs")]
    assert 2 <= len(throttled) < 20  # 40 changes over 2 s: coalesced
    gaps = [b.sent_at - a.sent_at for a, b in itertools.pairwise(throttled)]
    assert all(gap >= 0.499 for gap in gaps), [(d.event, d.sent_at) for d in deliveries]
    assert deliveries[-1].event == "completed"
    assert deliveries[-1].json()["output"] == [f"chunk {i} " for i in range(20)]


async def test_only_the_terminal_delivery_is_retried(emu: Emulator, api: httpx.AsyncClient) -> None:
    answers = iter([500, 500, 503, 200])

    def flaky(request: httpx.Request) -> int:
        body = json.loads(request.content)
        return 500 if body["status"] == "processing" else next(answers)

    emu.webhook_receiver(HOOK, flaky)
    await api.post(
        "/models/demo/echo/predictions",
        json={"input": {}, "webhook": HOOK, "webhook_events_filter": ["start", "completed"]},
        headers={"Prefer": "wait"},
    )
    await emu.settle()
    deliveries = emu.webhook_deliveries
    assert [(d.event, d.attempt, d.status_code) for d in deliveries] == [
        ("start", 1, 500),
        ("completed", 1, 500),
        ("completed", 2, 500),
        ("completed", 3, 503),
        ("completed", 4, 200),
    ]
    completed = deliveries[1:]
    assert len({d.headers["webhook-id"] for d in completed}) == 1
    assert completed[0].headers["webhook-id"] != deliveries[0].headers["webhook-id"]
    times = [d.sent_at for d in completed]
    assert [round(b - a) for a, b in itertools.pairwise(times)] == [1, 2, 4]
    assert all(d.body == completed[0].body for d in completed)


async def test_retries_give_up_after_about_a_minute(emu: Emulator, api: httpx.AsyncClient) -> None:
    emu.webhook_receiver(HOOK, lambda request: httpx.Response(410))
    await api.post(
        "/models/demo/echo/predictions",
        json={"input": {}, "webhook": HOOK},
        headers={"Prefer": "wait"},
    )
    await emu.settle()
    completed = [d for d in emu.webhook_deliveries if d.event == "completed"]
    assert len(completed) == 7
    assert 55 <= completed[-1].sent_at - completed[0].sent_at <= 65


async def test_unreachable_receivers_and_real_http_deliveries() -> None:
    seen: list[httpx.Request] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        if request.url.path == "/redirect":
            return httpx.Response(301, headers={"location": "https://elsewhere.test/"})
        return httpx.Response(200)

    emu = Emulator(
        demo=True, webhook_transport=httpx.MockTransport(endpoint), webhook_retry_delays=(1,)
    )
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        for path in ("/ok", "/down", "/redirect"):
            await api.post(
                "/models/demo/echo/predictions",
                json={
                    "input": {},
                    "webhook": f"https://receiver.test{path}",
                    "webhook_events_filter": ["completed"],
                },
                headers={"Prefer": "wait"},
            )
        await emu.settle()
    outcome = [
        (d.url.rsplit("/", 1)[1], d.attempt, d.status_code, d.error is not None)
        for d in emu.webhook_deliveries
    ]
    assert sorted(outcome) == sorted(
        [
            ("ok", 1, 200, False),
            ("down", 1, None, True),
            ("down", 2, None, True),
            ("redirect", 1, 301, False),
            ("redirect", 2, 301, False),
        ]
    )
    assert all(not r.url.host.startswith("elsewhere") for r in seen)  # redirects are not followed


async def test_failed_canceled_and_aborted_trigger_completed(
    emu: Emulator, api: httpx.AsyncClient, received: list[httpx.Request]
) -> None:
    await api.post(
        "/models/demo/fail/predictions",
        json={"input": {}, "webhook": HOOK},
        headers={"Prefer": "wait"},
    )
    sleeping = (
        await api.post(
            "/models/demo/sleep/predictions", json={"input": {"seconds": 50}, "webhook": HOOK}
        )
    ).json()
    await api.post(sleeping["urls"]["cancel"])
    await emu.settle()
    statuses = [json.loads(r.content)["status"] for r in received]
    assert statuses == ["failed", "canceled"]


async def test_trainings_deliver_webhooks_too(
    emu: Emulator, api: httpx.AsyncClient, received: list[httpx.Request]
) -> None:
    await api.post(
        "/models",
        json={"owner": "emulator", "name": "tuned", "visibility": "private", "hardware": "cpu"},
    )
    version = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    await api.post(
        f"/models/demo/echo/versions/{version}/trainings",
        json={
            "destination": "emulator/tuned",
            "input": {"steps": 2},
            "webhook": HOOK,
            "webhook_events_filter": ["completed"],
        },
    )
    await emu.settle()
    assert len(received) == 1
    body = json.loads(received[0].content)
    assert body["status"] == "succeeded"
    assert body["urls"]["get"].endswith(f"/trainings/{body['id']}")
    assert set(body["output"]) == {"version", "weights"}
