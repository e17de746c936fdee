"""Nothing a request, a model or the user's code does stops the emulator from serving.

Regression tests for issue 9, items 1 and 2: a webhook URL no request can be built for is refused
at create time with a 422; a delivery that fails in any way fails only itself; exceptions raised
inside the emulator's context managers reach the caller as they are, not in an ExceptionGroup.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replicate_async import ModelError
from replicate_async.testing import Emulator

from .conftest import auth

HOOK = "https://hooks.example.test/replicate"

BAD_WEBHOOKS = [
    "http://127.0.0.1:99999/hook",  # port out of range: httpx cannot build the request
    "http://hooks.example.test/\x01hook",  # a control character: httpx.InvalidURL
    "http://hooks.example.test:0/hook",
    "http://hooks.example.test:http/hook",
    "ftp://hooks.example.test/hook",
    "hooks.example.test/hook",
    "/relative/hook",
    "https://",
    "http:///no-host",
    "https://hooks example.test/hook",
    "",
]


def _routes(emu: Emulator) -> list[tuple[str, dict[str, Any]]]:
    version = emu.core.store.models["demo/echo"].versions[-1].id
    return [
        ("/models/demo/echo/predictions", {"input": {"text": "hi"}}),
        ("/predictions", {"version": version, "input": {"text": "hi"}}),
        (
            f"/models/demo/echo/versions/{version}/trainings",
            {"destination": "emulator/tuned", "input": {}},
        ),
    ]


@pytest.mark.parametrize("webhook", BAD_WEBHOOKS)
async def test_create_refuses_a_webhook_that_is_not_an_absolute_http_url(
    emu: Emulator, api: httpx.AsyncClient, webhook: str
) -> None:
    emu.add_model("emulator/tuned", visibility="private")
    for path, body in _routes(emu):
        answer = await api.post(path, json={**body, "webhook": webhook})
        assert answer.status_code == 422, (path, answer.text)
        problem = answer.json()
        assert problem["status"] == 422
        assert [f["field"] for f in problem["invalid_fields"]] == ["webhook"]
        assert problem["invalid_fields"][0]["type"] == "format"
    assert not emu.jobs()
    assert (await api.get("/account")).status_code == 200


async def test_a_webhook_of_the_wrong_type_is_refused(api: httpx.AsyncClient) -> None:
    answer = await api.post("/models/demo/echo/predictions", json={"input": {}, "webhook": 5})
    assert answer.status_code == 422
    assert answer.json()["invalid_fields"][0]["type"] == "invalid_type"


@pytest.mark.parametrize(
    "failure",
    [
        RuntimeError("a receiver transport with a defect"),
        httpx.InvalidURL("Invalid port: '99999'"),
        ValueError("not an httpx error"),
    ],
    ids=["runtime-error", "invalid-url", "value-error"],
)
async def test_a_delivery_that_raises_fails_only_itself(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    def transport(request: httpx.Request) -> httpx.Response:
        raise failure

    emu = Emulator(
        demo=True, webhook_transport=httpx.MockTransport(transport), webhook_retry_delays=(1.0,)
    )
    with caplog.at_level(logging.WARNING, logger="replicate_async.testing"):
        async with httpx.AsyncClient(
            transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
        ) as api:
            created = await api.post(
                "/models/demo/echo/predictions",
                json={"input": {"text": "hi"}, "webhook": HOOK},
                headers={"Prefer": "wait"},
            )
            assert created.json()["status"] == "succeeded"
            await emu.settle()
            # Both attempts of the terminal delivery failed, and were recorded as failures.
            assert [(d.event, d.attempt, d.ok) for d in emu.webhook_deliveries] == [
                ("completed", 1, False),
                ("completed", 2, False),
            ]
            assert all(type(failure).__name__ in (d.error or "") for d in emu.webhook_deliveries)
            # The emulator still serves, and still runs models.
            assert (await api.get("/account")).status_code == 200
            again = await api.post(
                "/models/demo/echo/predictions",
                json={"input": {"text": "again"}},
                headers={"Prefer": "wait"},
            )
            assert again.json()["output"] == "again"
    assert "failed after 2 attempt(s)" in caplog.text


async def test_a_failing_background_task_is_logged_and_the_emulator_keeps_serving(
    emu: Emulator, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    async def defect() -> None:
        raise LookupError("a defect in a background task")

    with caplog.at_level(logging.ERROR, logger="replicate_async.testing"):
        emu.core.spawn(defect)
        await emu.settle()
        assert (await api.get("/account")).status_code == 200
    assert "defect" in caplog.text


# -- a fuzz test of the create body ------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)


def _webhook_url(scheme: str, host: str, port: str, path: str) -> str:
    return f"{scheme}://{host}{port}/{path}"


url_webhooks = st.builds(
    _webhook_url,
    st.sampled_from(["http", "https", "HTTP", "ftp", "", "javascript"]),
    st.sampled_from(["hooks.example.test", "127.0.0.1", "[::1]", "", "a b", "ex\x00ample"]),
    st.sampled_from(["", ":0", ":80", ":99999", ":-1", ":x", ":65535"]),
    st.text(max_size=10),
)
create_bodies = st.fixed_dictionaries(
    {"input": st.fixed_dictionaries({"text": st.text(max_size=10)}) | json_values},
    optional={
        "webhook": url_webhooks | url_webhooks | st.text(max_size=40) | json_values,
        "webhook_events_filter": st.lists(
            st.sampled_from(["start", "output", "logs", "completed"]), max_size=4
        )
        | json_values,
        "stream": st.booleans() | json_values,
    },
)
statuses = st.sampled_from([200, 204, 301, 404, 500, 0])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    requests=st.lists(st.tuples(st.integers(0, 3), create_bodies, json_values), max_size=5),
    answers=st.lists(statuses),
)
async def test_no_create_body_stops_the_emulator(
    anyio_backend: str, requests: list[tuple[int, dict[str, Any], Any]], answers: list[int]
) -> None:
    replies = iter(answers)

    def transport(request: httpx.Request) -> httpx.Response:
        status = next(replies, 0)
        if status == 0:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(status)

    emu = Emulator(demo=True, webhook_transport=httpx.MockTransport(transport), seed=1)
    emu.add_model("emulator/tuned", visibility="private")
    version = emu.core.store.models["demo/echo"].versions[-1].id
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        deployment = {
            "name": "echo",
            "model": "demo/echo",
            "version": version,
            "hardware": "cpu",
            "min_instances": 0,
            "max_instances": 1,
        }
        assert (await api.post("/deployments", json=deployment)).status_code == 200
        for route, body, extra in requests:
            path, body = [
                ("/models/demo/echo/predictions", body),
                ("/predictions", {**body, "version": version}),
                ("/deployments/emulator/echo/predictions", body),
                (
                    f"/models/demo/echo/versions/{version}/trainings",
                    {**body, "destination": "emulator/tuned", "input": {"extra": extra}},
                ),
            ][route]
            answer = await api.post(path, content=json.dumps(body))
            assert answer.status_code < 500, answer.text
        await emu.settle()
        assert (await api.get("/account")).status_code == 200
        again = await api.post(
            "/models/demo/echo/predictions",
            json={"input": {"text": "still"}},
            headers={"Prefer": "wait"},
        )
        assert again.json()["output"] == "still"


# -- exceptions leave the emulator's context managers unwrapped -------------------------------


async def test_a_user_exception_leaves_async_client_as_it_is(emu: Emulator) -> None:
    with pytest.raises(KeyError, match="mine"):
        async with emu.async_client():
            raise KeyError("mine")


async def test_a_model_error_leaves_async_client_as_it_is(emu: Emulator) -> None:
    with pytest.raises(ModelError):
        async with emu.async_client() as client:
            await client.run("demo/fail", input={"message": "boom"})


async def test_exceptions_leave_every_emulator_context_manager_unwrapped(emu: Emulator) -> None:
    with pytest.raises(ZeroDivisionError):
        async with emu:
            _ = 1 / 0
    with pytest.raises(ZeroDivisionError):
        async with emu, emu:  # nested entries: the outermost owns the task group
            _ = 1 / 0
    with pytest.raises(ZeroDivisionError):
        async with httpx.AsyncClient(transport=emu.async_transport(), base_url=emu.base_url):
            _ = 1 / 0
    # Still usable afterwards.
    async with emu.async_client() as client:
        assert await client.run("demo/echo", input={"text": "ok"}) == "ok"


async def test_an_invalid_webhook_through_the_sdk_is_a_plain_422(emu: Emulator) -> None:
    from replicate_async import UnprocessableEntityError

    with pytest.raises(UnprocessableEntityError):
        async with emu.async_client() as client:
            await client.predictions.create(
                "demo/echo", input={"text": "hi"}, webhook="http://127.0.0.1:99999/hook"
            )


async def test_a_defect_in_a_handler_is_a_500_for_that_request_only(
    emu: Emulator, api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise KeyError("a defect")

    monkeypatch.setattr(emu.app, "hardware_list", broken)
    emu.app._add_routes()  # pyright: ignore[reportPrivateUsage]
    answer = await api.get("/hardware")
    assert answer.status_code == 500
    assert answer.json()["status"] == 500
    assert (await api.get("/account")).status_code == 200
