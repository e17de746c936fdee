"""Pure stream semantics (`replicate_async._sse`) and the SSE chunking property."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replicate_async._sse import (
    MAX_RETRY_HINT,
    EventIds,
    ReconnectBudget,
    done_reason,
    error_detail,
    reason_for_status,
    to_event,
    undelivered_chunks,
)
from replicate_async._sse_decoder import ServerSentEvent, SSEDecoder
from replicate_async.types.events import (
    DoneEvent,
    ErrorEvent,
    LogsEvent,
    OutputEvent,
    StreamEvent,
    UnknownEvent,
)

# -- typed events ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "data", "id", "expected"),
    [
        ("output", "Hello", "1:0", OutputEvent(data="Hello", id="1:0")),
        ("output", "", "", OutputEvent(data="")),
        ("output", "a\nb", "1:2", OutputEvent(data="a\nb", id="1:2")),
        ("logs", "step 1", "1:3", LogsEvent(data="step 1", id="1:3")),
        ("error", '{"detail": "boom"}', "1:4", ErrorEvent(detail="boom", id="1:4")),
        ("done", "{}", "1:5", DoneEvent(reason=None, id="1:5")),
        ("done", '{"reason": "canceled"}', "", DoneEvent(reason="canceled")),
        ("novel", "x", "1:6", UnknownEvent(event="novel", data="x", id="1:6")),
        ("message", "x", "", UnknownEvent(event="message", data="x")),
        ("message", "", "1:7", None),  # a keep-alive: nothing to deliver
    ],
)
def test_to_event(event: str, data: str, id: str, expected: StreamEvent | None) -> None:
    assert to_event(ServerSentEvent(event=event, data=data, id=id, retry=None)) == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("{}", None),
        ("", None),
        ("  ", None),
        ('{"reason": "error"}', "error"),
        ('{"reason": "canceled"}', "canceled"),
        ('{"reason": "aborted"}', "aborted"),  # unknown reasons pass through
        ('{"reason": null}', None),
        ('{"reason": ""}', None),
        ('{"other": 1}', None),
        ('"canceled"', "canceled"),
        ("canceled", "canceled"),  # not JSON: tolerated
        ("[1, 2]", None),
        ('{"reason": 3}', "3"),
    ],
)
def test_done_reason(data: str, reason: str | None) -> None:
    assert done_reason(data) == reason


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        ('{"detail": "CUDA out of memory"}', "CUDA out of memory"),
        ('{"detail": {"code": 1}}', '{"code": 1}'),
        ('{"title": "x"}', '{"title": "x"}'),
        ('"plain json string"', "plain json string"),
        ("not json at all", "not json at all"),
        ("", "the prediction failed (the stream sent no detail)"),
        ("42", "42"),
    ],
)
def test_error_detail(data: str, detail: str) -> None:
    assert error_detail(data) == detail


def test_reason_for_status() -> None:
    assert reason_for_status("succeeded") is None
    assert reason_for_status("failed") == "error"
    assert reason_for_status("canceled") == "canceled"
    assert reason_for_status("aborted") == "aborted"


def test_str_of_events_is_the_output_text_only() -> None:
    events: list[StreamEvent] = [
        OutputEvent(data="https://example.com/x"),  # output text never becomes a file
        LogsEvent(data="log"),
        ErrorEvent(detail="e"),
        UnknownEvent(event="x", data="y"),
        DoneEvent(),
    ]
    assert "".join(str(e) for e in events) == "https://example.com/x"


# -- ids -------------------------------------------------------------------------------------


def test_event_ids_drop_replays_and_track_the_last_id() -> None:
    ids = EventIds()
    assert EventIds().last is None
    assert [ids.admit(i) for i in ("1:0", "1:1")] == [True, True]
    assert ids.last == "1:1"
    ids.new_connection()
    assert [ids.admit(i) for i in ("1:0", "1:1", "1:2")] == [False, False, True]
    assert ids.last == "1:2"
    assert ids.faithful


def test_event_ids_inherited_ids_are_delivered_but_unfaithful() -> None:
    ids = EventIds()
    assert ids.admit("1:0")
    faithful = ids.faithful  # a local: an assert on the attribute would narrow it for mypy
    assert faithful
    assert ids.admit("1:0")  # the decoder repeats the previous id for an event without one
    assert not ids.faithful
    other = EventIds()
    assert other.admit("")
    assert not other.faithful


def test_event_ids_keepalive_carries_the_inherited_id() -> None:
    ids = EventIds()
    assert ids.admit("1:0")
    ids.note_carrier("1:0")
    assert ids.admit("1:1")
    assert ids.faithful


# -- reconnection budget ---------------------------------------------------------------------


def test_reconnect_budget_uses_backoff_then_runs_out() -> None:
    budget = ReconnectBudget(limit=3)
    attempts: list[int] = []

    def backoff(attempt: int) -> float:
        attempts.append(attempt)
        return 0.5 * (attempt + 1)

    assert [budget.next_delay(backoff) for _ in range(4)] == [0.5, 1.0, 1.5, None]
    assert attempts == [0, 1, 2]
    budget.progressed()
    assert budget.next_delay(backoff) == 0.5


@pytest.mark.parametrize(
    ("milliseconds", "hint"),
    [(0, 0.0), (1500, 1.5), (10**9, MAX_RETRY_HINT), (-5, None), (None, None)],
)
def test_reconnect_budget_honours_retry_hints(milliseconds: int | None, hint: float | None) -> None:
    budget = ReconnectBudget()
    budget.note_retry(milliseconds)
    assert budget.hint == hint
    delay = budget.next_delay(lambda attempt: 7.0)
    assert delay == (7.0 if hint is None else hint)


# -- undelivered chunks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delivered", "output", "missing"),
    [
        ([], ["a", "b"], ["a", "b"]),
        (["a"], ["a", "b", "c"], ["b", "c"]),
        (["a", "b"], ["a", "b"], []),
        (["a"], ["a", "", "b", ""], ["b"]),  # empty chunks carry nothing
        (["ab"], ["a", "bc", "d"], ["c", "d"]),  # cut differently: aligned by text
        (["a", "b"], ["ab", "cd"], ["cd"]),
        ([], "whole text", ["whole text"]),
        (["who"], "whole text", ["le text"]),
        (["x"], ["a", "b"], ["b"]),  # diverging texts: by count, nothing lost
        (["x", "y", "z"], ["a", "b"], []),
        ([], {"text": "hi"}, []),
        ([], [1, 2], []),
        ([], None, []),
        ([], [], []),
    ],
)
def test_undelivered_chunks(delivered: list[str], output: object, missing: list[str]) -> None:
    assert undelivered_chunks(delivered, output) == missing


@given(
    chunks=st.lists(st.text(max_size=5), max_size=12),
    data=st.data(),
)
def test_delivered_plus_undelivered_is_the_whole_output(
    chunks: list[str], data: st.DataObject
) -> None:
    total = "".join(chunks)
    cut = data.draw(st.integers(0, len(total)), label="cut")
    prefix = total[:cut]
    # The delivered text, cut into chunks of its own.
    marks = sorted(data.draw(st.sets(st.integers(0, cut), max_size=4), label="marks"))
    bounds = [0, *marks, cut]
    delivered = [prefix[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    assert "".join(delivered) + "".join(undelivered_chunks(delivered, chunks)) == total


# -- SSE parsing by the decoder: any chunking gives the same events ------------------------

_names = st.sampled_from(["output", "logs", "error", "done", "novel", "output"])
_line_text = st.text(
    alphabet=st.characters(codec="utf-8", blacklist_characters="\r\n"),
    max_size=12,
)
_data = st.lists(_line_text, min_size=1, max_size=4).map("\n".join)


@st.composite
def _frames(draw: st.DrawFn) -> tuple[str, str, str | None]:
    name = draw(_names)
    data = draw(_data)
    if name == "done":
        data = draw(st.sampled_from(["{}", '{"reason": "error"}', '{"reason": "canceled"}']))
    if name == "error":
        data = draw(st.sampled_from(['{"detail": "boom"}', "not json"]))
    event_id = draw(st.none() | st.integers(0, 99).map(lambda n: f"1690212292:{n}"))
    return name, data, event_id


def _encode(frames: Sequence[tuple[str, str, str | None]], newline: str, comments: bool) -> bytes:
    out: list[str] = []
    if comments:
        out.append(f": hi{newline}{newline}")
    for name, data, event_id in frames:
        lines = [f"event: {name}"]
        if event_id is not None:
            lines.append(f"id: {event_id}")
        lines.extend(f"data: {line}" for line in data.split("\n"))
        if comments:
            lines.insert(1, ": a comment inside the event")
        out.append(newline.join(lines) + newline + newline)
    return "".join(out).encode("utf-8")


def _expected(frames: Sequence[tuple[str, str, str | None]]) -> list[StreamEvent | None]:
    events: list[StreamEvent | None] = []
    last_id = ""
    for name, data, event_id in frames:
        if event_id is not None:
            last_id = event_id
        events.append(to_event(ServerSentEvent(event=name, data=data, id=last_id, retry=None)))
    return events


def _parse(chunks: Sequence[bytes]) -> list[StreamEvent | None]:
    decoder = SSEDecoder()
    return [to_event(sse) for chunk in chunks for sse in decoder.feed(chunk)]


def _split(blob: bytes, cuts: Sequence[int]) -> list[bytes]:
    bounds = [0, *sorted(set(cuts)), len(blob)]
    return [blob[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=300, deadline=None)
@given(
    frames=st.lists(_frames(), min_size=1, max_size=8),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    comments=st.booleans(),
    data=st.data(),
)
def test_any_chunking_of_an_event_stream_yields_the_same_events(
    frames: list[tuple[str, str, str | None]],
    newline: str,
    comments: bool,
    data: st.DataObject,
) -> None:
    blob = _encode(frames, newline, comments)
    cuts = data.draw(st.lists(st.integers(0, len(blob)), max_size=20), label="cuts")
    expected = _expected(frames)
    assert _parse([blob]) == expected
    assert _parse(_split(blob, cuts)) == expected
    assert _parse([blob[i : i + 1] for i in range(len(blob))]) == expected


def test_multi_line_data_and_empty_lines_are_joined_with_newlines() -> None:
    blob = b"event: output\ndata:\ndata:\ndata:\n\nevent: output\ndata: a\ndata:  b\n\n"
    assert _parse([blob]) == [OutputEvent(data="\n\n"), OutputEvent(data="a\n b")]


# -- the decoder, rule by rule (HTML Living Standard, "Interpreting an event stream") --------


def _events(*chunks: bytes) -> list[tuple[str, str, str, int | None]]:
    decoder = SSEDecoder()
    return [(e.event, e.data, e.id, e.retry) for c in chunks for e in decoder.feed(c)]


def test_an_event_without_data_is_not_dispatched() -> None:
    assert _events(b"event: output\nid: 1\n\nevent: output\ndata: x\n\n") == [
        ("output", "x", "1", None)
    ]


def test_the_last_event_id_persists_and_an_id_with_nul_is_ignored() -> None:
    blob = b"id: 7\ndata: a\n\ndata: b\n\nid: bad\x00id\ndata: c\n\nid\ndata: d\n\n"
    assert [e[2] for e in _events(blob)] == ["7", "7", "7", ""]


def test_a_byte_order_mark_is_dropped_even_split_across_chunks() -> None:
    assert _events(b"\xef", b"\xbb\xbfdata: a\n\n") == [("message", "a", "", None)]


def test_a_lone_retry_is_handed_on_as_an_empty_keep_alive() -> None:
    assert _events(b"retry: 2500\n\n", b"retry: soon\ndata: x\n\n") == [
        ("message", "", "", 2500),
        ("message", "x", "", None),
    ]


def test_comments_and_unknown_fields_are_ignored_and_one_space_is_dropped() -> None:
    blob = b": ping\n\n: ping\nfoo: bar\ndata:  two spaces\ndata\n\n"
    assert _events(blob) == [("message", " two spaces\n", "", None)]


def test_a_crlf_split_between_chunks_is_one_line_break() -> None:
    assert _events(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n") == [
        ("message", "a", "", None),
        ("message", "b", "", None),
    ]


def test_an_unterminated_last_event_is_not_dispatched() -> None:
    assert _events(b"data: a\n\ndata: cut off") == [("message", "a", "", None)]


def test_text_is_decoded_as_utf8_across_chunk_boundaries() -> None:
    blob = "data: é ✓\n\n".encode()
    assert _events(*[blob[i : i + 1] for i in range(len(blob))]) == [("message", "é ✓", "", None)]
