# GENERATED from tests/_async/test_hygiene.py by scripts/gen_sync.py. DO NOT EDIT.
"""Hygiene through the public client: input checked first, typed response errors, redirects, SSE.

Each test failed against the code before these rules existed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from replicate_async import (
    APIStatusError,
    Client,
    FileOutput,
    OutputEvent,
    ResponseDecodingError,
)
from tests.helpers_sse import Drop, prediction_body, sse
from tests.helpers_sse import FakeAPI as StreamAPI
from tests.resource_support import API, TOKEN, FakeAPI, never_called

CDN = "https://cdn.example.com"
PREDICTION_ID = "ufawqhfynnddngldkgtslldrkq"


def client_for(handler: Any, **options: Any) -> Client:
    return Client(api_token=TOKEN, transport=httpx.MockTransport(handler), **options)


def prediction(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": PREDICTION_ID,
        "status": "succeeded",
        "output": ["hello"],
        "created_at": "2024-05-01T10:00:00.000Z",
        "urls": {
            "get": f"{API}/predictions/{PREDICTION_ID}",
            "cancel": f"{API}/predictions/{PREDICTION_ID}/cancel",
        },
    }
    body.update(changes)
    return body


# -- input checked before anything is sent ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"images": [b"\x89PNG", "x", {1, 2}]}, r'input\["images"\]\[2\]'),
        ({"image": b"\x89PNG", "when": object()}, r'input\["when"\]'),
        ({"nested": {"deep": [0, {1.5}]}}, r'input\["nested"\]\["deep"\]\[1\]'),
    ],
)
def test_a_non_json_input_is_named_before_any_upload_or_create(
    value: dict[str, Any], path: str
) -> None:
    with client_for(never_called) as client:
        with pytest.raises(TypeError, match=path):
            client.predictions.create("acme/model", input=value)
        with pytest.raises(TypeError, match=path):
            client.run("acme/model", input=value)


# -- typed errors for every response ---------------------------------------------------------


def test_a_null_id_is_a_typed_error_and_nothing_is_polled_or_canceled() -> None:
    api = FakeAPI().json("POST", "models/acme/model/predictions", prediction(id=None), 201)
    with client_for(api) as client:
        with pytest.raises(ResponseDecodingError, match="id"):
            client.predictions.create("acme/model", input={})
    assert api.calls() == ["POST /v1/models/acme/model/predictions"]


def test_a_succeeded_prediction_with_a_bad_timestamp_keeps_its_output() -> None:
    body = prediction(created_at="not a time", completed_at="2024-99-99")
    api = FakeAPI().json("GET", f"predictions/{PREDICTION_ID}", body)
    with client_for(api) as client:
        got = client.predictions.get(PREDICTION_ID)
    assert got.output == ["hello"]
    assert got.created_at is None
    assert got.completed_at is None


@pytest.mark.parametrize(
    "content", [b"<html><body>Bad gateway</body></html>", b'{"id": "abc", "status": "proc']
)
def test_a_body_that_is_not_json_is_a_typed_error(content: bytes) -> None:
    answer = httpx.Response(
        200, content=content, headers={"content-type": "text/html", "x-request-id": "req-9"}
    )
    api = FakeAPI().on("GET", f"predictions/{PREDICTION_ID}", answer)
    with client_for(api) as client:
        with pytest.raises(ResponseDecodingError) as info:
            client.predictions.get(PREDICTION_ID)
    assert info.value.status_code == 200
    assert info.value.request_id == "req-9"


@pytest.mark.parametrize("bad", ["a?b", "a#b", "a b", "..", "a%2F"])
def test_an_id_that_would_change_the_url_is_refused_before_any_request(bad: str) -> None:
    with client_for(never_called) as client:
        with pytest.raises(ValueError, match="id"):
            client.predictions.get(bad)


# -- file downloads follow redirects, the token stays on the API origin ----------------------


class Downloads:
    """The API answers a file download with a redirect; the CDN serves the bytes."""

    def __init__(self, location: str, *, hops: int = 1) -> None:
        self.location = location
        self.hops = hops
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        if url.startswith(CDN) or request.url.path == "/v1/files/abc/blob":
            return httpx.Response(200, content=b"the file's bytes")
        if request.url.path in (
            f"/v1/predictions/{PREDICTION_ID}",
            "/v1/models/acme/model/predictions",
        ):
            return httpx.Response(200, json=prediction(output=f"{API}/files/abc/download?x=1"))
        if request.url.path.startswith("/v1/files/abc/download") and self.hops > 0:
            self.hops -= 1
            return httpx.Response(302, headers={"location": self.location}, content=b"<a>moved</a>")
        return httpx.Response(404, json={"detail": "no route"})

    def authorization(self) -> list[tuple[str, str | None]]:
        return [(str(r.url.host), r.headers.get("authorization")) for r in self.requests]


def test_file_download_follows_a_redirect_without_the_token_to_another_origin() -> None:
    downloads = Downloads(f"{CDN}/blob?sig=abc")
    with client_for(downloads) as client:
        content = client.files.download("abc", owner="alice", expiry=1, signature="s")
    assert content == b"the file's bytes"
    assert downloads.authorization() == [
        ("api.replicate.com", f"Bearer {TOKEN}"),
        ("cdn.example.com", None),
    ]


def test_file_download_follows_a_same_origin_redirect() -> None:
    downloads = Downloads("/v1/files/abc/blob")
    with client_for(downloads) as client:
        content = client.files.download("abc", owner="alice", expiry=1, signature="s")
    assert content == b"the file's bytes"
    assert [r.url.path for r in downloads.requests] == [
        "/v1/files/abc/download",
        "/v1/files/abc/blob",
    ]


def test_endless_redirects_end_in_a_status_error() -> None:
    downloads = Downloads("/v1/files/abc/download?again=1", hops=100)
    with client_for(downloads) as client:
        with pytest.raises(APIStatusError) as info:
            client.files.download("abc", owner="alice", expiry=1, signature="s")
    assert info.value.status_code == 302
    assert len(downloads.requests) == 6


def test_file_output_follows_a_redirect_without_the_token_to_another_origin() -> None:
    downloads = Downloads(f"{CDN}/blob?sig=abc")
    with client_for(downloads) as client:
        output = client.run("acme/model", input={})
        assert isinstance(output, FileOutput)
        assert output.read() == b"the file's bytes"
    assert downloads.authorization()[-2:] == [
        ("api.replicate.com", f"Bearer {TOKEN}"),
        ("cdn.example.com", None),
    ]


def test_a_corrupt_gzip_file_output_is_a_typed_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/v1/files/"):
            return httpx.Response(
                200,
                headers={"content-encoding": "gzip", "x-request-id": "req-3"},
                stream=httpx.ByteStream(b"this is not gzip"),
            )
        return httpx.Response(200, json=prediction(output=f"{API}/files/abc/download?x=1"))

    with client_for(answer) as client:
        output = client.run("acme/model", input={})
        assert isinstance(output, FileOutput)
        with pytest.raises(ResponseDecodingError) as info:
            output.read()
    assert (info.value.status_code, info.value.request_id) == (200, "req-3")


# -- SSE: a repeated id on a live connection is delivered ------------------------------------


def test_a_repeated_id_on_a_live_connection_is_not_dropped() -> None:
    body = [
        sse("output", "a", id="5:0"),
        sse("output", "b", id="5:1"),
        sse("output", "c", id="5:0"),  # the same id again, on the same connection
        sse("done", "{}", id="5:2"),
    ]
    api = StreamAPI(
        created=prediction_body("starting"),
        streams=[body],
        states=[prediction_body("succeeded", output=["a", "b", "c"])],
    )
    with Client(TOKEN, transport=httpx.MockTransport(api)) as client:
        events = [e for e in client.stream("acme/llm", input={})]
    assert [e.data for e in events if isinstance(e, OutputEvent)] == ["a", "b", "c"]


def test_a_replay_after_a_reconnect_is_still_dropped() -> None:
    first = [sse("output", "a", id="9:0", retry=0), sse("output", "b", id="9:1"), Drop()]
    second = [
        sse("output", "a", id="9:0"),
        sse("output", "b", id="9:1"),
        sse("output", "c", id="9:2"),
        sse("output", "d", id="9:0"),  # after the replay: a live repeat is delivered
        sse("done", "{}", id="9:3"),
    ]
    api = StreamAPI(
        created=prediction_body("starting"),
        streams=[first, second],
        states=[
            prediction_body("processing", output=["a", "b"]),
            prediction_body("succeeded", output=["a", "b", "c", "d"]),
        ],
    )
    with Client(TOKEN, transport=httpx.MockTransport(api), poll_interval=0.001) as c:
        events = [e for e in c.stream("acme/llm", input={})]
    assert [e.data for e in events if isinstance(e, OutputEvent)] == ["a", "b", "c", "d"]


def test_an_output_event_without_a_data_line_is_not_dispatched() -> None:
    body = [
        b"event: output\nid: 3:0\n\n",  # no data line: not an event
        sse("output", "", id="3:1"),  # an empty data line: an empty output event
        sse("output", "x", id="3:2"),
        sse("done", "{}", id="3:3"),
    ]
    api = StreamAPI(
        created=prediction_body("starting"),
        streams=[body],
        states=[prediction_body("succeeded", output=["", "x"])],
    )
    with Client(TOKEN, transport=httpx.MockTransport(api)) as client:
        events = [e for e in client.stream("acme/llm", input={})]
    assert [e.data for e in events if isinstance(e, OutputEvent)] == ["", "x"]
