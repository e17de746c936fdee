"""Tests of replicate_async.webhooks: verify, sign, parse_payload (pure, synchronous)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from replicate_async._exceptions import ResponseDecodingError
from replicate_async.types.predictions import Prediction
from replicate_async.types.trainings import Training
from replicate_async.webhooks import (
    VerifiedWebhook,
    WebhookHeaderError,
    WebhookSecret,
    WebhookSecretError,
    WebhookSignatureError,
    WebhookTimestampError,
    WebhookVerificationError,
    generate_secret,
    parse_payload,
    sign,
    verify,
)

# Imported by name: the package attribute `replicate_async.webhooks` is the default client's
# resource proxy, not this module.
webhooks_module = importlib.import_module("replicate_async.webhooks")

RECORDED = Path(__file__).parent / "fixtures" / "recorded"

# The published vector (CONTRACT.md §9.3).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_BARE = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
SIGNATURE = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def vector_headers(signature: str = f"v1,{SIGNATURE}") -> dict[str, str]:
    return {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": signature,
    }


def check(
    body: Any = BODY,
    headers: Any = None,
    secret: str | WebhookSecret = SECRET,
    **kwargs: Any,
) -> VerifiedWebhook:
    kwargs.setdefault("now", TIMESTAMP)
    return verify(
        body=body,
        headers=vector_headers() if headers is None else headers,
        secret=secret,
        **kwargs,
    )


def reference_signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- known-answer vector ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [SECRET, SECRET_BARE, WebhookSecret(key=SECRET), f"  {SECRET}\n"],
    ids=["prefixed", "bare", "WebhookSecret", "surrounding-whitespace"],
)
def test_vector_verifies_with_every_secret_form(secret: str | WebhookSecret) -> None:
    result = check(secret=secret)
    assert result == VerifiedWebhook(id=MSG_ID, timestamp=TIMESTAMP)


def test_vector_reference_computation_matches_the_contract() -> None:
    key = base64.b64decode(SECRET_BARE)
    assert len(key) == 24
    assert reference_signature(key, MSG_ID, str(TIMESTAMP), BODY) == SIGNATURE


@pytest.mark.parametrize(
    "headers",
    [
        {
            "Webhook-Id": MSG_ID,
            "WEBHOOK-TIMESTAMP": str(TIMESTAMP),
            "webhook-Signature": f"v1,{SIGNATURE}",
        },
        [
            ("Content-Type", "application/json"),
            ("WEBHOOK-ID", MSG_ID),
            ("webhook-timestamp", str(TIMESTAMP)),
            ("Webhook-Signature", f"v1,{SIGNATURE}"),
        ],
        (
            (b"webhook-id", MSG_ID.encode()),
            (b"webhook-timestamp", str(TIMESTAMP).encode()),
            (b"webhook-signature", f"v1,{SIGNATURE}".encode()),
        ),
    ],
    ids=["mixed-case-dict", "list-of-pairs", "asgi-raw-bytes"],
)
def test_vector_headers_in_any_shape(headers: Any) -> None:
    assert check(headers=headers).id == MSG_ID


class MultiDictHeaders:
    """A Werkzeug/Starlette-like header object: not a Mapping, `.items()` may repeat names."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self._pairs)


def test_header_object_with_items_and_repeated_signature_lines() -> None:
    headers = MultiDictHeaders(
        [
            ("Webhook-Id", MSG_ID),
            ("Webhook-Timestamp", str(TIMESTAMP)),
            ("Webhook-Signature", f"v1,{SIGNATURE}"),
            ("Webhook-Signature", "v1,AAAA"),
        ]
    )
    assert check(headers=headers).timestamp == TIMESTAMP


def test_vector_body_as_str() -> None:
    assert check(body=BODY.decode()).id == MSG_ID


def test_vector_with_the_wrong_body_fails() -> None:
    with pytest.raises(WebhookSignatureError, match="raw request body"):
        check(body=b'{"test":2432232314}')  # re-serialised JSON: one space fewer


