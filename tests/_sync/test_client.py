# GENERATED from tests/_async/test_client.py by scripts/gen_sync.py. DO NOT EDIT.
"""Client behaviour over httpx.MockTransport: routes, outcomes, waiting, retries, secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from replicate_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    Client,
    ConfigurationError,
    FileOutput,
    InternalServerError,
    ModelError,
    NotFoundError,
    Prediction,
    PredictionAbortedError,
    PredictionCanceledError,
    PredictionFailedError,
    PredictionTimeoutError,
    RateLimitError,
    UnprocessableEntityError,
)

TOKEN = "r8_SecretTokenValue123"
VERSION = "a" * 64
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that records requests and answers from a function."""

    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.answer(request)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def prediction(status: str = "starting", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "p1",
        "model": "acme/echo",
        "version": VERSION,
        "input": {},
        "logs": "",
        "error": None,
        "status": status,
        "created_at": "2024-10-04T12:00:00.123456789Z",
        "urls": {
            "get": "https://api.replicate.com/v1/predictions/p1",
            "cancel": "https://api.replicate.com/v1/predictions/p1/cancel",
        },
    }
    body.update(extra)
    return body


def make_client(handler: Handler, **options: Any) -> Client:
    options.setdefault("poll_interval", 0.001)
    return Client(TOKEN, transport=httpx.MockTransport(handler), **options)


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request expected, got {request.method} {request.url}")


# -- run() across routes and outcomes ------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "kwargs", "path", "version"),
    [
        ("acme/echo", {}, "/v1/models/acme/echo/predictions", None),
        (f"acme/echo:{VERSION}", {}, "/v1/predictions", VERSION),
        (VERSION, {}, "/v1/predictions", VERSION),
        (None, {"deployment": "acme/prod"}, "/v1/deployments/acme/prod/predictions", None),
    ],
)
def test_run_routes_each_reference(
    ref: str | None, kwargs: dict[str, Any], path: str, version: str | None
) -> None:
    rec = Recorder(lambda r: httpx.Response(201, json=prediction("succeeded", output="hi")))
    with make_client(rec) as client:
        out = client.run(ref, input={"text": "hi"}, **kwargs)
    assert out == "hi"
    assert rec.paths() == [f"POST {path}"]
    sent = rec.requests[0]
    body = json.loads(sent.content)
    assert body == {"input": {"text": "hi"}, **({"version": version} if version else {})}
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["prefer"] == "wait"
    assert sent.headers["user-agent"].startswith("replicate-async/")


def test_run_instant_prediction_makes_one_request() -> None:
    rec = Recorder(lambda r: httpx.Response(201, json=prediction("succeeded", output=[1, 2])))
    with make_client(rec) as client:
        assert client.run("acme/echo", input={}) == [1, 2]
    assert len(rec.requests) == 1


def test_run_polls_a_processing_response_until_terminal() -> None:
    polls = {"n": 0}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            # A held create can come back "processing" with partial output: not done.
            return httpx.Response(201, json=prediction("processing", output=["partial"]))
        polls["n"] += 1
        if polls["n"] < 3:
            return httpx.Response(200, json=prediction("processing", output=["partial"]))
        return httpx.Response(200, json=prediction("succeeded", output=["partial", " done"]))

    rec = Recorder(answer)
    seen: list[str] = []
    with make_client(rec) as client:
        out = client.run("acme/echo", input={}, on_progress=lambda p: seen.append(p.status))
    assert out == ["partial", " done"]
    assert polls["n"] == 3
    assert all(r.headers.get("cache-control") == "no-store" for r in rec.requests[1:])
    assert seen[0] == "processing"
    assert seen[-1] == "succeeded"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("failed", PredictionFailedError),
        ("canceled", PredictionCanceledError),
        ("aborted", PredictionAbortedError),
    ],
)
def test_run_raises_typed_outcome_errors(status: str, error: type[Exception]) -> None:
    body = prediction(status, error="CUDA out of memory" if status == "failed" else None)
    body["logs"] = "loading\nstep 3 of 5\n"
    with make_client(lambda r: httpx.Response(201, json=body)) as client:
        with pytest.raises(error) as info:
            client.run("acme/echo", input={})
    exc: Any = info.value
    assert isinstance(exc.prediction, Prediction)
    assert exc.prediction.status == status
    assert "p1" in str(exc)
    assert "step 3 of 5" in str(exc)
    if status == "failed":
        assert "CUDA out of memory" in str(exc)
        assert isinstance(exc, ModelError)
    if status == "aborted":
        assert isinstance(exc, PredictionCanceledError)


