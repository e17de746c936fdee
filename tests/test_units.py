"""Pure units: retry decisions, references, timestamps, polling, outputs, request values."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from replicate_async import Prediction, Training
from replicate_async._exceptions import (
    InternalServerError,
    NotFoundError,
    RateLimitError,
    from_response,
    parse_retry_after_header,
    retry_after_hint,
)
from replicate_async._http import cancel_after_value, normalize_base_url, prefer_value, same_origin
from replicate_async._output import decode_data_uri, is_file_url, map_outputs
from replicate_async._polling import PollSchedule
from replicate_async._progress import parse_progress
from replicate_async._ratelimit import RateGate
from replicate_async._refs import ModelRef, VersionRef, parse_deployment, parse_ref
from replicate_async._retry import RetryPolicy, kind_timeout
from replicate_async._serde import (
    parse_datetime,
    strict_converter,
    structure,
    structure_page,
)
from replicate_async.types import (
    Collection,
    CollectionSummary,
    File,
    Hardware,
    Model,
    ModelVersion,
)

FIXTURES = Path(__file__).parent / "fixtures" / "recorded"
NOW = 1_700_000_000.0

# -- Retry-After and retry decisions -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        (format_datetime(datetime.fromtimestamp(NOW + 30, UTC), usegmt=True), 30.0),
        (format_datetime(datetime.fromtimestamp(NOW - 30, UTC), usegmt=True), 0.0),
        (None, None),
        ("", None),
        ("-3", None),
        ("inf", None),
        ("nan", None),
        ("12345678901234567890123456789012345", None),
        ("Fri, 31 Dec 100000 23:59:59 GMT", None),
        ("not a date", None),
        ("Mon, 99 Foo 2024 99:99:99 GMT", None),
    ],
)
def test_retry_after_header_table(value: str | None, expected: float | None) -> None:
    result = parse_retry_after_header(value, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result is not None and math.isclose(result, expected, abs_tol=1.0)


@given(st.text(max_size=60))
def test_retry_after_parsing_never_raises(value: str) -> None:
    result = parse_retry_after_header(value, now=NOW)
    assert result is None or (math.isfinite(result) and result >= 0)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"retry-after": "3"}, {"retry_after": 9}, 3.0),
        ({}, {"retry_after": 5, "detail": "x"}, 5.0),
        ({}, {"detail": "Request was throttled. Your rate limit resets in ~30s."}, 30.0),
        ({}, {"detail": "Request was throttled. Expected available in 1 second."}, 1.0),
        ({}, {"retry_after": "soon", "detail": "no figure"}, None),
        ({}, {"retry_after": True}, None),
        ({}, {"retry_after": float("nan")}, None),
        ({}, "<html>", None),
        ({}, None, None),
    ],
)
def test_retry_hint_order(headers: dict[str, str], body: object, expected: float | None) -> None:
    assert retry_after_hint(httpx.Headers(headers), body, now=NOW) == expected


def test_create_and_read_decisions() -> None:
    policy = RetryPolicy()
    request = httpx.Request("POST", "https://api.replicate.com/v1/predictions")
    connect = httpx.ConnectError("refused", request=request)
    read_timeout = httpx.ReadTimeout("slow", request=request)
    assert policy.for_error("create", connect, 0).retry
    assert not policy.for_error("create", read_timeout, 0).retry
    assert not policy.for_error("upload", httpx.WriteError("x", request=request), 0).retry
    assert policy.for_error("read", read_timeout, 0).retry
    assert policy.for_error("idempotent", httpx.RemoteProtocolError("x", request=request), 0).retry
    assert not policy.for_error("read", ValueError("x"), 0).retry
    assert not policy.for_error("read", connect, 3).retry
    assert policy.for_status("create", 429, None, 0).retry
    for status in (500, 502, 503, 504, 408):
        assert not policy.for_status("create", status, None, 0).retry
        assert policy.for_status("read", status, None, 0).retry
    for status in (400, 401, 403, 404, 409, 422):
        assert not policy.for_status("read", status, None, 0).retry
    hinted = policy.for_status("read", 429, 2.0, 0)
    assert hinted.retry and 2.0 <= hinted.delay <= 2.2
    assert not policy.for_status("read", 429, 61.0, 0).retry


@given(st.integers(min_value=-5, max_value=10_000), st.integers(min_value=0, max_value=2**32))
def test_backoff_stays_within_its_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy()
    delay = policy.backoff(attempt, random.Random(seed))
    assert 0 <= delay <= policy.max_backoff


def test_kind_timeouts() -> None:
    base = httpx.Timeout(30.0, connect=5.0)
    assert kind_timeout(base, "create", hold=60).read == 70
    assert kind_timeout(base, "create").read == 30
    upload = kind_timeout(base, "upload")
    assert upload.read == 60 and upload.write == 120
    assert kind_timeout(base, "download").read == 60
    assert kind_timeout(base, "read").connect == 5


def test_rate_gate() -> None:
    gate = RateGate()
    assert gate.delay("create", 0.0) == 0.0
    gate.throttled("create", 10.0, 5.0)
    gate.throttled("create", 10.0, 2.0)  # a shorter hint never shortens the pause
    assert gate.delay("create", 11.0) == 4.0
    assert gate.delay("other", 11.0) == 0.0
    assert gate.delay("create", 16.0) == 0.0


# -- error mapping -----------------------------------------------------------------------


def test_from_response_is_lenient() -> None:
    request = httpx.Request("GET", "https://api.replicate.com/v1/x")
    html = from_response(httpx.Response(502, text="<html>bad</html>", request=request))
    assert isinstance(html, InternalServerError)
    assert str(html) == "502 Bad Gateway"
    empty = from_response(httpx.Response(504, request=request))
    assert empty.body is None and empty.detail is None
    nf = from_response(httpx.Response(404, json={"detail": "File not found"}, request=request))
    assert isinstance(nf, NotFoundError) and str(nf) == "404 Not Found: File not found"
    limited = from_response(
        httpx.Response(429, json={"detail": "slow down", "retry_after": 4}, request=request)
    )
    assert isinstance(limited, RateLimitError) and limited.retry_after == 4.0
    teapot = from_response(httpx.Response(418, json={"detail": "short"}, request=request))
    assert type(teapot).__name__ == "APIStatusError"
    withid = from_response(
        httpx.Response(400, headers={"x-request-id": "req_1"}, json={}, request=request)
    )
    assert withid.request_id == "req_1"


# -- references --------------------------------------------------------------------------

names = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)
versions = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)


@given(names, names, versions)
def test_reference_round_trip(owner: str, name: str, version: str) -> None:
    assert parse_ref(f"{owner}/{name}") == ModelRef(owner, name)
    assert parse_ref(f"{owner}/{name}:{version}") == VersionRef(version, owner, name)
    assert parse_ref(version) == VersionRef(version)
    assert str(parse_ref(f"{owner}/{name}:{version}")) == f"{owner}/{name}:{version}"


@pytest.mark.parametrize(
    "bad", ["", "owner", "a/b/c", "owner/", "/name", "o/n:abc", "o/n:" + "A" * 64, "x y/z"]
)
def test_bad_references(bad: str) -> None:
    with pytest.raises(ValueError, match="owner/name"):
        parse_ref(bad)


def test_deployment_refs() -> None:
    ref = parse_deployment("acme/prod")
    assert ref.create_path == "deployments/acme/prod/predictions"
    with pytest.raises(ValueError, match="owner/name"):
        parse_deployment("acme")


# -- values sent with requests ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(30, "30s"), (5, "5s"), ("5m", "5m"), ("1h30m45s", "1h30m45s"), ("30", "30s"), (7.5, "7.5s")],
)
def test_cancel_after_values(value: float | str, expected: str) -> None:
    assert cancel_after_value(value) == expected


@pytest.mark.parametrize("value", [4, "4s", "1x", "", "m", float("inf"), True])
def test_bad_cancel_after(value: Any) -> None:
    with pytest.raises((ValueError, TypeError)):
        cancel_after_value(value)


def test_prefer_values() -> None:
    assert prefer_value(True) == ("wait", 60.0)
    assert prefer_value(False) == (None, None)
    assert prefer_value(1) == ("wait=1", 1.0)
    for bad in (0, 61, 2.5, -1):
        with pytest.raises(ValueError, match="1 to 60"):
            prefer_value(bad)


def test_base_urls_and_origins() -> None:
    assert normalize_base_url("https://api.replicate.com") == "https://api.replicate.com/v1"
    assert normalize_base_url("https://api.replicate.com/v1/") == "https://api.replicate.com/v1"
    assert normalize_base_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000/v1"
    base = "https://api.replicate.com/v1"
    assert same_origin("https://api.replicate.com:443/v1/x", base)
    assert not same_origin("https://replicate.delivery/x", base)
    assert not same_origin("http://api.replicate.com/v1/x", base)
    assert not same_origin("https://api.replicate.com.evil.com/v1", base)


# -- outputs -------------------------------------------------------------------------------


def test_file_output_detection() -> None:
    base = "https://api.replicate.com/v1"
    yes = [
        "https://replicate.delivery/pbxt/a/out-0.png",
        "https://tjzk.replicate.delivery/a.png",
        "https://api.replicate.com/v1/files/abc",
        "data:image/png;base64,AAAA",
    ]
    no = [
        "http://replicate.delivery/a.png",
        "https://replicate.delivery.evil.com/a.png",
        "https://example.com/a.png",
        "see https://replicate.delivery/a.png",
        "plain text",
        "data:",
    ]
    assert all(is_file_url(u, base_url=base) for u in yes)
    assert not any(is_file_url(u, base_url=base) for u in no)
    assert is_file_url(
        "http://127.0.0.1:9/delivery/x",
        base_url=base,
        extra_prefixes=("http://127.0.0.1:9/delivery/",),
    )
    mapped = map_outputs({"a": ["x", "data:,hi"], "n": 3}, lambda s: s.startswith("data:"), len)
    assert mapped == {"a": ["x", 8], "n": 3}


@given(st.binary(max_size=200), st.sampled_from(["image/png", "text/plain", "audio/wav"]))
def test_data_uri_round_trip(content: bytes, mime: str) -> None:
    from replicate_async._files import data_uri

    assert decode_data_uri(data_uri(content, mime)) == (content, mime)


# -- polling and progress ----------------------------------------------------------------


def test_poll_schedule_grows_caps_and_resets() -> None:
    plan = PollSchedule(first=0.5)
    interval = plan.next_interval("starting", None, None)
    seen = [interval]
    for _ in range(10):
        interval = plan.next_interval("starting", "starting", interval)
        seen.append(interval)
    assert seen[1] == 0.75 and max(seen) == 5.0
    assert plan.next_interval("processing", "starting", 5.0) == 0.5
    capped = 0.5
    for _ in range(20):
        capped = plan.next_interval("processing", "processing", capped)
    assert capped == 2.0
    assert 0.9 <= plan.jittered(1.0, random.Random(1)) <= 1.1


def test_progress_parsing() -> None:
    logs = (
        "loading\n  4%|▍         | 2/50 [00:00<00:05,  9.16it/s]\n 50%|█████     | 25/50 [00:03]\n"
    )
    progress = parse_progress(logs)
    assert progress is not None and (progress.current, progress.total) == (25, 50)
    assert progress.percentage == 0.5
    assert parse_progress("no bars here") is None
    assert parse_progress(None) is None


# -- models and the converter -----------------------------------------------------------


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(9998, 1, 1),
        timezones=st.just(UTC),
    ),
    st.integers(min_value=0, max_value=9),
)
def test_timestamps_of_every_precision(moment: datetime, digits: int) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = f"{moment.microsecond:06d}"
    fraction = (micros + "987")[:digits]
    stamp = f"{text}.{fraction}Z" if digits else f"{text}Z"
    parsed = parse_datetime(stamp)
    assert parsed.tzinfo is not None
    assert abs(parsed - moment.replace(microsecond=0)) < timedelta(seconds=1)
    if digits >= 6:
        assert parsed.microsecond == moment.microsecond


def _bodies() -> list[tuple[str, str, Any]]:
    found: list[tuple[str, str, Any]] = []
    for path in sorted(FIXTURES.glob("*.json")):
        for item in json.loads(path.read_text()):
            if item["response"]["status"] < 300 and isinstance(
                item["response"]["body"], dict | list
            ):
                found.append((path.name, item["request"]["url"], item["response"]["body"]))
    return found


def _model_for(url: str, body: Any) -> tuple[type[Any], bool]:
    path = url.split("/v1/", 1)[-1]
    if path.startswith("trainings") or path.endswith("/trainings"):
        return Training, False
    if path.startswith("predictions") or path.endswith("/predictions"):
        return Prediction, "results" in body
    if "/versions/" in path:
        return ModelVersion, False
    if path.startswith("models"):
        return Model, "results" in body
    if path.startswith("collections/"):
        return Collection, False
    if path.startswith("collections"):
        return CollectionSummary, True
    if path.startswith("hardware"):
        return Hardware, False
    if path.startswith("files"):
        return File, "results" in body
    raise LookupError(url)


def test_every_recorded_response_parses_strictly() -> None:
    strict = strict_converter()
    count = 0
    for name, url, body in _bodies():
        if "replicate.delivery" in url:
            continue
        model, paged = _model_for(url, body)
        if paged:
            page = structure_page({k: v for k, v in body.items() if k != "truncated_from"}, model)
            for item in body["results"]:
                structure(item, model, conv=strict)
            assert len(page.results) == len(body["results"]), name
        elif isinstance(body, list):
            items: list[Any] = body  # pyright: ignore[reportUnknownVariableType]
            assert [structure(x, model, conv=strict) for x in items]
        else:
            structure(body, model, conv=strict)
        count += 1
    assert count >= 200


def test_prediction_fields_from_a_recording() -> None:
    body = json.loads((FIXTURES / "predictions-get.json").read_text())[0]["response"]["body"]
    p = structure(body, Prediction)
    assert p.id == "vgcm4plb7tgzlyznry5d5jkgvu" and p.status == "succeeded"
    assert p.metrics is not None and p.metrics.predict_time == pytest.approx(3.804328)
    assert p.created_at == datetime(2023, 8, 16, 18, 57, 8, 360785, tzinfo=UTC)
    assert p.progress is not None and p.progress.current == p.progress.total
    assert "logs" not in repr(p) and "input" not in repr(p)


def test_lenient_parsing_of_odd_payloads() -> None:
    p = structure(
        {
            "id": "x",
            "status": "brand-new",
            "metrics": {"predict_time": 1, "gpu": "a100"},
            "logs": None,
            "x": 1,
        },
        Prediction,
    )
    assert p.status == "brand-new" and p.metrics is not None and p.metrics.extra == {"gpu": "a100"}
    page = structure_page({"results": [], "next": "null", "previous": None}, Prediction)
    assert page.next is None and not page.has_next
    from replicate_async import ResponseDecodingError

    with pytest.raises(ResponseDecodingError) as info:
        structure({"status": "ok"}, Prediction)
    assert info.value.payload == {"status": "ok"}
    with pytest.raises(ResponseDecodingError):
        structure_page([1, 2], Prediction)