def test_vector_with_another_secret_fails() -> None:
    other = generate_secret()
    with pytest.raises(WebhookSignatureError):
        check(secret=other)


def test_sign_reproduces_the_vector() -> None:
    headers = sign(BODY, secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP)
    assert headers == vector_headers()
    assert sign(BODY.decode(), secret=SECRET_BARE, msg_id=MSG_ID, timestamp=TIMESTAMP) == headers


def test_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    check(headers=vector_headers(f"v1,AAAA v1,{SIGNATURE}"))
    assert len(calls) == 2
    assert all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in calls)


# --- several signatures -------------------------------------------------------------------------


def test_rotation_one_of_several_signatures_matches() -> None:
    stale = reference_signature(b"an old key that was rotated", MSG_ID, str(TIMESTAMP), BODY)
    header = f"v1,{stale} v1,{SIGNATURE}  v1,bm90IGEgc2lnbmF0dXJl"
    assert check(headers=vector_headers(header)).id == MSG_ID


def test_other_version_tags_are_ignored() -> None:
    header = f"v2,{SIGNATURE} v1a,{SIGNATURE} v1,{SIGNATURE}"
    assert check(headers=vector_headers(header)).id == MSG_ID


def test_right_signature_under_another_version_tag_does_not_count() -> None:
    with pytest.raises(WebhookSignatureError, match="no v1 entry"):
        check(headers=vector_headers(f"v2,{SIGNATURE} v1a,{SIGNATURE}"))


def test_malformed_entries_are_skipped() -> None:
    header = f"garbage {SIGNATURE} v1,{SIGNATURE}"
    assert check(headers=vector_headers(header)).id == MSG_ID


def test_only_malformed_entries_means_no_v1_entry() -> None:
    with pytest.raises(WebhookSignatureError, match="no v1 entry"):
        check(headers=vector_headers(f"{SIGNATURE} v1{SIGNATURE}"))


@pytest.mark.parametrize(
    "signature",
    [
        "v1,",
        "v1,AAAA",
        f"v1,{SIGNATURE[:-1]}",  # padding dropped: only the canonical form matches
        f"v1,{SIGNATURE}=",
        f"v1,{SIGNATURE.lower()}",
        f"v1,{SIGNATURE[:-2]}é=",
        f"v1,{SIGNATURE}\u00a0",  # no-break space is not a separator
        f"V1,{SIGNATURE}",
    ],
)
def test_wrong_v1_signatures_are_rejected(signature: str) -> None:
    with pytest.raises(WebhookSignatureError):
        check(headers=vector_headers(signature))


def test_non_canonical_base64_with_the_same_bytes_is_rejected() -> None:
    # The last character of a 32-byte digest carries 2 unused bits: 'E' and 'F' decode alike.
    forged = SIGNATURE[:-2] + "F="
    assert base64.b64decode(forged) == base64.b64decode(SIGNATURE)
    with pytest.raises(WebhookSignatureError):
        check(headers=vector_headers(f"v1,{forged}"))


