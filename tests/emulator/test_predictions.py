"""Predictions through plain httpx: shapes, the three create routes, lifecycle, holds, deadlines."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from replicate_async.testing import Emulator, Log, Progress, log, sleep

from .conftest import auth

TERMINAL = {"succeeded", "failed", "canceled", "aborted"}
REQUIRED = {"id", "model", "version", "input", "output", "data_removed", "error", "status"}


async def wait_terminal(api: httpx.AsyncClient, prediction: dict[str, Any]) -> dict[str, Any]:
    for _ in range(2000):
        prediction = (await api.get(prediction["urls"]["get"])).json()
        if prediction["status"] in TERMINAL:
            return prediction
        await anyio.sleep(0.002)  # threads (sync models) need real time
    raise AssertionError(f"prediction never finished: {prediction}")


async def test_create_response_shape(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/predictions", json={"version": "demo/echo", "input": {"text": "hi"}}
    )
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert REQUIRED | {"created_at", "urls", "logs"} <= body.keys()
    assert body["status"] == "starting"
    assert body["logs"] == ""
    assert body["error"] is None
    assert body["output"] is None
    assert body["data_removed"] is False
    assert re.fullmatch(r"[a-z0-9]{26}", body["id"])
    assert body["urls"]["get"] == f"http://replicate.emulator/v1/predictions/{body['id']}"
    assert body["urls"]["cancel"] == body["urls"]["get"] + "/cancel"
    assert body["urls"]["web"].endswith(body["id"])
    assert "stream" not in body["urls"]  # demo/echo is a plain function: it does not stream
    assert int(response.headers["ratelimit-remaining"]) < 600
    assert response.headers["ratelimit-reset"] == "1"


async def test_streaming_models_get_a_stream_url(api: httpx.AsyncClient) -> None:
    body = (await api.post("/models/demo/tokens/predictions", json={"input": {}})).json()
    assert body["urls"]["stream"].startswith("http://stream.replicate.emulator/v1/streams/")


async def test_three_routes_and_version_forms(emu: Emulator, api: httpx.AsyncClient) -> None:
    version = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    assert re.fullmatch(r"[0-9a-f]{64}", version)
    created = [
        await api.post("/predictions", json={"version": version, "input": {"text": "a"}}),
        await api.post(
            "/predictions", json={"version": f"demo/echo:{version}", "input": {"text": "b"}}
        ),
        await api.post("/predictions", json={"version": "demo/echo", "input": {"text": "c"}}),
        await api.post("/models/demo/echo/predictions", json={"input": {"text": "d"}}),
    ]
    deployment = await api.post(
        "/deployments",
        json={
            "name": "echoer",
            "model": "demo/echo",
            "version": version,
            "hardware": "cpu",
            "min_instances": 0,
            "max_instances": 1,
        },
    )
    assert deployment.status_code == 200
    created.append(
        await api.post("/deployments/emulator/echoer/predictions", json={"input": {"text": "e"}})
    )
    assert [r.status_code for r in created] == [201] * 5
    outputs = [(await wait_terminal(api, r.json()))["output"] for r in created]
    assert outputs == ["a", "b", "c", "d", "e"]
    assert created[-1].json()["deployment"] == "emulator/echoer"
    assert all(r.json()["version"] == version for r in created)


@pytest.mark.parametrize(
    "version",
    [
        "0" * 64,
        "demo/missing",
        "demo/echo:" + "0" * 64,
        "not a version",
    ],
)
async def test_unknown_version_is_422_with_the_real_body(
    api: httpx.AsyncClient, version: str
) -> None:
    response = await api.post("/predictions", json={"version": version, "input": {}})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "title": "Invalid version or not permitted",
        "detail": "The specified version does not exist (or perhaps you don't have permission "
        "to use it?)",
        "status": 422,
    }


async def test_unknown_request_fields_are_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/predictions", json={"version": "demo/echo", "input": {}, "output_location": "x"}
    )
    assert response.status_code == 422
    body = response.json()
    assert "Additional property output_location is not allowed" in body["detail"]
    models_route = await api.post(
        "/models/demo/echo/predictions", json={"input": {}, "version": "x"}
    )
    assert models_route.status_code == 422  # no version on the models route
    assert (await api.get("/predictions")).json()["results"] == []


async def test_input_is_validated_against_the_signature(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    @emu.model("acme/typed")
    def typed(prompt: str, steps: int = 4, scale: float = 1.0, fast: bool = False) -> str:
        return prompt * steps

    bad = await api.post(
        "/models/acme/typed/predictions",
        json={"input": {"steps": "four", "nope": 1, "scale": 2}},
    )
    assert bad.status_code == 422
    body = bad.json()
    assert body["title"] == "Input validation failed"
    fields = {(f["field"], f["description"]) for f in body["invalid_fields"]}
    assert ("input", "prompt is required") in fields
    assert ("input", "Additional property nope is not allowed") in fields
    assert ("input.steps", "Invalid type. Expected: integer, given: string") in fields
    assert not any(f[0] == "input.scale" for f in fields)  # an integer is a number
    ok = await api.post(
        "/models/acme/typed/predictions", json={"input": {"prompt": "ab", "steps": 2}}
    )
    assert (await wait_terminal(api, ok.json()))["output"] == "abab"


async def test_missing_input_and_bad_json(api: httpx.AsyncClient) -> None:
    assert (await api.post("/predictions", json={"version": "demo/echo"})).status_code == 422
    bad = await api.post(
        "/predictions", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert bad.status_code == 400


async def test_generator_output_grows_and_logs(emu: Emulator, api: httpx.AsyncClient) -> None:
    @emu.model("acme/llm")
    async def llm(prompt: str) -> AsyncIterator[str | Log | Progress]:
        yield Log("loading")
        words = prompt.split()
        for i, word in enumerate(words):
            yield Progress(i + 1, len(words))
            yield word + " "

    created = (
        await api.post("/predictions", json={"version": "acme/llm", "input": {"prompt": "a b"}})
    ).json()
    done = await wait_terminal(api, created)
    assert done["status"] == "succeeded"
    assert done["output"] == ["a ", "b "]
    assert done["logs"].startswith("loading\n")
    assert " 50%|" in done["logs"] and "| 1/2 [" in done["logs"]
    assert "100%|██████████| 2/2 [" in done["logs"]
    assert done["metrics"]["predict_time"] > 0
    assert done["metrics"]["total_time"] >= done["metrics"]["predict_time"]
    assert done["started_at"] and done["completed_at"]


async def test_sync_functions_and_generators_run_in_threads(
    emu: Emulator, api: httpx.AsyncClient
) -> None:
    @emu.model("acme/sync")
    def sync_model(n: int) -> list[int]:
        log("counting")
        return list(range(n))

    @emu.model("acme/syncgen")
    def sync_gen(n: int):  # type: ignore[no-untyped-def]
        for i in range(n):
            yield Log(f"step {i}")
            yield str(i)

    a = await wait_terminal(
        api, (await api.post("/models/acme/sync/predictions", json={"input": {"n": 3}})).json()
    )
    b = await wait_terminal(
        api, (await api.post("/models/acme/syncgen/predictions", json={"input": {"n": 2}})).json()
    )
    assert (a["output"], a["logs"]) == ([0, 1, 2], "counting\n")
    assert (b["output"], b["logs"]) == (["0", "1"], "step 0\nstep 1\n")


async def test_failure_sets_error_and_logs_the_traceback(api: httpx.AsyncClient) -> None:
    created = (
        await api.post("/models/demo/fail/predictions", json={"input": {"message": "boom"}})
    ).json()
    done = await wait_terminal(api, created)
    assert done["status"] == "failed"
    assert done["error"] == "boom"
    assert done["output"] is None
    assert done["logs"].startswith("Loading the model\nRunning\n")
    assert done["logs"].rstrip().endswith("RuntimeError: boom")


async def test_file_outputs_are_served_without_a_token(
    emu: Emulator, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / "result.txt"
    path.write_text("from a path")

    @emu.model("acme/files")
    def files() -> list[Any]:
        return [path, b"\x89PNG\r\n\x1a\nrest", {"nested": b"raw bytes"}]

    done = await wait_terminal(
        api, (await api.post("/models/acme/files/predictions", json={"input": {}})).json()
    )
    first, second, third = done["output"][0], done["output"][1], done["output"][2]["nested"]
    assert first.startswith("https://emulator.replicate.delivery/") and first.endswith(
        "/result.txt"
    )
    assert second.endswith("/out-1.png")
    async with httpx.AsyncClient(transport=emu.async_transport()) as anonymous:
        got = await anonymous.get(first)
        assert got.status_code == 200
        assert got.text == "from a path"
        assert got.headers["content-type"].startswith("text/plain")
        assert got.headers["cache-control"] == "public,max-age=3600"
        assert got.headers["access-control-allow-origin"] == "*"
        png = await anonymous.get(second)
        assert png.headers["content-type"] == "image/png"
        assert (await anonymous.get(third)).content == b"raw bytes"


async def test_data_uri_file_outputs(api: httpx.AsyncClient) -> None:
    emu = Emulator(file_outputs="data-uri")

    @emu.model("acme/png")
    def png() -> bytes:
        return b"\x89PNG\r\n\x1a\n"

    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as client:
        created = await client.post(
            "/models/acme/png/predictions", json={"input": {}}, headers={"Prefer": "wait"}
        )
        assert created.json()["output"] == "data:image/png;base64,iVBORw0KGgo="


async def test_file_inputs_become_paths(emu: Emulator, api: httpx.AsyncClient) -> None:
    @emu.model("acme/size")
    def size(image: Path, raw: bytes) -> str:
        return f"{image.name}:{image.read_bytes().decode()}:{raw.decode()}"

    upload = await api.post("/files", files={"content": ("in.txt", b"uploaded", "text/plain")})
    url = upload.json()["urls"]["get"]
    created = await api.post(
        "/models/acme/size/predictions",
        json={"input": {"image": url, "raw": "data:text/plain;base64,aGk="}},
        headers={"Prefer": "wait"},
    )
    assert created.json()["output"] == "in.txt:uploaded:hi"
    unreachable = await api.post(
        "/models/acme/size/predictions",
        json={"input": {"image": "https://example.com/x.png", "raw": "data:,x"}},
        headers={"Prefer": "wait"},
    )
    assert unreachable.json()["status"] == "failed"
    assert "Failed to download input file" in unreachable.json()["error"]


async def test_list_predictions_paginates_with_absolute_cursor_urls(api: httpx.AsyncClient) -> None:
    ids: list[str] = []
    for i in range(205):
        ids.append(
            (
                await api.post("/models/demo/echo/predictions", json={"input": {"text": str(i)}})
            ).json()["id"]
        )
    first = (await api.get("/predictions")).json()
    assert len(first["results"]) == 100
    assert first["previous"] is None
    assert first["next"].startswith("http://replicate.emulator/v1/predictions?cursor=")
    assert [p["id"] for p in first["results"]] == ids[::-1][:100]
    second = (await api.get(first["next"])).json()
    third = (await api.get(second["next"])).json()
    assert third["next"] is None
    seen = [p["id"] for page in (first, second, third) for p in page["results"]]
    assert seen == ids[::-1]
    back = (await api.get(second["previous"])).json()
    assert [p["id"] for p in back["results"]] == [p["id"] for p in first["results"]]
    assert (await api.get("/predictions?cursor=%%%")).status_code == 400


async def test_list_filters(emu: Emulator, api: httpx.AsyncClient) -> None:
    old = (await api.post("/models/demo/echo/predictions", json={"input": {}})).json()
    await emu.advance(60)
    new = (await api.post("/models/demo/echo/predictions", json={"input": {}})).json()
    cut = new["created_at"]
    after = (await api.get("/predictions", params={"created_after": cut})).json()["results"]
    before = (await api.get("/predictions", params={"created_before": cut})).json()["results"]
    assert [p["id"] for p in after] == [new["id"]]
    assert [p["id"] for p in before] == [old["id"]]
    assert (await api.get("/predictions", params={"source": "web"})).json()["results"] == []


async def test_cancel_running_and_terminal(api: httpx.AsyncClient) -> None:
    created = (
        await api.post("/models/demo/sleep/predictions", json={"input": {"seconds": 100}})
    ).json()
    canceled = await api.post(created["urls"]["cancel"])
    assert canceled.status_code == 200
    body = canceled.json()
    assert body["status"] == "canceled"
    assert body["completed_at"] and body["started_at"]
    assert set(body["metrics"]) == {"predict_time", "total_time"}
    again = await api.post(created["urls"]["cancel"])
    assert again.status_code == 200
    assert again.json() == body
    assert (await api.get(created["urls"]["get"])).json()["status"] == "canceled"
    missing = await api.post("/predictions/doesnotexist/cancel")
    assert missing.status_code == 404


async def test_prefer_wait_holds_until_terminal(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/models/demo/sleep/predictions",
        json={"input": {"seconds": 30}},
        headers={"Prefer": "wait"},
    )
    assert response.headers["preference-applied"] == "wait"
    assert response.json()["status"] == "succeeded"
    assert response.json()["output"] == "slept 30 seconds"


async def test_prefer_wait_n_expires_with_the_incomplete_prediction(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/models/demo/sleep/predictions",
        json={"input": {"seconds": 30}},
        headers={"Prefer": "wait=5"},
    )
    assert response.status_code == 201
    assert response.headers["preference-applied"] == "wait=5"
    assert response.json()["status"] == "processing"
    assert response.json()["output"] is None
    assert (await wait_terminal(api, response.json()))["status"] == "succeeded"


@pytest.mark.parametrize(
    ("prefer", "applied"),
    [("wait=60", "wait=60"), ("wait=99", "wait=60"), ("respond-async, wait=7", "wait=7")],
)
async def test_prefer_grammar(api: httpx.AsyncClient, prefer: str, applied: str) -> None:
    response = await api.post(
        "/models/demo/echo/predictions", json={"input": {}}, headers={"Prefer": prefer}
    )
    assert response.headers["preference-applied"] == applied
    assert response.json()["status"] == "succeeded"


@pytest.mark.parametrize("prefer", ["wait=0", "wait=100", "wait=abc", "wait=05", "respond-async"])
async def test_prefer_values_outside_the_grammar_are_ignored(
    api: httpx.AsyncClient, prefer: str
) -> None:
    response = await api.post(
        "/models/demo/echo/predictions", json={"input": {}}, headers={"Prefer": prefer}
    )
    assert response.status_code == 201
    assert "preference-applied" not in response.headers
    assert response.json()["status"] == "starting"


async def test_prefer_wait_early_return_in_processing() -> None:
    emu = Emulator(sync_early_return=True)

    @emu.model("acme/llm")
    async def llm(prompt: str) -> AsyncIterator[str]:
        for word in prompt.split():
            yield word

    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        response = await api.post(
            "/models/acme/llm/predictions",
            json={"input": {"prompt": "x y"}},
            headers={"Prefer": "wait"},
        )
        body = response.json()
        assert body["status"] == "processing"
        assert body["output"] == ["x", "y"]
        assert (await wait_terminal(api, body))["status"] == "succeeded"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("30", 30), ("30s", 30), ("5m", 300), ("2h30m", 9000), ("1h30m45s", 5445), ("5", 5)],
)
async def test_cancel_after_sets_the_deadline(
    emu: Emulator, api: httpx.AsyncClient, value: str, seconds: int
) -> None:
    response = await api.post(
        "/models/demo/sleep/predictions",
        json={"input": {"seconds": 1}},
        headers={"Cancel-After": value},
    )
    body = response.json()
    from datetime import datetime

    created = datetime.fromisoformat(body["created_at"])
    deadline = datetime.fromisoformat(body["deadline"])
    assert round((deadline - created).total_seconds()) == seconds


@pytest.mark.parametrize("value", ["4", "4s", "0", "", "1x", "m", "5 m", "-10", "1.5m"])
async def test_cancel_after_malformed_or_short_is_422(api: httpx.AsyncClient, value: str) -> None:
    response = await api.post(
        "/models/demo/echo/predictions", json={"input": {}}, headers={"Cancel-After": value}
    )
    assert response.status_code == 422
    assert response.json()["title"] == "Invalid Cancel-After header"
    assert (await api.get("/predictions")).json()["results"] == []


async def test_cancel_after_cancels_a_running_prediction(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/models/demo/sleep/predictions",
        json={"input": {"seconds": 600}},
        headers={"Cancel-After": "1m", "Prefer": "wait=10"},
    )
    assert response.json()["status"] == "processing"  # the hold ended before the deadline
    done = await wait_terminal(api, response.json())
    assert done["status"] == "canceled"
    assert done["started_at"] is not None


async def test_cancel_after_aborts_a_prediction_that_never_started() -> None:
    emu = Emulator(setup_time=120)

    @emu.model("acme/slowboot")
    def slowboot() -> str:
        return "never"

    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        response = await api.post(
            "/models/acme/slowboot/predictions",
            json={"input": {}},
            headers={"Cancel-After": "30s", "Prefer": "wait"},
        )
        body = response.json()
        assert body["status"] == "aborted"
        assert "started_at" not in body
        assert body["output"] is None
        assert set(body["metrics"]) == {"total_time"}


async def test_manual_clock_and_cold_start() -> None:
    emu = Emulator(clock="manual", setup_time=10)

    @emu.model("acme/nap")
    async def nap() -> str:
        await sleep(5)
        return "rested"

    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        created = (await api.post("/models/acme/nap/predictions", json={"input": {}})).json()
        await emu.settle()
        assert (await api.get(created["urls"]["get"])).json()["status"] == "starting"
        await emu.advance(10)
        assert (await api.get(created["urls"]["get"])).json()["status"] == "processing"
        await emu.advance(5)
        done = (await api.get(created["urls"]["get"])).json()
        assert done["status"] == "succeeded"
        assert done["metrics"]["predict_time"] == pytest.approx(5, abs=0.01)


async def test_data_is_removed_after_the_retention(emu: Emulator, api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/models/demo/image/predictions", json={"input": {}}, headers={"Prefer": "wait"}
    )
    body = created.json()
    url = body["output"][0]
    assert (await api.get(url)).status_code == 200
    await emu.advance(3599)
    assert (await api.get(body["urls"]["get"])).json()["data_removed"] is False
    await emu.advance(2)
    removed = (await api.get(body["urls"]["get"])).json()
    assert removed["data_removed"] is True
    assert removed["output"] is None
    assert removed["input"] == {}
    assert removed["status"] == "succeeded"
    assert (await api.get(url)).status_code == 404


async def test_timestamps_use_mixed_precision(api: httpx.AsyncClient) -> None:
    digits: set[int] = set()
    for _ in range(12):
        body = (
            await api.post(
                "/models/demo/echo/predictions", json={"input": {}}, headers={"Prefer": "wait"}
            )
        ).json()
        for key in ("created_at", "started_at", "completed_at"):
            found = re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?Z", body[key])
            assert found, body[key]
            digits.add(len(found.group(1) or ""))
    assert {0, 2, 3, 6, 9} <= digits


async def test_omit_unset_mode_reproduces_the_2023_key_habits() -> None:
    emu = Emulator(omit_unset=True, demo=True)
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=auth(emu)
    ) as api:
        created = (
            await api.post("/models/demo/echo/predictions", json={"input": {"text": "x"}})
        ).json()
        assert set(created) == {
            "id",
            "model",
            "version",
            "input",
            "logs",
            "error",
            "status",
            "created_at",
            "urls",
        }
        assert set(created["urls"]) == {"get", "cancel"}
        done = await wait_terminal(api, created)
        assert set(done) == set(created) | {"output", "started_at", "completed_at", "metrics"}


async def test_the_stream_flag_is_echoed(api: httpx.AsyncClient) -> None:
    body = (
        await api.post("/predictions", json={"version": "demo/tokens", "input": {}, "stream": True})
    ).json()
    assert body["stream"] is True


async def test_auth(emu: Emulator) -> None:
    expected = {
        "title": "Unauthenticated",
        "detail": "You did not pass a valid authentication token",
        "status": 401,
    }
    async with httpx.AsyncClient(transport=emu.async_transport(), base_url=emu.base_url) as raw:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": emu.api_token},
            {"Authorization": "Basic x"},
        ):
            response = await raw.get("/account", headers=headers)
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json() == expected
            assert "ratelimit-remaining" not in response.headers
        for scheme in ("Bearer", "Token", "bearer"):
            ok = await raw.get("/account", headers={"Authorization": f"{scheme} {emu.api_token}"})
            assert ok.status_code == 200
    lenient = Emulator(accept_any_token=True)
    async with httpx.AsyncClient(
        transport=lenient.async_transport(), base_url=lenient.base_url
    ) as raw:
        assert (
            await raw.get("/account", headers={"Authorization": "Bearer anything"})
        ).status_code == 200
        assert (await raw.get("/account")).status_code == 401


async def test_unknown_routes_and_methods(api: httpx.AsyncClient) -> None:
    assert (await api.get("/nope")).status_code == 404
    response = await api.delete("/predictions")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST, HEAD, OPTIONS"  # as recorded


async def test_a_failed_demo_prediction_logs_the_models_own_frames() -> None:
    emu = Emulator(demo=True)
    async with emu.async_client() as client:
        prediction = await client.predictions.create("demo/fail", input={})
        final = await client.predictions.wait(prediction)
    assert final.status == "failed"
    assert final.logs is not None
    assert "demo.py" in final.logs  # the model's frame, with the error
    assert "_runner.py" not in final.logs  # the emulator's own frames are left out
    assert "RuntimeError: this model always fails" in final.logs
