"""Pure units of the hygiene rules: secrets, typed response errors, input checks, SSE by the spec.

Each test here failed against the code before these rules existed.
"""

from __future__ import annotations

import io
import json
import logging
import traceback
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from replicate_async import (
    APIStatusError,
    AsyncClient,
    Client,
    ConfigurationError,
    File,
    Model,
    Prediction,
    ResponseDecodingError,
    Training,
)
from replicate_async._config import (
    check_base_url,
    check_call_timeout,
    check_token,
    to_timeout,
)
from replicate_async._exceptions import (
    EXCERPT_CHARS,
    body_excerpt,
    decode_json_body,
    decoding_error,
)
from replicate_async._files import check_input, redirect_target
from replicate_async._refs import check_id
from replicate_async._serde import strict_converter, structure
from replicate_async._sse import EventIds, event_id_order

# -- secrets ---------------------------------------------------------------------------------

SECRET = "r8_Zq9SecretPart"

BAD_TOKENS = [
    f"{SECRET}\r\nX-Evil: 1",
    f"r8_{'é'}{SECRET}",
    f"{SECRET} more",
    f"{SECRET}\tmore",
    f"{SECRET}\x00",
    f"{SECRET}\x7f",
    f"{SECRET}\u200b",
    f"{SECRET}\u00a0x",
]


def _everything_said(exc: BaseException) -> str:
    """The message, args, repr and the whole formatted traceback of an exception."""
    text = "".join(traceback.format_exception(exc))
    return text + repr(exc) + repr(exc.args) + str(exc.__cause__) + str(exc.__context__)


@pytest.mark.parametrize("token", BAD_TOKENS)
@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_bad_token_is_refused_where_the_client_is_built_without_showing_it(
    cls: type[AsyncClient] | type[Client], token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as info:
        cls(api_token=token, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    said = _everything_said(info.value)
    assert SECRET not in said
    assert "Zq9" not in said
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert "position" in str(info.value)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("token", [t for t in BAD_TOKENS if "\x00" not in t])
def test_bad_token_from_the_environment_is_refused(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", token)
    with pytest.raises(ConfigurationError, match="REPLICATE_API_TOKEN") as info:
        AsyncClient()
    assert SECRET not in _everything_said(info.value)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_every_printable_ascii_token_is_accepted(token: str) -> None:
    assert check_token(token) == token


@given(
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)),
    st.characters().filter(lambda c: not "!" <= c <= "~"),
    st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E)),
)
def test_any_other_character_is_refused_and_never_shown(head: str, bad: str, tail: str) -> None:
    token = f"Zq9{head}{bad}{tail}Zq9"
    with pytest.raises(ConfigurationError) as info:
        check_token(token)
    message = str(info.value)
    assert message.isascii()
    assert message.isprintable()
    assert "Zq9" not in message
    assert f"position {len(head) + 4}" in message


# -- base URL and timeouts -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:99999",
        "http://localhost:0/v1",
        "https://api.replicate.com:65536/v1",
        "http://a b/v1",
        "https://user:secret@api.replicate.com/v1",
        "https://api.replicate.com/v1?x=1",
        "https://api.replicate.com/v1#frag",
    ],
)
@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_invalid_base_url_is_refused_at_construction(
    cls: type[AsyncClient] | type[Client], url: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        cls(api_token="r8_x", base_url=url)
    assert "secret" not in str(info.value)


@pytest.mark.parametrize(
    "url", ["http://localhost:8080", "http://127.0.0.1:1/v1", "http://[::1]:65535/v1"]
)
def test_valid_base_urls_pass(url: str) -> None:
    assert check_base_url(url) == url
    Client(api_token="r8_x", base_url=url)


@given(st.integers(min_value=65536, max_value=10**9))
def test_out_of_range_ports_are_refused(port: int) -> None:
    with pytest.raises(ConfigurationError):
        check_base_url(f"http://localhost:{port}/v1")


def test_pool_timeout_must_not_be_nan_or_negative() -> None:
    with pytest.raises(ValueError, match="pool"):
        to_timeout(httpx.Timeout(5.0, pool=float("nan")))
    with pytest.raises(ValueError, match="pool"):
        to_timeout(httpx.Timeout(5.0, pool=-1.0))
    assert to_timeout(httpx.Timeout(5.0, pool=None)).pool is None


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -1, 0, -0.5])
def test_call_timeout_must_be_finite_and_positive(value: float) -> None:
    with pytest.raises(ValueError, match="finite, positive"):
        check_call_timeout(value)