# --- headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
@pytest.mark.parametrize("value", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_missing_header_is_named(name: str, value: str | None) -> None:
    headers = vector_headers()
    if value is None:
        del headers[name]
    else:
        headers[name] = value
    with pytest.raises(WebhookHeaderError) as info:
        check(headers=headers)
    assert name in str(info.value)


def test_all_missing_headers_are_named() -> None:
    with pytest.raises(WebhookHeaderError) as info:
        check(headers={"content-type": "application/json"})
    for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert name in str(info.value)


def test_conflicting_repeated_id_is_rejected() -> None:
    pairs = [*vector_headers().items(), ("webhook-id", "msg_other")]
    with pytest.raises(WebhookHeaderError, match="more than once"):
        check(headers=pairs)


def test_identical_repeated_id_is_accepted() -> None:
    pairs = [*vector_headers().items(), ("Webhook-Id", MSG_ID)]
    assert check(headers=pairs).id == MSG_ID


def test_non_text_header_names_are_ignored() -> None:
    pairs: list[tuple[Any, Any]] = [(1, "x"), (None, None), *vector_headers().items()]
    assert check(headers=pairs).id == MSG_ID


def test_non_text_header_value_is_a_header_error() -> None:
    headers: dict[str, Any] = {**vector_headers(), "webhook-id": ["msg_x"]}
    with pytest.raises(WebhookHeaderError, match="webhook-id"):
        check(headers=headers)


def test_unencodable_id_is_a_header_error() -> None:
    with pytest.raises(WebhookHeaderError, match="webhook-id"):
        check(headers={**vector_headers(), "webhook-id": "msg_\ud800"})


@pytest.mark.parametrize("headers", ["webhook-id: x", 42, None, [("only-one",)], [1, 2]])
def test_headers_of_the_wrong_shape_are_a_type_error(headers: Any) -> None:
    with pytest.raises(TypeError, match="headers"):
        check(headers=headers if headers is not None else object())


# --- body ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [json.loads(BODY), [1, 2], 2432232314, None])
def test_parsed_body_is_a_type_error_telling_to_pass_the_raw_body(body: Any) -> None:
    with pytest.raises(TypeError) as info:
        check(body=body)
    message = str(info.value)
    assert "await request.body()" in message
    assert "request.body" in message
    assert "request.get_data()" in message


def test_bytearray_and_memoryview_bodies_are_accepted() -> None:
    assert check(body=bytearray(BODY)).id == MSG_ID
    assert check(body=memoryview(BODY)).id == MSG_ID


def test_str_body_decoded_with_surrogateescape_round_trips() -> None:
    raw = b'{"x": "\xff\xfe"}'
    headers = sign(raw, secret=SECRET, timestamp=TIMESTAMP)
    text = raw.decode("utf-8", "surrogateescape")
    assert check(body=text, headers=headers).timestamp == TIMESTAMP


def test_str_body_that_cannot_be_encoded_is_a_signature_error() -> None:
    with pytest.raises(WebhookSignatureError, match="raw request body"):
        check(body='{"x": "\ud800"}')


# --- timestamp ----------------------------------------------------------------------------------


def test_too_old_is_rejected() -> None:
    with pytest.raises(WebhookTimestampError, match="too old"):
        check(now=TIMESTAMP + 301)


def test_too_far_in_the_future_is_rejected() -> None:
    with pytest.raises(WebhookTimestampError, match="future"):
        check(now=TIMESTAMP - 301)


@pytest.mark.parametrize("offset", [-300, -299.5, 0, 299.999, 300])
def test_within_tolerance_inclusive_boundary(offset: float) -> None:
    assert check(now=TIMESTAMP + offset).timestamp == TIMESTAMP


@pytest.mark.parametrize("offset", [-300.001, 300.001])
def test_just_beyond_the_boundary(offset: float) -> None:
    with pytest.raises(WebhookTimestampError):
        check(now=TIMESTAMP + offset)


def test_custom_tolerance() -> None:
    assert check(now=TIMESTAMP + 3000, tolerance=3600).id == MSG_ID
    with pytest.raises(WebhookTimestampError, match="too old"):
        check(now=TIMESTAMP + 11, tolerance=10)


def test_default_clock_rejects_the_2021_vector() -> None:
    with pytest.raises(WebhookTimestampError, match="too old"):
        verify(body=BODY, headers=vector_headers(), secret=SECRET)


def test_default_clock_accepts_a_fresh_delivery() -> None:
    headers = sign(BODY, secret=SECRET)
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert verify(body=BODY, headers=headers, secret=SECRET).id == headers["webhook-id"]


@pytest.mark.parametrize(
    "value",
    [
        "1614265330.0",
        "1.6e9",
        "-1614265330",
        "+1614265330",
        "0x6037a2f2",
        "1614 265330",
        "".join(chr(0xFF10 + int(d)) for d in "1614265330"),  # fullwidth digits
        "".join(chr(0x0660 + int(d)) for d in "1614265330"),  # Arabic-Indic digits
        "yesterday",
        "1614265330\x00",
    ],
)
def test_non_integer_timestamp_is_a_timestamp_error(value: str) -> None:
    with pytest.raises(WebhookTimestampError, match="integer"):
        check(headers={**vector_headers(), "webhook-timestamp": value})


def test_negative_timestamp_is_a_timestamp_error() -> None:
    with pytest.raises(WebhookTimestampError):
        check(headers={**vector_headers(), "webhook-timestamp": "-5"}, now=0)


@pytest.mark.parametrize("value", ["9" * 35, "1" + "0" * 4400])
def test_huge_timestamp_is_a_timestamp_error(value: str) -> None:
    with pytest.raises(WebhookTimestampError, match="future"):
        check(headers={**vector_headers(), "webhook-timestamp": value})


def test_leading_zeros_are_signed_as_sent() -> None:
    headers = {**vector_headers(), "webhook-timestamp": "0" + str(TIMESTAMP)}
    with pytest.raises(WebhookSignatureError):
        check(headers=headers)
    signature = reference_signature(
        base64.b64decode(SECRET_BARE), MSG_ID, "0" + str(TIMESTAMP), BODY
    )
    headers["webhook-signature"] = f"v1,{signature}"
    assert check(headers=headers).timestamp == TIMESTAMP


@pytest.mark.parametrize("tolerance", [0, -1, float("inf"), float("nan"), -0.0])
def test_tolerance_must_be_finite_and_positive(tolerance: float) -> None:
    with pytest.raises(ValueError, match="tolerance") as info:
        check(tolerance=tolerance)
    assert not isinstance(info.value, WebhookVerificationError)


@pytest.mark.parametrize("tolerance", [None, "300", True])
def test_tolerance_must_be_a_number(tolerance: Any) -> None:
    with pytest.raises(TypeError, match="tolerance"):
        check(tolerance=tolerance)


@pytest.mark.parametrize("now", ["1614265330", True])
def test_now_must_be_a_number(now: Any) -> None:
    with pytest.raises(TypeError, match="now"):
        check(now=now)


@pytest.mark.parametrize("now", [float("nan"), float("inf")])
def test_now_must_be_finite(now: float) -> None:
    with pytest.raises(ValueError, match="now"):
        check(now=now)


# --- secret -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    ["", "whsec_", "   ", "whsec_!!!!", "whsec_MfKQ9r8G-_", "whsec_abcde", "whsec_ü" * 4, "===="],
)
def test_invalid_secret_is_a_secret_error(secret: str) -> None:
    with pytest.raises(WebhookSecretError) as info:
        check(secret=secret)
    assert "whsec_" in str(info.value)


