"""Public API edges: objects as arguments, file outputs of any prediction, hints that fit."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from replicate_async import (
    AsyncClient,
    AsyncFileOutput,
    ModelVersion,
    NotFoundError,
    Prediction,
    UnprocessableEntityError,
)

TOKEN = "r8_ApiEdgesToken123"
VERSION = "b" * 64
DELIVERY = "https://replicate.delivery/xezq/abc/out.txt"
Handler = Callable[[httpx.Request], httpx.Response]


def prediction_json(status: str = "succeeded", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "p1",
        "model": "acme/echo",
        "version": VERSION,
        "input": {},
        "logs": "",
        "status": status,
        "created_at": "2024-10-04T12:00:00Z",
        "urls": {"get": "https://api.replicate.com/v1/predictions/p1"},
    }
    body.update(extra)
    return body


class Recorder:
    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer(request)


def client_for(answer: Handler) -> tuple[AsyncClient, Recorder]:
    recorder = Recorder(answer)
    return AsyncClient(TOKEN, transport=httpx.MockTransport(recorder)), recorder


async def test_get_accepts_a_prediction_object() -> None:
    client, rec = client_for(lambda r: httpx.Response(200, json=prediction_json("processing")))
    async with client:
        known = Prediction(id="p1", status="starting")
        latest = await client.predictions.get(known)
    assert latest.status == "processing"
    assert [str(r.url.path) for r in rec.requests] == ["/v1/predictions/p1"]


async def test_version_accepts_a_model_version_object() -> None:
    client, rec = client_for(lambda r: httpx.Response(201, json=prediction_json("starting")))
    async with client:
        version = ModelVersion(id=VERSION)
        await client.predictions.create(version=version, input={"x": 1})
    assert rec.requests[0].url.path == "/v1/predictions"
    assert json.loads(rec.requests[0].content) == {"version": VERSION, "input": {"x": 1}}


async def test_output_of_any_prediction_maps_file_urls_only() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "replicate.delivery":
            return httpx.Response(200, content=b"file body", headers={"content-type": "text/plain"})
        raise AssertionError(f"unexpected request {request.url}")

    client, rec = client_for(answer)
    finished = Prediction(
        id="p1", status="succeeded", output={"file": DELIVERY, "text": "see https://example.com"}
    )
    async with client:
        output = client.predictions.output(finished)
        assert isinstance(output["file"], AsyncFileOutput)
        assert output["text"] == "see https://example.com"
        chunks = [chunk async for chunk in output["file"]]
    assert b"".join(chunks) == b"file body"
    assert len(rec.requests) == 1
    # The token never goes to a file host.
    assert "authorization" not in rec.requests[0].headers


async def test_a_file_output_can_be_made_from_a_url_and_a_client() -> None:
    client, rec = client_for(lambda r: httpx.Response(200, content=b"abc"))
    async with client:
        output = AsyncFileOutput(DELIVERY, client=client)
        assert output.filename == "out.txt"
        assert await output.read() == b"abc"
    assert rec.requests[0].url == httpx.URL(DELIVERY)


async def test_input_validation_422_gets_no_community_model_hint() -> None:
    problem = {"title": "Input validation failed", "detail": "prompt is required", "status": 422}
    client, _ = client_for(lambda r: httpx.Response(422, json=problem))
    async with client:
        with pytest.raises(UnprocessableEntityError) as caught:
            await client.predictions.create("acme/echo", input={"promtp": "typo"})
    assert caught.value.hint is None
    assert "official model" not in str(caught.value)


async def test_version_422_on_a_model_route_gets_the_hint() -> None:
    problem = {
        "title": "Invalid version or not permitted",
        "detail": "The specified version does not exist",
        "status": 422,
    }
    client, _ = client_for(lambda r: httpx.Response(422, json=problem))
    async with client:
        with pytest.raises(UnprocessableEntityError) as caught:
            await client.predictions.create("acme/echo", input={})
    assert caught.value.hint is not None
    assert "acme/echo:<64-hex version id>" in str(caught.value)


async def test_not_found_message_has_one_period_before_the_hint() -> None:
    problem = {"title": "Not found", "detail": "Not found.", "status": 404}
    client, _ = client_for(lambda r: httpx.Response(404, json=problem))
    async with client:
        with pytest.raises(NotFoundError) as caught:
            await client.predictions.create("acme/echo", input={})
    message = str(caught.value)
    assert ".." not in message
    assert "Not found. 'acme/echo' may not be an official model" in message