@pytest.mark.parametrize("value", [True, "5", [5]])
def test_call_timeout_must_be_a_number(value: object) -> None:
    with pytest.raises(TypeError, match="seconds"):
        check_call_timeout(value)


def test_call_timeout_accepts_none_and_numbers() -> None:
    assert check_call_timeout(None) is None
    assert check_call_timeout(3) == 3.0
    assert check_call_timeout(0.25) == 0.25


def test_nan_max_retry_after_is_refused() -> None:
    with pytest.raises(ValueError, match="max_retry_after"):
        Client(api_token="r8_x", max_retry_after=float("nan"))


def test_redact_hides_any_bearer_credential() -> None:
    from replicate_async._logging import redact

    text = "header 'Authorization: Bearer abc.DEF-123' and token xyz9 and r8_abcdef"
    out = redact(text)
    assert "abc.DEF-123" not in out
    assert "xyz9" not in out
    assert "r8_abcdef" not in out
    assert "Bearer ***" in out


# -- typed errors for every response ---------------------------------------------------------

URL = "https://api.replicate.com/v1/predictions/abc"


def response(
    status: int = 200,
    content: bytes = b"",
    headers: dict[str, str] | None = None,
    url: str = URL,
) -> httpx.Response:
    return httpx.Response(
        status, content=content, headers=headers or {}, request=httpx.Request("GET", url)
    )


HTML = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>" + (b"x" * 5000)


def test_html_200_is_a_typed_error_with_status_request_id_and_excerpt() -> None:
    r = response(200, HTML, {"content-type": "text/html", "x-request-id": "req-42"})
    with pytest.raises(ResponseDecodingError) as info:
        decode_json_body(r)
    error = info.value
    assert error.status_code == 200
    assert error.request_id == "req-42"
    assert error.excerpt is not None
    assert error.excerpt.startswith("<!DOCTYPE html> <html><head><title>502 Bad Gateway")
    assert len(error.excerpt) <= EXCERPT_CHARS
    assert "req-42" in str(error)
    assert "not JSON" in str(error)
    assert isinstance(error.__cause__, ValueError)


def test_truncated_json_is_named_as_cut_short() -> None:
    r = response(200, b'{"id": "abc", "status": "succ', {"content-type": "application/json"})
    with pytest.raises(ResponseDecodingError, match="cut short") as info:
        decode_json_body(r)
    assert info.value.excerpt == '{"id": "abc", "status": "succ'


def test_non_utf8_body_is_a_typed_error() -> None:
    with pytest.raises(ResponseDecodingError):
        decode_json_body(response(200, b"\xff\xfe{\x00"))


def test_excerpt_never_shows_a_token_or_headers() -> None:
    body = b"<html>Authorization: Bearer r8_SuperSecret123 token r8_Other999</html>"
    r = response(200, body, {"authorization": "Bearer r8_HeaderSecret", "set-cookie": "s=1"})
    with pytest.raises(ResponseDecodingError) as info:
        decode_json_body(r)
    said = _everything_said(info.value)
    for secret in ("r8_SuperSecret123", "r8_Other999", "r8_HeaderSecret", "s=1"):
        assert secret not in said


def test_json_bodies_decode_and_empty_is_none() -> None:
    assert decode_json_body(response(200, b'{"a": [1, 2]}')) == {"a": [1, 2]}
    assert decode_json_body(response(201, b"")) is None
    assert decode_json_body(response(204, b"  \n")) is None


def test_a_redirect_on_a_json_route_is_a_status_error() -> None:
    r = response(302, b"<a href='/elsewhere'>moved</a>", {"location": "/elsewhere"})
    with pytest.raises(APIStatusError) as info:
        decode_json_body(r)
    assert info.value.status_code == 302


@given(st.binary(max_size=300))
def test_decode_json_body_raises_nothing_untyped(content: bytes) -> None:
    try:
        expected: Any = json.loads(content) if content.strip() else None
    except ValueError:
        with pytest.raises(ResponseDecodingError) as info:
            decode_json_body(response(200, content))
        assert info.value.status_code == 200
        assert info.value.excerpt is not None
        assert len(info.value.excerpt) <= EXCERPT_CHARS
    else:
        assert decode_json_body(response(200, content)) == expected