def test_invalid_secret_in_a_webhook_secret_is_a_secret_error() -> None:
    with pytest.raises(WebhookSecretError):
        check(secret=WebhookSecret(key="whsec_not base64"))
    with pytest.raises(WebhookSecretError):
        check(secret=WebhookSecret(key=12345))  # type: ignore[arg-type]


def test_unpadded_secret_is_accepted() -> None:
    key = b"twenty-two bytes key!!"
    padded = base64.b64encode(key).decode()
    assert padded.endswith("==")
    headers = sign(BODY, secret="whsec_" + padded, timestamp=TIMESTAMP)
    assert check(headers=headers, secret="whsec_" + padded.rstrip("=")).timestamp == TIMESTAMP


@pytest.mark.parametrize("secret", [None, b"whsec_MfKQ", 42])
def test_secret_of_the_wrong_type_is_a_type_error(secret: Any) -> None:
    with pytest.raises(TypeError, match="secret"):
        check(secret=secret)


def test_secret_is_checked_before_headers() -> None:
    with pytest.raises(WebhookSecretError):
        check(headers={}, secret="whsec_")


# --- sign and generate_secret -------------------------------------------------------------------


def test_sign_defaults() -> None:
    first = sign(BODY, secret=SECRET)
    second = sign(BODY, secret=SECRET)
    assert set(first) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert first["webhook-id"].startswith("msg_")
    assert first["webhook-id"] != second["webhook-id"]
    assert abs(int(first["webhook-timestamp"]) - time.time()) < 5
    assert first["webhook-signature"].startswith("v1,")