def test_run_timeout_cancels_on_server() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/cancel"):
            return httpx.Response(200, json=prediction("canceled"))
        if request.method == "POST":
            return httpx.Response(201, json=prediction("starting"))
        return httpx.Response(200, json=prediction("processing"))

    rec = Recorder(answer)
    with make_client(rec) as client:
        with pytest.raises(PredictionTimeoutError) as info:
            client.run("acme/echo", input={}, timeout=0.5)
    assert rec.paths()[-1] == "POST /v1/predictions/p1/cancel"
    assert info.value.prediction.status == "canceled"
    assert isinstance(info.value, TimeoutError)
    # No hold fits in half a second: the create asks for none, so the answer comes at once.
    assert "prefer" not in rec.requests[0].headers


@pytest.mark.parametrize(("timeout", "prefer"), [(5, "wait=3"), (3.9, "wait=1"), (600, "wait")])
def test_run_hold_ends_before_the_deadline(timeout: float, prefer: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json=prediction("succeeded", output="ok"))

    rec = Recorder(answer)
    with make_client(rec, timeout=2) as client:
        assert client.run("acme/echo", input={}, timeout=timeout) == "ok"
    expected = "wait=60" if prefer == "wait" else prefer
    assert rec.requests[0].headers["prefer"] == expected
    # The held create reads for the hold + 10 s (more than the client's 2 s read timeout).
    hold = int(expected.removeprefix("wait="))
    assert rec.requests[0].extensions["timeout"]["read"] == hold + 10


def test_run_with_file_outputs_wraps_only_file_urls() -> None:
    output = {
        "image": "https://replicate.delivery/pbxt/abc/out-0.png",
        "text": "see https://example.com/page",
        "inline": "data:text/plain;base64,aGVsbG8=",
    }
    with make_client(
        lambda r: httpx.Response(201, json=prediction("succeeded", output=output))
    ) as c:
        out = c.run("acme/echo", input={})
        raw = c.run("acme/echo", input={}, use_file_output=False)
    assert isinstance(out["image"], FileOutput)
    assert out["image"].filename == "out-0.png"
    assert out["text"] == "see https://example.com/page"
    assert isinstance(out["inline"], FileOutput)
    assert out["inline"].read() == b"hello"
    assert raw == output


def test_file_output_download_sends_no_token_off_origin(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "replicate.delivery":
            assert "authorization" not in request.headers
            return httpx.Response(200, content=b"PNGDATA", headers={"content-type": "image/png"})
        return httpx.Response(
            201, json=prediction("succeeded", output=["https://replicate.delivery/x/a.png"])
        )

    with make_client(Recorder(answer)) as client:
        (image,) = client.run("acme/echo", input={})
        assert image.read() == b"PNGDATA"
        saved = image.save(tmp_path)
    assert saved == tmp_path / "a.png"
    assert saved.read_bytes() == b"PNGDATA"
    assert image.content_type == "image/png"


# -- predictions resource --------------------------------------------------------------------


def test_create_returns_at_once_with_headers() -> None:
    rec = Recorder(lambda r: httpx.Response(201, json=prediction("starting")))
    with make_client(rec) as client:
        p = client.predictions.create(
            version=VERSION,
            input={"x": 1},
            webhook="https://example.com/hook?job=7",
            webhook_events_filter=["completed"],
            cancel_after="5m",
        )
    assert p.status == "starting"
    assert not p.is_terminal
    sent = rec.requests[0]
    assert "prefer" not in sent.headers
    assert sent.headers["cancel-after"] == "5m"
    assert json.loads(sent.content) == {
        "input": {"x": 1},
        "version": VERSION,
        "webhook": "https://example.com/hook?job=7",
        "webhook_events_filter": ["completed"],
    }


def test_create_wait_seconds_sets_prefer_and_long_read_timeout() -> None:
    # A client read timeout (5 s) shorter than any hold + 10 s: a held create must outlast its
    # hold by 10 s, an unheld one keeps the client's read timeout.
    rec = Recorder(lambda r: httpx.Response(201, json=prediction("processing")))
    with make_client(rec, timeout=5) as client:
        client.predictions.create(model="acme/echo", input={}, wait=10)
        client.predictions.create(model="acme/echo", input={}, wait=True)
        client.predictions.create(model="acme/echo", input={})
    assert rec.requests[0].headers["prefer"] == "wait=10"
    assert rec.requests[1].headers["prefer"] == "wait"
    assert "prefer" not in rec.requests[2].headers
    assert [r.extensions["timeout"]["read"] for r in rec.requests] == [20, 70, 5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "acme/echo", "version": VERSION}, "exactly one"),
        ({}, "exactly one"),
        ({"model": "not a ref"}, "owner/name"),
        ({"model": f"acme/echo:{VERSION}"}, "version="),
        ({"version": "acme/echo:xyz"}, "64"),
        ({"model": "acme/echo", "wait": 61}, "1 to 60"),
        ({"model": "acme/echo", "cancel_after": 2}, "minimum is 5"),
        ({"model": "acme/echo", "cancel_after": "soon"}, "duration"),
        ({"model": "acme/echo", "webhook_events_filter": ["finished"]}, "unknown webhook"),
    ],
)
def test_bad_arguments_raise_before_any_request(kwargs: dict[str, Any], message: str) -> None:
    with make_client(never_called) as client:
        with pytest.raises((ValueError, TypeError), match=message):
            client.predictions.create(input={}, **kwargs)