@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=300))
def test_body_excerpt_is_one_short_printable_line(content: bytes, limit: int) -> None:
    text = body_excerpt(content, limit)
    assert len(text) <= limit
    assert text.isprintable()
    assert text == text.strip()


def test_decoding_error_of_a_corrupt_gzip_body() -> None:
    r = response(200, b"", {"content-encoding": "gzip", "x-request-id": "req-7"})
    error = decoding_error(httpx.DecodingError("bad gzip"), r, attempts=2)
    assert isinstance(error, ResponseDecodingError)
    assert (error.status_code, error.request_id, error.attempts) == (200, "req-7", 2)
    assert "gzip" in str(error)
    bare = decoding_error(httpx.DecodingError("bad gzip"))
    assert bare.status_code is None
    assert "DecodingError" in str(bare)


PREDICTION: dict[str, Any] = {
    "id": "ufawqhfynnddngldkgtslldrkq",
    "status": "succeeded",
    "output": ["https://replicate.delivery/out.png"],
    "created_at": "2024-01-01T00:00:00.000Z",
}


@pytest.mark.parametrize("bad", [None, "", 0, 12, True, [], {}])
@pytest.mark.parametrize(
    ("cls", "body", "field"),
    [
        (Prediction, PREDICTION, "id"),
        (Training, {"id": "t1", "status": "starting"}, "id"),
        (File, {"id": "f1"}, "id"),
        (Model, {"owner": "a", "name": "b"}, "owner"),
        (Model, {"owner": "a", "name": "b"}, "name"),
    ],
)
def test_required_identifiers_are_non_empty_strings(
    cls: type[Any], body: dict[str, Any], field: str, bad: object
) -> None:
    with pytest.raises(ResponseDecodingError, match=field):
        structure({**body, field: bad}, cls)


@pytest.mark.parametrize("bad", [None, ""])
def test_a_null_or_empty_status_is_refused(bad: object) -> None:
    with pytest.raises(ResponseDecodingError, match="status"):
        structure({**PREDICTION, "status": bad}, Prediction)


def test_a_null_id_never_becomes_the_text_none() -> None:
    with pytest.raises(ResponseDecodingError, match=r"Prediction\.id must be a non-empty string"):
        structure({**PREDICTION, "id": None}, Prediction)


@pytest.mark.parametrize("stamp", ["yesterday", "2024-13-45T99:00:00Z", 12, True, {"a": 1}])
def test_an_unparseable_timestamp_is_none_and_the_output_survives(stamp: object) -> None:
    prediction = structure({**PREDICTION, "created_at": stamp}, Prediction)
    assert prediction.created_at is None
    assert prediction.output == PREDICTION["output"]
    assert prediction.status == "succeeded"
    # The strict converter (for the test suite) still flags it.
    with pytest.raises(ResponseDecodingError, match="created_at"):
        structure({**PREDICTION, "created_at": stamp}, Prediction, conv=strict_converter())


def test_optional_strings_keep_numbers_and_drop_what_cannot_be_text() -> None:
    prediction = structure({**PREDICTION, "model": 7, "error": [1], "source": True}, Prediction)
    assert (prediction.model, prediction.error, prediction.source) == ("7", None, None)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "id": _json,
            "status": _json,
            "created_at": _json,
            "output": _json,
            "model": _json,
            "urls": _json,
            "metrics": _json,
        },
    )
)
@example({"id": None, "status": "starting"})
def test_structure_raises_only_typed_errors_and_ids_are_real(payload: dict[str, Any]) -> None:
    try:
        prediction = structure(payload, Prediction)
    except ResponseDecodingError:
        return
    assert isinstance(prediction.id, str)
    assert prediction.id
    assert prediction.id == payload["id"]  # never a text made from another value
    assert isinstance(prediction.status, str)
    assert prediction.status
    assert prediction.created_at is None or isinstance(prediction.created_at, datetime)


# -- redirects of file downloads -------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "target"),
    [
        ("https://cdn.example.com/f.bin?sig=1", "https://cdn.example.com/f.bin?sig=1"),
        ("/v1/files/abc/blob", "https://api.replicate.com/v1/files/abc/blob"),
        ("blob", "https://api.replicate.com/v1/files/abc/blob"),
    ],
)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_target(status: int, location: str, target: str) -> None:
    r = response(
        status,
        headers={"location": location},
        url="https://api.replicate.com/v1/files/abc/download",
    )
    assert redirect_target(r) == target