def test_sign_keeps_the_id_for_a_retry() -> None:
    first = sign(BODY, secret=SECRET, msg_id="msg_retry", timestamp=TIMESTAMP)
    retry = sign(BODY, secret=SECRET, msg_id="msg_retry", timestamp=TIMESTAMP + 60)
    assert check(headers=first).id == check(headers=retry, now=TIMESTAMP + 60).id == "msg_retry"


@pytest.mark.parametrize("msg_id", ["", "msg one", "msg\r\nInjected: 1", "msg\t"])
def test_sign_rejects_bad_ids(msg_id: str) -> None:
    with pytest.raises(ValueError, match="msg_id"):
        sign(BODY, secret=SECRET, msg_id=msg_id)


@pytest.mark.parametrize(("timestamp", "error"), [(-1, ValueError), (1.5, TypeError)])
def test_sign_rejects_bad_timestamps(timestamp: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="timestamp"):
        sign(BODY, secret=SECRET, timestamp=timestamp)


def test_sign_rejects_a_non_str_id() -> None:
    with pytest.raises(TypeError, match="msg_id"):
        sign(BODY, secret=SECRET, msg_id=b"msg_1")  # type: ignore[arg-type]


def test_sign_rejects_a_str_body_utf8_cannot_encode() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        sign("\ud800", secret=SECRET)


def test_sign_rejects_a_parsed_body() -> None:
    with pytest.raises(TypeError, match="raw request body"):
        sign({"test": 1}, secret=SECRET)  # type: ignore[arg-type]


def test_generate_secret() -> None:
    secret = generate_secret()
    assert secret.key.startswith("whsec_")
    assert len(base64.b64decode(secret.key.removeprefix("whsec_"))) == 24
    assert generate_secret() != secret
    headers = sign(BODY, secret=secret, timestamp=TIMESTAMP)
    assert check(headers=headers, secret=secret).id == headers["webhook-id"]


def test_public_names() -> None:
    expected = {
        "verify",
        "parse_payload",
        "sign",
        "WebhookVerificationError",
        "WebhookHeaderError",
        "WebhookTimestampError",
        "WebhookSignatureError",
        "WebhookSecretError",
        "WebhookSecret",
        "VerifiedWebhook",
    }
    assert expected <= set(webhooks_module.__all__)
    for name in webhooks_module.__all__:
        obj = getattr(webhooks_module, name)
        if callable(obj):
            assert obj.__doc__, name
    for cls in (
        WebhookHeaderError,
        WebhookTimestampError,
        WebhookSignatureError,
        WebhookSecretError,
    ):
        assert issubclass(cls, WebhookVerificationError)
    assert issubclass(WebhookVerificationError, ValueError)


# --- secrets never leak -------------------------------------------------------------------------

LEAK_KEY = b"LEAKY-key-0123456789-abcdefghij"
LEAK_BARE = base64.b64encode(LEAK_KEY).decode()
LEAK_SECRET = "whsec_" + LEAK_BARE
LEAK_ID = "msg_leakcheck"


def leak_needles(body: bytes = BODY, timestamp: int = TIMESTAMP) -> list[str]:
    expected = reference_signature(LEAK_KEY, LEAK_ID, str(timestamp), body)
    return [
        LEAK_SECRET,
        LEAK_BARE,
        LEAK_BARE.rstrip("="),
        LEAK_BARE[:16],
        LEAK_KEY.decode(),
        LEAK_KEY.hex(),
        expected,
        expected[:16],
        base64.b64decode(expected).hex(),
    ]