def test_get_list_iter_cancel_and_wait() -> None:
    pages = {
        "/v1/predictions": {
            "results": [prediction("succeeded"), {**prediction("failed"), "id": "p2"}],
            "next": "https://api.replicate.com/v1/predictions?cursor=abc",
            "previous": None,
        },
        "/v1/predictions?cursor=abc": {
            "results": [{**prediction("canceled"), "id": "p3"}],
            "next": None,
            "previous": "https://api.replicate.com/v1/predictions",
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
        if key in pages:
            return httpx.Response(200, json=pages[key])
        if request.url.path == "/v1/predictions/p1/cancel":
            return httpx.Response(200, json=prediction("canceled"))
        if request.url.path == "/v1/predictions/p1":
            return httpx.Response(200, json=prediction("succeeded", output="ok"))
        return httpx.Response(404, json={"detail": "Not found."})

    with make_client(answer) as client:
        page = client.predictions.list()
        assert [p.id for p in page.results] == ["p1", "p2"]
        assert page.next is not None
        second = client.predictions.list(cursor=page.next)
        assert [p.id for p in second] == ["p3"]
        assert [p.id for p in client.predictions.iter()] == ["p1", "p2", "p3"]
        assert (client.predictions.get("p1")).output == "ok"
        assert (client.predictions.cancel("p1")).status == "canceled"
        done = client.predictions.wait("p1", timeout=5)
        assert done.status == "succeeded"
        with pytest.raises(ValueError, match="origin"):
            client.predictions.list(cursor="https://evil.example.com/v1/predictions?cursor=x")
        with pytest.raises(NotFoundError):
            client.predictions.get("missing")


def test_wait_returns_failed_predictions_without_raising() -> None:
    with make_client(lambda r: httpx.Response(200, json=prediction("failed"))) as client:
        p = client.predictions.wait(Prediction(id="p1", status="starting"))
    assert p.status == "failed"


def test_unknown_status_and_fields_do_not_crash() -> None:
    states = iter(["warming", "succeeded"])

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={**prediction(next(states)), "brand_new_field": {"x": 1}})

    with make_client(answer) as client:
        p = client.predictions.get("p1")
        assert p.status == "warming"
        assert not p.is_terminal
        assert (client.predictions.wait(p)).status == "succeeded"


# -- errors ----------------------------------------------------------------------------------


def test_problem_details_become_attributes() -> None:
    body = {
        "title": "Invalid version or not permitted",
        "detail": "The specified version does not exist",
        "status": 422,
        "extra": 1,
    }
    with make_client(lambda r: httpx.Response(422, json=body)) as client:
        with pytest.raises(UnprocessableEntityError) as info:
            client.run("acme/echo", input={})
    exc = info.value
    assert exc.status_code == 422
    assert exc.title == "Invalid version or not permitted"
    assert exc.detail == "The specified version does not exist"
    assert exc.body == body
    assert str(exc).startswith("422 Invalid version or not permitted: The specified version")
    # An owner/name ref gets the hint to pin a version.
    assert "acme/echo:<64-hex version id>" in str(exc)


def test_authentication_error_and_missing_token() -> None:
    body = {
        "title": "Unauthenticated",
        "detail": "You did not pass a valid authentication token",
        "status": 401,
    }
    with make_client(lambda r: httpx.Response(401, json=body)) as client:
        with pytest.raises(AuthenticationError, match="valid authentication token"):
            client.predictions.get("p1")
    with Client(transport=httpx.MockTransport(never_called)) as anonymous:
        with pytest.raises(ConfigurationError, match="REPLICATE_API_TOKEN"):
            anonymous.run("acme/echo", input={})
    with pytest.raises(ConfigurationError, match="empty"):
        Client("  ")


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_FromEnvironment1")
    monkeypatch.setenv("REPLICATE_BASE_URL", "https://proxy.example.com")
    rec = Recorder(lambda r: httpx.Response(200, json=prediction("succeeded")))
    with Client(transport=httpx.MockTransport(rec)) as client:
        client.predictions.get("p1")
    assert str(rec.requests[0].url) == "https://proxy.example.com/v1/predictions/p1"
    assert rec.requests[0].headers["authorization"] == "Bearer r8_FromEnvironment1"


def test_token_never_in_repr_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="replicate_async")

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(503, text="<html>bad gateway</html>")
        raise httpx.ConnectError("connection refused", request=request)

    client = make_client(answer, max_retries=1)
    with client:
        with pytest.raises(InternalServerError) as status_error:
            client.predictions.get("p1")
        with pytest.raises(APIConnectionError) as conn_error:
            client.predictions.create(model="acme/echo", input={})
    texts = [
        repr(client),
        str(client),
        repr(client._options),  # pyright: ignore[reportPrivateUsage]
        str(status_error.value),
        repr(status_error.value),
        str(conn_error.value),
        caplog.text,
    ]
    assert all(TOKEN not in text for text in texts)
    assert "api_token=<set>" in repr(client)
    assert "retrying" in caplog.text


