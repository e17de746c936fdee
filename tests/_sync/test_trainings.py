# GENERATED from tests/_async/test_trainings.py by scripts/gen_sync.py. DO NOT EDIT.
"""client.trainings: create (with uploads), get, list, iter, cancel and wait."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from replicate_async import (
    Client,
    NotFoundError,
    PredictionError,
    Training,
    TrainingTimeoutError,
)
from tests.resource_support import API, TOKEN, FakeAPI, never_called, page, recorded

VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
TRAIN_PATH = f"models/stability-ai/sdxl/versions/{VERSION}/trainings"


def client_for(api: Any, **options: Any) -> Client:
    options.setdefault("poll_interval", 0.001)
    return Client(api_token=TOKEN, transport=httpx.MockTransport(api), **options)


def training_json(status: str, tid: str = "t1", **extra: Any) -> dict[str, Any]:
    return {
        "id": tid,
        "status": status,
        "model": "stability-ai/sdxl",
        "version": VERSION,
        "urls": {"get": f"{API}/trainings/{tid}", "cancel": f"{API}/trainings/{tid}/cancel"},
        **extra,
    }


def test_create_from_a_versioned_reference_matches_the_recorded_request() -> None:
    exchange = recorded("trainings-create.json")
    api = FakeAPI().json("POST", TRAIN_PATH, exchange["response"]["body"], 201)
    with client_for(api) as client:
        training = client.trainings.create(
            f"stability-ai/sdxl:{VERSION}",
            destination="replicate/dreambooth-sdxl",
            input=exchange["request"]["body"]["input"],
        )
    assert api.calls() == [f"POST /v1/{TRAIN_PATH}"]
    assert api.body() == exchange["request"]["body"]
    assert api.last.headers["content-type"] == "application/json"
    assert "prefer" not in api.last.headers
    assert isinstance(training, Training)
    assert training.id == "wj4is6lbdqqkdepnwpr6v2kuva"
    assert training.status == "starting"


def test_create_from_model_and_version_with_webhook() -> None:
    api = FakeAPI().json("POST", TRAIN_PATH, training_json("starting"), 201)
    with client_for(api) as client:
        client.trainings.create(
            model="stability-ai/sdxl",
            version=VERSION,
            destination="acme/tuned",
            input={"steps": 10},
            webhook="https://example.com/hook",
            webhook_events_filter=["completed"],
        )
        client.trainings.create(
            version=f"stability-ai/sdxl:{VERSION}", destination="acme/tuned", input={}
        )
    assert api.calls() == [f"POST /v1/{TRAIN_PATH}"] * 2
    assert api.body(0) == {
        "input": {"steps": 10},
        "destination": "acme/tuned",
        "webhook": "https://example.com/hook",
        "webhook_events_filter": ["completed"],
    }


def test_create_uploads_file_inputs_first() -> None:
    file_record = recorded("file-operations.json")["response"]["body"]
    api = (
        FakeAPI()
        .json("POST", "files", file_record, 201)
        .json("POST", TRAIN_PATH, training_json("starting"), 201)
    )
    with client_for(api) as client:
        client.trainings.create(
            f"stability-ai/sdxl:{VERSION}",
            destination="acme/tuned",
            input={"input_images": b"PK\x03\x04zip", "steps": 3},
        )
    assert api.calls() == ["POST /v1/files", f"POST /v1/{TRAIN_PATH}"]
    upload = api.requests[0]
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b"PK\x03\x04zip" in upload.content
    assert api.body() == {
        "input": {"input_images": file_record["urls"]["get"], "steps": 3},
        "destination": "acme/tuned",
    }


def test_create_with_an_invalid_destination_raises_the_recorded_404() -> None:
    exchange = recorded("trainings-create__invalid-destination.json")
    response = exchange["response"]
    api = FakeAPI().on(
        "POST",
        TRAIN_PATH,
        httpx.Response(response["status"], json=response["body"], headers=response["headers"]),
    )
    with client_for(api) as client:
        with pytest.raises(NotFoundError, match="destination does not exist") as caught:
            client.trainings.create(
                f"stability-ai/sdxl:{VERSION}", destination="acme/missing", input={}
            )
    assert caught.value.detail == "The specified training destination does not exist"
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "version it starts from"),
        (("stability-ai/sdxl",), {}, "names no version"),
        ((VERSION,), {}, "bare version id"),
        ((), {"version": VERSION}, "bare version id"),
        ((f"stability-ai/sdxl:{VERSION}",), {"model": "stability-ai/sdxl"}, "not both"),
        ((), {"model": "stability-ai/sdxl", "version": "latest"}, "version id"),
        ((), {"model": "stability-ai/sdxl"}, "version it starts from"),
        ((f"stability-ai/sdxl:{VERSION}",), {"destination": "acme"}, "destination"),
        ((f"stability-ai/sdxl:{VERSION}",), {"destination": f"acme/x:{VERSION}"}, "destination"),
        ((f"stability-ai/sdxl:{VERSION}",), {"webhook": "example.com/hook"}, "webhook"),
    ],
)
def test_create_refuses_bad_arguments_before_any_request(
    args: tuple[str, ...], kwargs: dict[str, Any], message: str
) -> None:
    options: dict[str, Any] = {"destination": "acme/tuned", "input": {}, **kwargs}
    with client_for(never_called) as client:
        with pytest.raises(ValueError, match=message):
            client.trainings.create(*args, **options)


def test_create_refuses_a_non_mapping_input() -> None:
    with client_for(never_called) as client:
        with pytest.raises(TypeError, match="mapping"):
            client.trainings.create(
                f"stability-ai/sdxl:{VERSION}",
                destination="acme/tuned",
                input=[("a", 1)],  # type: ignore[arg-type]
            )


def test_get_parses_the_recorded_training_without_caching() -> None:
    body = recorded("trainings-get.json")["response"]["body"]
    api = FakeAPI().json("GET", f"trainings/{body['id']}", body)
    with client_for(api) as client:
        training = client.trainings.get(body["id"])
    assert api.calls() == [f"GET /v1/trainings/{body['id']}"]
    assert api.last.headers["cache-control"] == "no-store"
    assert training.status == "processing"
    assert training.output is None
    assert training.metrics is not None
    assert training.started_at is not None


def test_list_and_iter() -> None:
    next_url = f"{API}/trainings?cursor=2"

    def answer(request: httpx.Request) -> httpx.Response:
        if "cursor" in request.url.params:
            return httpx.Response(200, json=page([training_json("failed", "t2")]))
        return httpx.Response(200, json=page([training_json("succeeded", "t1")], next_url))

    api = FakeAPI().on("GET", "trainings", answer)
    with client_for(api) as client:
        first = client.trainings.list()
        ids = [t.id for t in client.trainings.iter()]
    assert [t.id for t in first] == ["t1"]
    assert first.next == next_url
    assert ids == ["t1", "t2"]


def test_cancel_by_object_or_id_parses_the_recorded_answer() -> None:
    exchange = recorded("trainings-cancel.json", 1)
    tid = "xxi2kydbnla3ocjp64sclkewku"
    api = FakeAPI().json("POST", f"trainings/{tid}/cancel", exchange["response"]["body"])
    with client_for(api) as client:
        by_id = client.trainings.cancel(tid)
        by_object = client.trainings.cancel(Training(id=tid, status="starting"))
    assert api.calls() == [f"POST /v1/trainings/{tid}/cancel"] * 2
    assert api.requests[0].content == b""
    assert by_id.status == "canceled"
    assert by_object == by_id
    assert by_id.metrics is not None
    assert by_id.metrics.predict_time == pytest.approx(3e-06)


@pytest.mark.parametrize("tid", ["", "a/b", "t 1"])
def test_ids_are_checked_before_any_request(tid: str) -> None:
    with client_for(never_called) as client:
        with pytest.raises(ValueError, match="training id"):
            client.trainings.get(tid)
        with pytest.raises(ValueError, match="training id"):
            client.trainings.cancel(tid)
        with pytest.raises(ValueError, match="training id"):
            client.trainings.wait(tid)


def test_wait_polls_until_terminal_and_reports_progress() -> None:
    output = {"version": f"acme/tuned:{'b' * 64}", "weights": "https://replicate.delivery/w.tar"}
    api = FakeAPI().on(
        "GET",
        "trainings/t1",
        httpx.Response(200, json=training_json("starting")),
        httpx.Response(200, json=training_json("processing")),
        httpx.Response(200, json=training_json("processing")),
        httpx.Response(200, json=training_json("succeeded", output=output)),
    )
    seen: list[str] = []
    with client_for(api) as client:
        done = client.trainings.wait("t1", on_progress=lambda t: seen.append(t.status))
    assert done.status == "succeeded"
    assert done.output is not None
    assert done.output.version == output["version"]
    assert done.output.weights == output["weights"]
    assert api.calls() == ["GET /v1/trainings/t1"] * 4
    assert seen == ["processing", "succeeded"]


def test_wait_on_a_terminal_training_returns_it_without_a_request() -> None:
    finished = Training(id="t1", status="failed", error="boom")
    with client_for(never_called) as client:
        assert client.trainings.wait(finished) is finished


def test_wait_timeout_cancels_the_training_and_raises() -> None:
    api = (
        FakeAPI()
        .json("GET", "trainings/t1", training_json("processing"))
        .json("POST", "trainings/t1/cancel", training_json("canceled"))
    )
    with client_for(api) as client:
        with pytest.raises(TrainingTimeoutError) as caught:
            client.trainings.wait(Training(id="t1", status="starting"), timeout=0.2)
    assert api.calls()[-1] == "POST /v1/trainings/t1/cancel"
    assert "POST /v1/predictions/t1/cancel" not in api.calls()
    # A training is never called a prediction: the error has a `training`, not a `prediction`.
    assert caught.value.training.status == "canceled"
    assert not isinstance(caught.value, PredictionError)
    assert isinstance(caught.value, TimeoutError)


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_wait_refuses_a_non_positive_timeout(timeout: float) -> None:
    with client_for(never_called) as client:
        with pytest.raises(ValueError, match="timeout"):
            client.trainings.wait("t1", timeout=timeout)