def leak_cases() -> Iterator[tuple[str, Any]]:
    good = sign(BODY, secret=LEAK_SECRET, msg_id=LEAK_ID, timestamp=TIMESTAMP)

    def call(**overrides: Any) -> Any:
        kwargs: dict[str, Any] = {
            "body": BODY,
            "headers": good,
            "secret": LEAK_SECRET,
            "now": TIMESTAMP,
        }
        kwargs.update(overrides)
        return lambda: verify(**kwargs)

    yield "dict-body", call(body={"test": 1})
    yield "bad-tolerance", call(tolerance=0)
    yield "bad-now", call(now=float("nan"))
    yield "missing-header", call(headers={"webhook-id": LEAK_ID})
    yield "repeated-id", call(headers=[*good.items(), ("webhook-id", "msg_other")])
    yield "non-integer-timestamp", call(headers={**good, "webhook-timestamp": "12.5"})
    yield "huge-timestamp", call(headers={**good, "webhook-timestamp": "9" * 35})
    yield "too-old", call(now=TIMESTAMP + 10_000)
    yield "too-new", call(now=TIMESTAMP - 10_000)
    yield "no-v1", call(headers={**good, "webhook-signature": "v2,AAAA"})
    yield "mismatch-body", call(body=BODY + b" ")
    yield (
        "mismatch-near-miss",
        call(headers={**good, "webhook-signature": good["webhook-signature"][:-2] + "F="}),
    )
    yield "unencodable-body", call(body="\ud800")
    yield "secret-bad-char", call(secret=LEAK_SECRET + "!")
    yield "secret-padding-inside", call(secret=LEAK_SECRET.rstrip("=") + "=A")
    yield "secret-space", call(secret="whsec_" + LEAK_BARE[:8] + " " + LEAK_BARE[8:])
    yield "secret-object-bad", call(secret=WebhookSecret(key=LEAK_SECRET + "#"))
    yield "secret-bytes", call(secret=LEAK_SECRET.encode())
    yield "sign-bad-secret", lambda: sign(BODY, secret=LEAK_SECRET + "!")
    yield "sign-bad-id", lambda: sign(BODY, secret=LEAK_SECRET, msg_id="a b")


@pytest.mark.parametrize(("name", "action"), list(leak_cases()), ids=[n for n, _ in leak_cases()])
def test_no_error_reveals_the_secret_key_or_expected_signature(name: str, action: Any) -> None:
    with pytest.raises((WebhookVerificationError, TypeError, ValueError)) as info:
        action()
    exc = info.value
    texts = [str(exc), repr(exc), repr(exc.args), *(str(a) for a in exc.args)]
    chained = exc.__cause__ or exc.__context__
    if chained is not None:
        texts += [str(chained), repr(chained)]
    for needle in leak_needles():
        for text in texts:
            assert needle not in text, (name, text)


def test_webhook_secret_repr_hides_the_key() -> None:
    secret = WebhookSecret(key=LEAK_SECRET)
    for text in (repr(secret), str(secret), f"{secret}", repr([secret])):
        for needle in leak_needles():
            assert needle not in text


def test_leak_needles_are_meaningful() -> None:
    # The needles must be things that *would* be caught: the real expected signature is one.
    good = sign(BODY, secret=LEAK_SECRET, msg_id=LEAK_ID, timestamp=TIMESTAMP)
    assert good["webhook-signature"].removeprefix("v1,") in leak_needles()


# --- property tests against the standardwebhooks package ----------------------------------------

header_text = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=40
)
unix_seconds = st.integers(min_value=0, max_value=4_000_000_000)
key_bytes = st.binary(min_size=1, max_size=64)


def secret_of(key: bytes) -> str:
    return "whsec_" + base64.b64encode(key).decode()


@PROPERTY
@given(key=key_bytes, body=st.text(max_size=300), msg_id=header_text, ts=unix_seconds)
def test_standardwebhooks_signatures_verify(key: bytes, body: str, msg_id: str, ts: int) -> None:
    theirs = Webhook(secret_of(key))
    signature = theirs.sign(msg_id, datetime.fromtimestamp(ts, tz=UTC), body)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signature}
    result = verify(body=body.encode(), headers=headers, secret=secret_of(key), now=ts)
    assert result == VerifiedWebhook(id=msg_id, timestamp=ts)
    assert verify(body=body, headers=headers, secret=secret_of(key), now=ts) == result