# -- retries ---------------------------------------------------------------------------------


CREATE_FAILURES: list[Callable[[httpx.Request], httpx.Response] | str] = [
    lambda r: httpx.Response(503, json={"detail": "unavailable"}),
    lambda r: httpx.Response(500, text=""),
    "read-timeout",
    "remote-protocol",
]


@pytest.mark.parametrize("failure", CREATE_FAILURES)
def test_create_is_never_repeated_after_it_may_have_been_sent(failure: Any) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if failure == "read-timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if failure == "remote-protocol":
            raise httpx.RemoteProtocolError("server disconnected", request=request)
        response: httpx.Response = failure(request)
        return response

    rec = Recorder(answer)
    with make_client(rec) as client:
        with pytest.raises((InternalServerError, APIConnectionError)) as info:
            client.run("acme/echo", input={})
    assert rec.paths() == ["POST /v1/models/acme/echo/predictions"]
    if isinstance(info.value, APIConnectionError):
        assert info.value.request_sent is True
    if failure == "read-timeout":
        assert isinstance(info.value, APITimeoutError)


def test_create_is_retried_when_nothing_was_sent_and_on_429() -> None:
    answers = iter(
        [
            "connect",
            httpx.Response(
                429, json={"detail": "Request was throttled.", "status": 429, "retry_after": 0.01}
            ),
            httpx.Response(201, json=prediction("succeeded", output="ok")),
        ]
    )

    def answer(request: httpx.Request) -> httpx.Response:
        item = next(answers)
        if item == "connect":
            raise httpx.ConnectError("refused", request=request)
        assert isinstance(item, httpx.Response)
        return item

    rec = Recorder(answer)
    with make_client(rec) as client:
        assert client.run("acme/echo", input={}) == "ok"
    assert len(rec.requests) == 3


def test_reads_are_retried_on_5xx_and_transport_errors() -> None:
    answers: Iterator[str | int] = iter(["read-error", 502, 200])

    def answer(request: httpx.Request) -> httpx.Response:
        item = next(answers)
        if item == "read-error":
            raise httpx.ReadError("reset", request=request)
        return httpx.Response(int(item), json=prediction("succeeded") if item == 200 else {})

    rec = Recorder(answer)
    with make_client(rec) as client:
        p = client.predictions.get("p1")
    assert p.status == "succeeded"
    assert len(rec.requests) == 3


def test_retries_give_up_with_attempt_count() -> None:
    rec = Recorder(lambda r: httpx.Response(503, text="<html>down</html>"))
    with make_client(rec, max_retries=2) as client:
        with pytest.raises(InternalServerError) as info:
            client.predictions.get("p1")
    assert len(rec.requests) == 3
    assert info.value.attempts == 3
    assert "<html>" not in str(info.value)