def test_no_redirect_and_bad_redirects() -> None:
    assert redirect_target(response(200, b"x")) is None
    assert redirect_target(response(304)) is None
    with pytest.raises(ValueError, match="Location"):
        redirect_target(response(302))
    with pytest.raises(ValueError, match="http"):
        redirect_target(response(302, headers={"location": "file:///etc/passwd"}))


# -- input checked before anything is sent ---------------------------------------------------


class Custom:
    pass


@pytest.mark.parametrize(
    ("value", "path", "error"),
    [
        ({"images": [b"png", "x", {1, 2}]}, 'input["images"][2]', TypeError),
        ({"when": datetime(2024, 1, 1)}, 'input["when"]', TypeError),
        ({"a": {"b": [0, Custom()]}}, 'input["a"]["b"][1]', TypeError),
        ({"a": frozenset[int]()}, 'input["a"]', TypeError),
        ({"a": (1, 2, object())}, 'input["a"][2]', TypeError),
        ({"a": float("nan")}, 'input["a"]', ValueError),
        ({"a": [1.0, float("inf")]}, 'input["a"][1]', ValueError),
        ({"a": {(1, 2): "x"}}, 'input["a"]', TypeError),
        ({'ü "q"': {1, 2}}, 'input["ü \\"q\\""]', TypeError),
        ({"f": io.StringIO("text")}, 'input["f"]', TypeError),
    ],
)
def test_the_first_non_json_value_is_named_by_its_path(
    value: dict[str, Any], path: str, error: type[Exception]
) -> None:
    with pytest.raises(error) as info:
        check_input(value)
    assert str(info.value).startswith(path)


def test_a_container_that_contains_itself_is_refused() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    with pytest.raises(ValueError, match=r'input\["a"\]\[1\] contains itself'):
        check_input({"a": loop})


def test_shared_containers_are_fine() -> None:
    shared = [1, 2]
    assert check_input({"a": shared, "b": [shared, shared]}) is False


def test_check_input_says_whether_encoding_is_needed(tmp_path: Path) -> None:
    from types import MappingProxyType

    assert check_input({"a": [1, "x", None, True, 2.5, {"b": ()}]}) is False
    assert check_input({"a": [b"bytes"]}) is True
    assert check_input({"a": tmp_path / "f.png"}) is True
    assert check_input({"a": io.BytesIO(b"x")}) is True
    assert check_input({"a": MappingProxyType({"b": 1})}) is True


_bad_leaf = st.sampled_from([{1}, datetime(2024, 1, 1), Custom(), object(), b"x".decode, 1j])