@PROPERTY
@given(
    key=key_bytes,
    body=st.text(max_size=300),
    msg_id=header_text,
    skew=st.integers(min_value=-200, max_value=200),
)
def test_our_signatures_verify_with_standardwebhooks(
    key: bytes, body: str, msg_id: str, skew: int
) -> None:
    headers = sign(body, secret=secret_of(key), msg_id=msg_id, timestamp=int(time.time()) + skew)
    Webhook(secret_of(key)).verify(body, headers, json_parse=False)


@PROPERTY
@given(
    key=key_bytes,
    body=st.binary(max_size=300),
    msg_id=header_text,
    ts=unix_seconds,
    data=st.data(),
)
def test_any_single_byte_change_is_rejected(
    key: bytes, body: bytes, msg_id: str, ts: int, data: st.DataObject
) -> None:
    secret = secret_of(key)
    headers = sign(body, secret=secret, msg_id=msg_id, timestamp=ts)
    assert verify(body=body, headers=headers, secret=secret, now=ts).id == msg_id

    target = data.draw(st.sampled_from(["body", "id", "timestamp", "signature"]))
    changed_body, changed = body, dict(headers)
    if target == "body":
        assume(body)
        i = data.draw(st.integers(0, len(body) - 1))
        flip = data.draw(st.integers(1, 255))
        changed_body = body[:i] + bytes([body[i] ^ flip]) + body[i + 1 :]
    else:
        name = f"webhook-{target}"
        value = headers[name]
        start = 3 if target == "signature" else 0  # keep the "v1," tag: change the signature
        i = data.draw(st.integers(start, len(value) - 1))
        if target == "timestamp":
            choices = st.sampled_from("0123456789")
        elif target == "signature":
            choices = st.sampled_from(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
            )
        else:
            choices = st.characters(categories=["L", "N", "P", "S"])
        replacement = data.draw(choices.filter(lambda c: c != value[i]))
        changed[name] = value[:i] + replacement + value[i + 1 :]
    with pytest.raises((WebhookSignatureError, WebhookTimestampError)):
        verify(body=changed_body, headers=changed, secret=secret, now=ts)


garbage_text = st.text(
    alphabet=st.characters(codec=None, categories=None), max_size=80
) | st.binary(max_size=80).map(lambda b: b.decode("latin-1"))
garbage_value = (
    garbage_text
    | garbage_text.map(lambda s: "v1," + s)
    | st.tuples(garbage_text, garbage_text).map(lambda p: f"{p[0]} v1,{p[1]}")
    | st.integers().map(str)
    | st.binary(max_size=40)
)


@PROPERTY
@given(
    msg_id=garbage_value,
    timestamp=garbage_value | st.integers(TIMESTAMP - 500, TIMESTAMP + 500).map(str),
    signature=garbage_value,
    body=st.binary(max_size=100) | garbage_text,
    drop=st.sets(st.sampled_from(["webhook-id", "webhook-timestamp", "webhook-signature"])),
)
def test_garbage_headers_only_raise_verification_errors(
    msg_id: Any, timestamp: Any, signature: Any, body: bytes | str, drop: set[str]
) -> None:
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
    }
    for name in drop:
        del headers[name]
    with pytest.raises(WebhookVerificationError):
        verify(body=body, headers=list(headers.items()), secret=SECRET, now=TIMESTAMP)


@PROPERTY
@given(secret=garbage_text)
def test_garbage_secrets_only_raise_secret_errors_or_verify_errors(secret: str) -> None:
    # A WebhookSignatureError means valid base64 that is simply another key.
    with pytest.raises((WebhookSecretError, WebhookSignatureError)) as info:
        check(secret=secret)
    shown = secret.strip()
    if len(shown) >= 12:  # shorter strings can occur in the message by chance
        assert shown not in str(info.value)


# --- parse_payload ------------------------------------------------------------------------------


def recorded_body(name: str, index: int = -1) -> dict[str, Any]:
    exchanges = json.loads((RECORDED / name).read_text())
    body: dict[str, Any] = exchanges[index]["response"]["body"]
    return body


