"""client.deployments: get, list, iter, create, update, delete, predictions.create and run."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from replicate_async import (
    AsyncClient,
    Deployment,
    Prediction,
    PredictionFailedError,
    PredictionTimeoutError,
)
from tests.resource_support import API, TOKEN, FakeAPI, never_called, page

VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


def client_for(api: Any, **options: Any) -> AsyncClient:
    options.setdefault("poll_interval", 0.001)
    return AsyncClient(api_token=TOKEN, transport=httpx.MockTransport(api), **options)


def deployment_json(name: str = "prod", number: int = 1, **configuration: Any) -> dict[str, Any]:
    config = {"hardware": "gpu-t4", "min_instances": 1, "max_instances": 5, **configuration}
    return {
        "owner": "acme",
        "name": name,
        "current_release": {
            "number": number,
            "model": "acme/sdxl",
            "version": VERSION,
            "created_at": "2024-02-15T16:32:57.018467Z",
            "created_by": {"type": "organization", "username": "acme", "name": "Acme"},
            "configuration": config,
        },
    }


def prediction_json(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "dp1",
        "status": status,
        "deployment": "acme/prod",
        "urls": {"get": f"{API}/predictions/dp1", "cancel": f"{API}/predictions/dp1/cancel"},
        **extra,
    }


async def test_get_parses_the_deployment_and_its_release() -> None:
    api = FakeAPI().json("GET", "deployments/acme/prod", deployment_json())
    async with client_for(api) as client:
        deployment = await client.deployments.get("acme/prod")
    assert api.calls() == ["GET /v1/deployments/acme/prod"]
    assert isinstance(deployment, Deployment)
    assert deployment.ref == "acme/prod"
    release = deployment.current_release
    assert release is not None
    assert release.number == 1
    assert release.version == VERSION
    assert release.created_by is not None
    assert release.created_by.username == "acme"
    assert release.configuration is not None
    assert release.configuration.hardware == "gpu-t4"
    assert release.configuration.max_instances == 5


async def test_list_and_iter_follow_next_urls() -> None:
    next_url = f"{API}/deployments?cursor=two"

    def answer(request: httpx.Request) -> httpx.Response:
        if "cursor" in request.url.params:
            return httpx.Response(200, json=page([deployment_json("b")]))
        return httpx.Response(200, json=page([deployment_json("a")], next_url))

    api = FakeAPI().on("GET", "deployments", answer)
    async with client_for(api) as client:
        first = await client.deployments.list()
        second = await client.deployments.list(cursor=first.next)
        names = [d.name async for d in client.deployments.iter()]
    assert [d.name for d in first] == ["a"]
    assert first.next == next_url
    assert [d.name for d in second] == ["b"]
    assert names == ["a", "b"]
    assert [str(r.url) for r in api.requests] == [f"{API}/deployments", next_url] * 2


async def test_create_sends_every_field_and_accepts_200() -> None:
    api = FakeAPI().json("POST", "deployments", deployment_json(min_instances=0), status=200)
    async with client_for(api) as client:
        deployment = await client.deployments.create(
            name="prod",
            model="acme/sdxl",
            version=VERSION,
            hardware="gpu-t4",
            min_instances=0,
            max_instances=5,
        )
    assert api.calls() == ["POST /v1/deployments"]
    assert api.body() == {
        "name": "prod",
        "model": "acme/sdxl",
        "version": VERSION,
        "hardware": "gpu-t4",
        "min_instances": 0,
        "max_instances": 5,
    }
    assert deployment.name == "prod"


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"name": "acme/prod"}, ValueError, "deployment name"),
        ({"model": "acme"}, ValueError, "owner/name"),
        ({"version": "acme/sdxl:" + VERSION}, ValueError, "version id"),
        ({"version": "v1"}, ValueError, "version id"),
        ({"min_instances": -1}, ValueError, "negative"),
        ({"max_instances": 2.5}, TypeError, "int"),
        ({"min_instances": True}, TypeError, "int"),
        ({"min_instances": 3, "max_instances": 2}, ValueError, "more than"),
    ],
)
async def test_create_refuses_bad_arguments_before_any_request(
    changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    kwargs: dict[str, Any] = {
        "name": "prod",
        "model": "acme/sdxl",
        "version": VERSION,
        "hardware": "gpu-t4",
        "min_instances": 0,
        "max_instances": 1,
        **changes,
    }
    async with client_for(never_called) as client:
        with pytest.raises(error, match=message):
            await client.deployments.create(**kwargs)


async def test_update_patches_only_the_given_fields() -> None:
    api = FakeAPI().json("PATCH", "deployments/acme/prod", deployment_json(number=2))
    async with client_for(api) as client:
        deployment = await client.deployments.update("acme/prod", max_instances=10)
        await client.deployments.update("acme/prod", version=VERSION, hardware="gpu-a40-large")
    assert api.calls() == ["PATCH /v1/deployments/acme/prod"] * 2
    assert api.body(0) == {"max_instances": 10}
    assert api.body(1) == {"version": VERSION, "hardware": "gpu-a40-large"}
    assert deployment.current_release is not None
    assert deployment.current_release.number == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "nothing to update"),
        ({"version": "nope"}, "version id"),
        ({"min_instances": 4, "max_instances": 1}, "more than"),
    ],
)
async def test_update_refuses_bad_arguments_before_any_request(
    kwargs: dict[str, Any], message: str
) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match=message):
            await client.deployments.update("acme/prod", **kwargs)


async def test_delete_accepts_204() -> None:
    api = FakeAPI().on("DELETE", "deployments/acme/prod", httpx.Response(204))
    async with client_for(api) as client:
        await client.deployments.delete("acme/prod")
    assert api.calls() == ["DELETE /v1/deployments/acme/prod"]


async def test_predictions_create_uses_the_deployment_route() -> None:
    api = FakeAPI().json(
        "POST", "deployments/acme/prod/predictions", prediction_json("starting"), 201
    )
    async with client_for(api) as client:
        prediction = await client.deployments.predictions.create(
            "acme/prod", input={"prompt": "a fox"}, cancel_after=30, wait=True
        )
    assert api.calls() == ["POST /v1/deployments/acme/prod/predictions"]
    assert api.body() == {"input": {"prompt": "a fox"}}
    assert api.last.headers["cancel-after"] == "30s"
    assert api.last.headers["prefer"] == "wait"
    assert isinstance(prediction, Prediction)
    assert prediction.deployment == "acme/prod"


async def test_run_creates_on_the_deployment_and_waits_for_the_output() -> None:
    api = (
        FakeAPI()
        .json("POST", "deployments/acme/prod/predictions", prediction_json("processing"), 201)
        .on(
            "GET",
            "predictions/dp1",
            httpx.Response(200, json=prediction_json("processing")),
            httpx.Response(200, json=prediction_json("succeeded", output=["a ", "fox"])),
        )
    )
    seen: list[str] = []
    async with client_for(api) as client:
        output = await client.deployments.run(
            "acme/prod", input={"prompt": "a fox"}, on_progress=lambda p: seen.append(p.status)
        )
    assert output == ["a ", "fox"]
    assert api.calls() == [
        "POST /v1/deployments/acme/prod/predictions",
        "GET /v1/predictions/dp1",
        "GET /v1/predictions/dp1",
    ]
    assert api.requests[0].headers["prefer"] == "wait"
    assert seen[-1] == "succeeded"


async def test_run_raises_when_the_prediction_fails() -> None:
    api = FakeAPI().json(
        "POST",
        "deployments/acme/prod/predictions",
        prediction_json("failed", error="CUDA out of memory"),
        201,
    )
    async with client_for(api) as client:
        with pytest.raises(PredictionFailedError, match="CUDA out of memory") as caught:
            await client.deployments.run("acme/prod", input={})
    assert caught.value.prediction.id == "dp1"


async def test_run_timeout_cancels_the_prediction() -> None:
    api = (
        FakeAPI()
        .json("POST", "deployments/acme/prod/predictions", prediction_json("starting"), 201)
        .json("GET", "predictions/dp1", prediction_json("starting"))
        .json("POST", "predictions/dp1/cancel", prediction_json("canceled"))
    )
    async with client_for(api) as client:
        with pytest.raises(PredictionTimeoutError):
            await client.deployments.run("acme/prod", input={}, timeout=0.5)
    assert api.calls()[-1] == "POST /v1/predictions/dp1/cancel"


@pytest.mark.parametrize("ref", ["prod", "acme/prod:" + VERSION, "a/b/c", ""])
async def test_malformed_deployment_references_fail_before_any_request(ref: str) -> None:
    async with client_for(never_called) as client:
        with pytest.raises(ValueError, match="owner/name"):
            await client.deployments.get(ref)
        with pytest.raises(ValueError, match="owner/name"):
            await client.deployments.delete(ref)
        with pytest.raises(ValueError, match="owner/name"):
            await client.deployments.predictions.create(ref, input={})
        with pytest.raises(ValueError, match="owner/name"):
            await client.deployments.run(ref, input={})