@st.composite
def _with_a_bad_leaf(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A JSON input with one bad leaf planted somewhere, and that leaf's path."""
    value: dict[str, Any] = draw(st.dictionaries(st.text(max_size=3), _json, max_size=3))
    path = "input"
    node: Any = value
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            child: Any = {}
            if isinstance(node, dict):
                key = draw(st.text(max_size=3))
                node[key] = child
                path += f"[{json.dumps(key, ensure_ascii=False)}]"
            else:
                node.append(child)
                path += f"[{len(node) - 1}]"
        else:
            child = []
            node_key = draw(st.text(max_size=3)) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node[node_key] = child
                path += f"[{json.dumps(node_key, ensure_ascii=False)}]"
            else:
                node.append(child)
                path += f"[{len(node) - 1}]"
            prefix = draw(st.lists(st.integers(), max_size=2))
            child.extend(prefix)
        node = child
    leaf = draw(_bad_leaf)
    if isinstance(node, dict):
        key = draw(st.text(max_size=3))
        node[key] = leaf
        path += f"[{json.dumps(key, ensure_ascii=False)}]"
    else:
        node.append(leaf)
        path += f"[{len(node) - 1}]"
    return value, path


@given(_with_a_bad_leaf())
def test_a_planted_bad_leaf_is_found_by_its_path(case: tuple[dict[str, Any], str]) -> None:
    value, path = case
    with pytest.raises(TypeError) as info:
        check_input(value)
    assert str(info.value).startswith(path + " is a ")


@given(st.dictionaries(st.text(), _json))
def test_any_json_input_passes_and_dumps(value: dict[str, Any]) -> None:
    assert check_input(value) is False
    json.dumps(value, allow_nan=False)


@pytest.mark.parametrize(
    "bad",
    ["", "a/b", "a?b", "a#b", "a%2Fb", "a b", "a\nb", "a\\b", ".", "..", "a\x00b", "a\u200bb"],
)
def test_check_id_refuses_what_would_change_the_url(bad: str) -> None:
    with pytest.raises(ValueError, match="prediction id"):
        check_id(bad, "prediction id")


def test_check_id_accepts_api_ids_and_refuses_non_strings() -> None:
    assert check_id("ufawqhfynnddngldkgtslldrkq") == "ufawqhfynnddngldkgtslldrkq"
    assert check_id("a.b-c_d~e") == "a.b-c_d~e"
    with pytest.raises(TypeError):
        check_id(None, "prediction id")


@given(st.text(min_size=1))
def test_a_checked_id_stays_one_path_segment(value: str) -> None:
    try:
        check_id(value)
    except ValueError:
        return
    url = httpx.URL(f"https://api.replicate.com/v1/predictions/{value}")
    assert url.path == f"/v1/predictions/{value}"
    assert not url.query
    assert not url.fragment


# -- SSE: only replays are dropped -----------------------------------------------------------


def test_a_repeated_id_on_a_live_connection_is_delivered() -> None:
    ids = EventIds()
    ids.new_connection()
    assert [ids.admit(i) for i in ["1:0", "1:1", "1:0", "1:2", "1:1"]] == [True] * 5


def test_a_replay_after_a_reconnect_is_dropped_up_to_the_last_event_id() -> None:
    ids = EventIds()
    ids.new_connection()
    assert all(ids.admit(i) for i in ["1:0", "1:1", "1:2"])
    assert ids.last == "1:2"
    ids.new_connection()  # sent Last-Event-ID: 1:2; the server replays from the start
    assert [ids.admit(i) for i in ["1:0", "1:1", "1:2", "1:3", "1:1"]] == [
        False,
        False,
        False,
        True,
        True,  # the replay is over: a repeat on the live connection is delivered
    ]


def test_a_server_that_resumes_after_the_last_event_id_loses_nothing() -> None:
    ids = EventIds()
    ids.new_connection()
    assert all(ids.admit(i) for i in ["a", "b"])
    ids.new_connection()
    assert [ids.admit(i) for i in ["c", "a", "d"]] == [True, True, True]


def test_unordered_ids_are_recognised_by_membership() -> None:
    ids = EventIds()
    ids.new_connection()
    assert all(ids.admit(i) for i in ["x", "y"])
    ids.new_connection()
    assert [ids.admit(i) for i in ["x", "y", "z", "x"]] == [False, False, True, True]


@pytest.mark.parametrize(
    ("text", "key"),
    [("1690212292:0", (1690212292, 0)), ("5-10", (5, 10)), ("7", (7,)), ("a:1", None), ("", None)],
)
def test_event_id_order(text: str, key: tuple[int, ...] | None) -> None:
    assert event_id_order(text) == key


@given(
    events=st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=30),
    breaks=st.lists(st.integers(min_value=1, max_value=30), max_size=4),
    replay=st.booleans(),
    ordered=st.booleans(),
    repeat=st.integers(min_value=0, max_value=5),
)
def test_reconnecting_delivers_every_event_exactly_once(
    events: list[str], breaks: list[int], replay: bool, ordered: bool, repeat: int
) -> None:
    """A stream broken anywhere and resumed (replayed or not) delivers the original sequence."""
    names = [f"1700000000:{n}" if ordered else f"evt-{n:04x}" for n in range(len(events))]
    cuts = sorted(set(breaks))
    if 0 < repeat < len(names) - 1 and not replay:
        # A server may repeat an id on a live connection. (An old id as the very first event
        # after a resumption cannot be told from a replay, so no break is placed there.)
        names[repeat + 1] = names[repeat - 1]
        cuts = [c for c in cuts if c != repeat + 1]
    log = list(zip(names, events, strict=True))
    ids = EventIds()
    delivered: list[tuple[str, str]] = []
    position = 0
    resume_at = 0  # where a resuming server continues: after the last event delivered
    while position < len(log):
        first = ids.last is None
        ids.new_connection()
        start = 0 if replay or first else resume_at
        cut = min(next((c for c in cuts if c > position), len(log)), len(log))
        for index in range(start, cut):
            name, data = log[index]
            if ids.admit(name):
                delivered.append((name, data))
                resume_at = index + 1
        position = cut
    assert delivered == log
