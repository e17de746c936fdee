"""Fault injection, per kind, through plain httpx (async and sync transports)."""

from __future__ import annotations

import httpx
import pytest

from replicate_async.testing import Emulator, Fault


async def test_injected_5xx_has_an_html_body_and_nothing_happens(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    fault = emu.faults.add(Fault.status(503, route="POST /predictions", times=1))
    first = await api.post("/predictions", json={"version": "demo/echo", "input": {}})
    assert first.status_code == 503
    assert first.headers["content-type"] == "text/html"
    assert "<h1>503 Service Unavailable</h1>" in first.text
    assert (await api.get("/predictions")).json()["results"] == []
    second = await api.post("/predictions", json={"version": "demo/echo", "input": {}})
    assert second.status_code == 201
    assert emu.faults.fired(fault) == 1


async def test_custom_status_bodies(emu: Emulator, api: httpx.AsyncClient) -> None:
    emu.faults.add(Fault.status(402, route="GET /account", times=1))
    emu.faults.add(Fault.status(500, route="GET /hardware", body={"detail": "boom"}, times=1))
    payment = await api.get("/account")
    assert payment.status_code == 402
    assert payment.json() == {"detail": "Payment Required", "status": 402}
    boom = await api.get("/hardware")
    assert boom.json() == {"detail": "boom"}
    assert boom.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("header", [True, False])
async def test_rate_limit(emu: Emulator, api: httpx.AsyncClient, header: bool) -> None:
    emu.faults.add(
        Fault.rate_limit(
            retry_after=2, header=header, route="POST /models/{o}/{n}/predictions", times=2
        )
    )
    responses = [
        await api.post("/models/demo/echo/predictions", json={"input": {}}) for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [429, 429, 201]
    limited = responses[0]
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json() == {
        "detail": "Request was throttled. Your rate limit resets in ~2s.",
        "status": 429,
        "retry_after": 2,
    }
    assert ("retry-after" in limited.headers) is header
    if header:
        assert limited.headers["retry-after"] == "2"
    assert len((await api.get("/predictions")).json()["results"]) == 1


async def test_drop_before_read_creates_nothing(emu: Emulator, api: httpx.AsyncClient) -> None:
    emu.faults.add(Fault.drop(before_read=True, route="POST /predictions", times=1))
    with pytest.raises(httpx.ConnectError):
        await api.post("/predictions", json={"version": "demo/echo", "input": {}})
    assert (await api.get("/predictions")).json()["results"] == []


async def test_drop_after_read_creates_the_prediction(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    emu.faults.add(Fault.drop(route="POST /predictions", times=1))
    with pytest.raises(httpx.RemoteProtocolError):
        await api.post("/predictions", json={"version": "demo/echo", "input": {"text": "ghost"}})
    results = (await api.get("/predictions")).json()["results"]
    assert [p["input"] for p in results] == [{"text": "ghost"}]


async def test_after_and_times_count_matching_calls(emu: Emulator, api: httpx.AsyncClient) -> None:
    fault = emu.faults.add(Fault.status(500, route="GET /predictions/{id}", after=2, times=2))
    created = (await api.post("/models/demo/echo/predictions", json={"input": {}})).json()
    statuses = [(await api.get(f"/predictions/{created['id']}")).status_code for _ in range(6)]
    assert statuses == [200, 200, 500, 500, 200, 200]
    assert (await api.get("/account")).status_code == 200  # other routes are untouched
    assert emu.faults.fired(fault) == 2
    emu.faults.remove(fault)
    assert len(emu.faults) == 0


async def test_method_wildcard_and_global_faults(emu: Emulator, api: httpx.AsyncClient) -> None:
    emu.faults.add(Fault.status(502, route="* /hardware", times=1))
    assert (await api.get("/hardware")).status_code == 502
    emu.faults.add(Fault.status(504, times=1))
    assert (await api.get("/account")).status_code == 504
    assert (await api.get("/account")).status_code == 200
    with pytest.raises(ValueError, match="looks like"):
        Emulator().faults.add(Fault.status(500, route="predictions"))


async def test_slow_answer_past_the_read_timeout(emu: Emulator, api: httpx.AsyncClient) -> None:
    emu.faults.add(Fault.delay(120, route="GET /account", times=1))
    with pytest.raises(httpx.ReadTimeout):
        await api.get("/account", timeout=httpx.Timeout(30))
    emu.faults.add(Fault.delay(5, route="GET /account", times=1))
    assert (await api.get("/account", timeout=httpx.Timeout(30))).status_code == 200


async def test_slow_answer_with_the_real_clock() -> None:
    emu = Emulator(clock="real")
    emu.faults.add(Fault.delay(0.5, route="GET /account"))
    async with httpx.AsyncClient(
        transport=emu.async_transport(),
        base_url=emu.base_url,
        headers={"Authorization": f"Bearer {emu.api_token}"},
    ) as api:
        with pytest.raises(httpx.ReadTimeout):
            await api.get("/account", timeout=httpx.Timeout(5, read=0.01))


async def test_created_but_accepted_202(emu: Emulator, api: httpx.AsyncClient) -> None:
    emu.faults.add(Fault.accepted(times=1))
    assert (await api.get("/account")).status_code == 200
    accepted = await api.post("/models/demo/echo/predictions", json={"input": {}})
    assert accepted.status_code == 202
    assert accepted.json()["status"] == "starting"
    assert (await api.post("/models/demo/echo/predictions", json={"input": {}})).status_code == 201


def test_faults_through_the_sync_transport(emu: Emulator, sync_api: httpx.Client) -> None:
    emu.faults.add(Fault.drop(before_read=True, route="GET /account", times=1))
    emu.faults.add(Fault.drop(route="GET /hardware", times=1))
    emu.faults.add(Fault.rate_limit(retry_after=1, route="GET /collections", times=1))
    with pytest.raises(httpx.ConnectError):
        sync_api.get("/account")
    with pytest.raises(httpx.RemoteProtocolError):
        sync_api.get("/hardware")
    assert sync_api.get("/collections").status_code == 429
    assert sync_api.get("/account").status_code == 200


async def test_a_hold_past_the_read_timeout_times_out_in_real_time() -> None:
    emu = Emulator(clock="real", demo=True)
    async with httpx.AsyncClient(
        transport=emu.async_transport(),
        base_url=emu.base_url,
        headers={"Authorization": f"Bearer {emu.api_token}"},
    ) as api:
        with pytest.raises(httpx.ReadTimeout):
            await api.post(
                "/models/demo/sleep/predictions",
                json={"input": {"seconds": 30}},
                headers={"Prefer": "wait"},
                timeout=httpx.Timeout(5, read=0.02),
            )
        created = (await api.get("/predictions")).json()["results"]
        assert [p["status"] for p in created] == ["processing"]  # it exists and runs on