def test_parse_prediction_from_bytes_str_and_mapping() -> None:
    body = recorded_body("predictions-get.json", 0)
    raw = json.dumps(body)
    for given_body in (raw.encode(), raw, body, memoryview(raw.encode())):
        prediction = parse_payload(given_body)  # type: ignore[arg-type]
        assert isinstance(prediction, Prediction)
        assert prediction.id == body["id"] == "vgcm4plb7tgzlyznry5d5jkgvu"
        assert prediction.status == body["status"]
        assert prediction.model == "stability-ai/sdxl"


def test_parse_training_from_bytes_str_and_mapping() -> None:
    body = recorded_body("trainings-get.json")
    raw = json.dumps(body)
    for given_body in (raw.encode(), raw, body):
        training = parse_payload(given_body)
        assert isinstance(training, Training)
        assert training.id == "medrnz3bm5dd6ultvad2tejrte"
        assert training.status == "processing"


def test_parse_succeeded_training_by_its_output() -> None:
    body = recorded_body("trainings-cancel.json")  # its urls point under /predictions/
    assert isinstance(parse_payload(body), Prediction)
    body = {
        **body,
        "status": "succeeded",
        "output": {"version": "acme/corgi:abc123", "weights": "https://example.com/w.tar"},
    }
    training = parse_payload(body)
    assert isinstance(training, Training)
    assert training.output is not None
    assert training.output.version == "acme/corgi:abc123"


def test_parse_training_by_destination() -> None:
    body = {**recorded_body("trainings-create.json"), "destination": "acme/corgi"}
    assert isinstance(parse_payload(body), Training)


def test_prediction_with_a_dict_output_stays_a_prediction() -> None:
    body = {
        **recorded_body("predictions-get.json"),
        "output": {"version": 2, "image": "https://example.com/x.png"},
    }
    assert isinstance(parse_payload(body), Prediction)


def test_parse_with_explicit_kind() -> None:
    body = recorded_body("trainings-create.json")
    assert isinstance(parse_payload(body), Prediction)
    assert isinstance(parse_payload(body, kind="training"), Training)
    assert isinstance(
        parse_payload(recorded_body("trainings-get.json"), kind="prediction"), Prediction
    )
    with pytest.raises(ValueError, match="kind"):
        parse_payload(body, kind="deployment")  # type: ignore[call-overload]


def test_parse_a_verified_signed_delivery_end_to_end() -> None:
    raw = json.dumps(recorded_body("predictions-get.json")).encode()
    headers = sign(raw, secret=SECRET, timestamp=TIMESTAMP)
    assert check(body=raw, headers=headers).id == headers["webhook-id"]
    assert parse_payload(raw).id == "vgcm4plb7tgzlyznry5d5jkgvu"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\xfa", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
        ("[1, 2]", "array"),
        ("42", "number"),
        ("null", "null"),
        ('"text"', "string"),
        ("true", "boolean"),
        (bytearray(b"[]"), "array"),
        ('{"hello": "world"}', "prediction"),
        ('{"id": "x"}', "status"),
        ('{"id": "x", "status": "succeeded", "urls": [1]}', "urls"),
    ],
)
def test_parse_garbage_is_a_response_decoding_error(body: Any, match: str) -> None:
    with pytest.raises(ResponseDecodingError, match=match) as info:
        parse_payload(body)
    assert not isinstance(info.value, WebhookVerificationError)


def test_parse_keeps_a_payload_whose_timestamp_is_unreadable() -> None:
    # A succeeded prediction must not lose its output to a timestamp it cannot parse.
    parsed = parse_payload(
        '{"id": "x", "status": "succeeded", "created_at": "yesterday", "output": 1}'
    )
    assert parsed.created_at is None
    assert parsed.output == 1


def test_parse_rejects_non_body_types() -> None:
    with pytest.raises(ResponseDecodingError, match="bytes, str or a JSON object"):
        parse_payload(12)  # type: ignore[call-overload]