def test_long_retry_after_is_not_slept_on() -> None:
    rec = Recorder(
        lambda r: httpx.Response(
            429,
            headers={"retry-after": "3600"},
            json={"detail": "Your rate limit resets in ~3600s."},
        )
    )
    with make_client(rec) as client:
        with pytest.raises(RateLimitError) as info:
            client.predictions.get("p1")
    assert len(rec.requests) == 1
    assert info.value.retry_after == 3600
    assert "retry after 3600 s" in str(info.value)


def test_non_retryable_4xx_is_raised_at_once() -> None:
    rec = Recorder(lambda r: httpx.Response(404, json={"detail": "Not found."}))
    with make_client(rec) as client:
        with pytest.raises(NotFoundError):
            client.predictions.get("p1")
    assert len(rec.requests) == 1


# -- configuration and lifecycle ---------------------------------------------------------------


def is_closed(client: Client) -> bool:
    """Read afresh: mypy keeps an earlier assert's narrowing of the property across awaits."""
    return client.is_closed


def test_with_options_shares_the_connection_and_close_is_a_no_op() -> None:
    rec = Recorder(lambda r: httpx.Response(503, text=""))
    with make_client(rec, max_retries=3) as client:
        fast = client.with_options(max_retries=0)
        with pytest.raises(InternalServerError):
            fast.predictions.get("p1")
        assert len(rec.requests) == 1
        fast.close()
        assert not client.is_closed
    assert is_closed(client)
    with pytest.raises(RuntimeError, match="closed"):
        client.predictions.get("p1")


def test_user_http_client_is_not_closed_and_gets_no_default_auth() -> None:
    rec = Recorder(lambda r: httpx.Response(200, json=prediction("succeeded")))
    http = httpx.Client(transport=httpx.MockTransport(rec))
    with Client(TOKEN, http_client=http) as client:
        client.predictions.get("p1")
    assert not http.is_closed
    assert "authorization" not in http.headers
    assert rec.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert rec.requests[0].headers["user-agent"].startswith("replicate-async/")
    http.close()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": httpx.Timeout(None)}, ValueError),
        ({"timeout": 0}, ValueError),
        ({"max_concurrency": 0}, ValueError),
        ({"base_url": "ftp://example.com"}, ConfigurationError),
        ({"file_encoding": "zip"}, ValueError),
    ],
)
def test_invalid_options_are_refused(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        Client(TOKEN, **kwargs)


# -- file inputs -----------------------------------------------------------------------------


def test_file_inputs_are_uploaded_with_name_and_type(tmp_path: Path) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG fake")

    uploads: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/files":
            uploads.append(request.content.decode("latin-1"))
            return httpx.Response(
                201, json={"id": "f1", "urls": {"get": "https://api.replicate.com/v1/files/f1"}}
            )
        body = json.loads(request.content)
        assert body["input"] == {
            "image": "https://api.replicate.com/v1/files/f1",
            "more": ["https://api.replicate.com/v1/files/f1", "a/path/as/text"],
        }
        return httpx.Response(201, json=prediction("succeeded", output="ok"))

    rec = Recorder(answer)
    with make_client(rec) as client:
        out = client.run(
            "acme/echo", input={"image": image, "more": [b"\x89PNG fake", "a/path/as/text"]}
        )
    assert out == "ok"
    assert rec.paths() == [
        "POST /v1/files",
        "POST /v1/files",
        "POST /v1/models/acme/echo/predictions",
    ]
    assert 'name="content"; filename="cat.png"' in uploads[0]
    assert "Content-Type: image/png" in uploads[0]
    assert 'filename="upload"' in uploads[1]
    assert "Content-Type: application/octet-stream" in uploads[1]


def test_data_uri_encoding_and_its_cap() -> None:
    rec = Recorder(lambda r: httpx.Response(201, json=prediction("succeeded")))
    with make_client(rec, file_encoding="data-uri", max_data_uri_bytes=8) as client:
        client.predictions.create(model="acme/echo", input={"f": b"hello"})
        with pytest.raises(ValueError, match="max_data_uri_bytes"):
            client.predictions.create(model="acme/echo", input={"f": b"too long for it"})
    assert (
        json.loads(rec.requests[0].content)["input"]["f"]
        == "data:application/octet-stream;base64,aGVsbG8="
    )
    assert len(rec.requests) == 1


def test_text_mode_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hi")
    with make_client(never_called) as client:
        with path.open() as handle, pytest.raises(TypeError, match="binary mode"):
            client.predictions.create(model="acme/echo", input={"f": handle})
