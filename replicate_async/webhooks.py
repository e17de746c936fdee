"""Verify, parse and sign Replicate webhook deliveries (the Standard Webhooks scheme).

This module is pure: no client, no I/O, the same in async and sync code.

```python
from replicate_async.webhooks import parse_payload, verify

verified = verify(body=raw_body, headers=request.headers, secret=secret)
prediction = parse_payload(raw_body)
```

Every delivery carries three headers: ``webhook-id`` (the message id, the same on every retry
of one message), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``
(one or more space-separated ``v1,<base64>`` entries). The signature is the base64 of
HMAC-SHA256 over ``{webhook-id}.{webhook-timestamp}.{raw body}``, keyed with the base64-decoding
of the account's ``whsec_...`` secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets as _secrets
import string
import time
from collections.abc import Iterable, Mapping
from typing import Any, Literal, cast, overload

from ._exceptions import (
    ResponseDecodingError,
    WebhookHeaderError,
    WebhookSecretError,
    WebhookSignatureError,
    WebhookTimestampError,
    WebhookVerificationError,
)
from .types.predictions import Prediction
from .types.trainings import Training
from .types.webhooks import VerifiedWebhook, WebhookSecret

__all__ = [
    "DEFAULT_TOLERANCE",
    "VerifiedWebhook",
    "WebhookHeaderError",
    "WebhookSecret",
    "WebhookSecretError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "generate_secret",
    "parse_payload",
    "sign",
    "verify",
]

DEFAULT_TOLERANCE: float = 300.0
"""Seconds a delivery's timestamp may differ from the current time, in either direction."""

_SECRET_PREFIX = "whsec_"
_ID_HEADER = "webhook-id"
_TIMESTAMP_HEADER = "webhook-timestamp"
_SIGNATURE_HEADER = "webhook-signature"
_REQUIRED_HEADERS = (_ID_HEADER, _TIMESTAMP_HEADER, _SIGNATURE_HEADER)
_SIGNATURE_VERSION = "v1"
#: More significant digits than this is far beyond any plausible Unix time (year 33658 at 12).
_MAX_TIMESTAMP_DIGITS = 15
_ASCII_DIGITS = frozenset(string.digits)
#: HTTP optional whitespace (RFC 9110): only space and horizontal tab, never Unicode spaces.
_OWS = " \t"
_ID_ALPHABET = string.ascii_letters + string.digits

_RAW_BODY_HINT = (
    "pass the raw request body exactly as received, as bytes: `await request.body()` in "
    "Starlette/FastAPI, `request.body` in Django, `request.get_data()` in Flask"
)


def verify(
    *,
    body: bytes | str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    secret: str | WebhookSecret,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> VerifiedWebhook:
    """Check that a webhook delivery was signed by Replicate and is recent.

    The signature is checked over the raw body, so pass the bytes exactly as they arrived
    (never a parsed and re-serialised JSON object). The timestamp must lie within `tolerance`
    seconds of the current time in both directions, which limits replays; there is no way to
    turn this check off, but tests can pin the clock with `now`.

    Replicate retries the final delivery of a prediction when your endpoint fails, and the same
    message can arrive more than once. The returned id is the same on every retry of one
    message, so use it to make the handler idempotent (see the example below).

    Args:
        body: The raw request body. A `str` is encoded as UTF-8; anything else (such as a
            parsed `dict`) raises `TypeError`.
        headers: The request headers: any mapping, including the header objects of Starlette,
            Django (`request.headers`) and Flask/Werkzeug, or a sequence of ``(name, value)``
            pairs. Names are matched case-insensitively.
        secret: The account's signing secret, ``whsec_<base64>`` (the bare base64 part is also
            accepted), or a `WebhookSecret` from ``client.webhooks.default_secret()``.
        tolerance: How many seconds the ``webhook-timestamp`` may be older or newer than `now`;
            a finite positive number, 5 minutes by default.
        now: The current Unix time in seconds; defaults to the system clock. For tests.

    Returns:
        The verified message id and timestamp.

    Raises:
        TypeError: `body` is not bytes or str, `headers` is neither a mapping nor a sequence
            of pairs, `secret` is not a str or `WebhookSecret`, or `tolerance`/`now` is not
            a number.
        ValueError: `tolerance` or `now` is not a finite number (`tolerance` must be > 0).
        WebhookSecretError: The secret is empty or not valid base64; the message never
            contains it.
        WebhookHeaderError: A required header is missing, empty, repeated with different
            values or not text.
        WebhookTimestampError: The timestamp is not a non-negative integer, or is too old or
            too far in the future.
        WebhookSignatureError: The signature header has no ``v1`` entry, or no ``v1`` entry
            matches.

    Example:
        ```python
        verified = verify(body=raw, headers=request.headers, secret=secret)
        if await seen_before(verified.id):  # e.g. INSERT ... ON CONFLICT DO NOTHING on the id
            return Response(status_code=200)  # already handled: acknowledge, do nothing
        prediction = parse_payload(raw)
        ```
    """
    raw_body = _body_bytes(body)
    tolerance = _check_tolerance(tolerance)
    current = _check_now(now)
    key = _decode_secret(secret)
    found = _collect_headers(headers)

    missing = [name for name in _REQUIRED_HEADERS if not found.get(name)]
    if missing:
        names = ", ".join(missing)
        raise WebhookHeaderError(
            f"the webhook request lacks the {names} header{'s' if len(missing) > 1 else ''} "
            f"(every Replicate delivery carries {', '.join(_REQUIRED_HEADERS)}; pass the request "
            "headers unchanged)"
        )
    msg_id = _single_value(found, _ID_HEADER)
    timestamp_text = _single_value(found, _TIMESTAMP_HEADER)
    signature_header = " ".join(found[_SIGNATURE_HEADER])

    try:
        id_bytes = msg_id.encode("utf-8")
    except UnicodeEncodeError:
        raise WebhookHeaderError(f"the {_ID_HEADER} header is not valid text") from None

    timestamp = _parse_timestamp(timestamp_text)
    _check_freshness(timestamp, current, tolerance)

    expected = _signature(key, id_bytes, timestamp_text.encode("ascii"), raw_body)
    if not _signature_matches(signature_header, expected):
        raise WebhookSignatureError(
            f"no {_SIGNATURE_VERSION} signature in the {_SIGNATURE_HEADER} header matches this "
            "delivery; check that the secret is this account's current one and that the body is "
            "the raw request body exactly as received (not re-serialised JSON)"
        )
    return VerifiedWebhook(id=msg_id, timestamp=timestamp)


def sign(
    body: bytes | str,
    *,
    secret: str | WebhookSecret,
    msg_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Sign a webhook body the way Replicate does, returning the three request headers.

    The local emulator signs its deliveries with this function, and you can use it to test
    your own webhook handler:

    ```python
    body = json.dumps(prediction_json).encode()
    headers = sign(body, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    response = test_client.post("/webhooks/replicate", content=body, headers=headers)
    ```

    Args:
        body: The exact body you will send; a `str` is encoded as UTF-8.
        secret: The signing secret, ``whsec_<base64>`` (or bare base64), or a `WebhookSecret`.
        msg_id: The ``webhook-id``; defaults to a new random ``msg_...`` id. Reuse one id to
            simulate a retried delivery.
        timestamp: The ``webhook-timestamp`` in Unix seconds; defaults to now.

    Returns:
        The ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers.

    Raises:
        TypeError: `body`, `secret`, `msg_id` or `timestamp` has the wrong type.
        ValueError: `msg_id` is empty or contains whitespace or control characters, or
            `timestamp` is negative.
        WebhookSecretError: The secret is empty or not valid base64.
    """
    raw_body = _body_bytes(body, for_signing=True)
    key = _decode_secret(secret)
    if msg_id is None:
        msg_id = "msg_" + "".join(_secrets.choice(_ID_ALPHABET) for _ in range(24))
    elif not isinstance(msg_id, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"msg_id must be a str, not {type(msg_id).__name__}")
    elif not msg_id or not msg_id.isprintable() or any(c.isspace() for c in msg_id):
        raise ValueError("msg_id must be a non-empty string without whitespace or control chars")
    if timestamp is None:
        timestamp = int(time.time())
    elif isinstance(timestamp, bool) or not isinstance(timestamp, int):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"timestamp must be an int (Unix seconds), not {type(timestamp).__name__}")
    elif timestamp < 0:
        raise ValueError("timestamp must not be negative")
    timestamp_text = str(timestamp)
    # isprintable() above rejects lone surrogates, so the id always encodes.
    digest = _signature(key, msg_id.encode("utf-8"), timestamp_text.encode("ascii"), raw_body)
    return {
        _ID_HEADER: msg_id,
        _TIMESTAMP_HEADER: timestamp_text,
        _SIGNATURE_HEADER: f"{_SIGNATURE_VERSION},{digest.decode('ascii')}",
    }


def generate_secret() -> WebhookSecret:
    """Make a new random signing secret (24 random bytes, as ``whsec_<base64>``).

    Useful for tests and for the local emulator; real deliveries are signed with the secret
    from ``client.webhooks.default_secret()``.

    Returns:
        A new secret.
    """
    return WebhookSecret(key=_SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(24)).decode())


@overload
def parse_payload(
    body: bytes | str | Mapping[str, Any], *, kind: Literal["prediction"]
) -> Prediction: ...
@overload
def parse_payload(
    body: bytes | str | Mapping[str, Any], *, kind: Literal["training"]
) -> Training: ...
@overload
def parse_payload(
    body: bytes | str | Mapping[str, Any], *, kind: None = None
) -> Prediction | Training: ...
def parse_payload(
    body: bytes | str | Mapping[str, Any],
    *,
    kind: Literal["prediction", "training"] | None = None,
) -> Prediction | Training:
    """Turn a webhook body into a typed `Prediction` or `Training`.

    Call it after `verify`. A delivery's body is the same object ``GET /predictions/{id}`` (or
    ``GET /trainings/{id}``) would return at that moment. A body is taken for a training when
    its URLs point under ``/trainings/``, when it names a ``destination``, or when its output is
    an object with only ``version``/``weights`` keys and a ``weights`` key; otherwise it is a
    prediction. Pass `kind` when you know which one your endpoint receives.

    Args:
        body: The raw body (bytes or str), or the already decoded JSON object.
        kind: ``"prediction"`` or ``"training"`` to skip the detection.

    Returns:
        The prediction or training the delivery describes.

    Raises:
        ResponseDecodingError: The body is not JSON, not a JSON object, or does not fit the
            model (for example it has no ``id`` or ``status``). `payload` holds what was
            received and `errors` the failing fields.
        ValueError: `kind` is not ``"prediction"``, ``"training"`` or ``None``.
    """
    if kind not in (None, "prediction", "training"):
        raise ValueError(f"kind must be 'prediction', 'training' or None, not {kind!r}")
    payload: object = body if isinstance(body, Mapping) else _decode_json(body)
    if not isinstance(payload, Mapping):
        raise ResponseDecodingError(
            f"the webhook body is a JSON {_json_kind(payload)}, not an object describing a "
            "prediction or training",
            payload=payload,
        )
    obj = cast("Mapping[str, Any]", payload)
    if kind is None:
        kind = "training" if _looks_like_training(obj) else "prediction"
    cls: type[Prediction] | type[Training] = Training if kind == "training" else Prediction
    try:
        # Called through the module: pyright cannot type cattrs when run outside the venv.
        from . import _serde  # the converter loads only when a payload is parsed

        return _serde.structure(obj, cls)  # pyright: ignore[reportUnknownMemberType]
    except ResponseDecodingError as exc:
        detail = "; ".join(exc.errors[:5])
        raise ResponseDecodingError(
            f"the webhook body does not describe a {kind}" + (f" ({detail})" if detail else ""),
            payload=obj,
            errors=exc.errors,
        ) from exc


# --- helpers ------------------------------------------------------------------------------------


def _body_bytes(body: object, *, for_signing: bool = False) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(cast("bytes", body))
    if isinstance(body, str):
        # surrogateescape gives back the original bytes of a body decoded with that handler.
        try:
            return body.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            if for_signing:
                raise ValueError("the body contains characters that UTF-8 cannot encode") from None
            raise WebhookSignatureError(
                f"the body contains characters that UTF-8 cannot encode, so it cannot be the "
                f"signed body; {_RAW_BODY_HINT}"
            ) from None
    raise TypeError(
        f"body must be the raw request body (bytes or str), not {type(body).__name__}; "
        f"the signature covers the exact bytes sent, so {_RAW_BODY_HINT}"
    )


def _check_tolerance(tolerance: object) -> float:
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        raise TypeError(f"tolerance must be a number of seconds, not {type(tolerance).__name__}")
    value = float(tolerance)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            "tolerance must be a finite number of seconds greater than 0 (the timestamp check "
            "cannot be turned off; pin `now=` in tests instead)"
        )
    return value


def _check_now(now: object) -> float:
    if now is None:
        return time.time()
    if isinstance(now, bool) or not isinstance(now, int | float):
        raise TypeError(f"now must be a number of Unix seconds, not {type(now).__name__}")
    value = float(now)
    if not math.isfinite(value):
        raise ValueError("now must be a finite number of Unix seconds")
    return value


def _decode_secret(secret: object) -> bytes:
    """Return the HMAC key of a secret. Errors never include the secret or the key."""
    if isinstance(secret, WebhookSecret):
        text: object = cast("object", secret.key)
    elif isinstance(secret, str):
        text = secret
    else:
        raise TypeError(
            f"secret must be a str ('whsec_...') or a WebhookSecret, not {type(secret).__name__}"
        )
    if not isinstance(text, str):
        raise WebhookSecretError("the webhook secret is not a string")
    text = text.strip()
    if text.startswith(_SECRET_PREFIX):
        text = text[len(_SECRET_PREFIX) :]
    text = text.rstrip("=")
    invalid = WebhookSecretError(
        "the webhook secret is not valid: expected 'whsec_' followed by base64 (the value is "
        "not shown); get it with `await client.webhooks.default_secret()`"
    )
    if not text or not text.isascii() or len(text) % 4 == 1:
        raise invalid
    try:
        # Never empty: `text` has at least 2 base64 characters here.
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise invalid from None


def _decode_json(body: object) -> object:
    data: str | bytes
    if isinstance(body, str | bytes):
        data = body
    elif isinstance(body, bytearray | memoryview):
        data = bytes(cast("bytes", body))
    else:
        raise ResponseDecodingError(
            f"the webhook body must be bytes, str or a JSON object, not {type(body).__name__}",
            payload=body,
        )
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise ResponseDecodingError("the webhook body is not valid JSON", payload=data) from None


def _collect_headers(headers: Any) -> dict[str, list[str]]:
    """Gather the values of the three webhook headers, matching names case-insensitively."""
    if isinstance(headers, str | bytes | bytearray):
        raise TypeError("headers must be a mapping or a sequence of (name, value) pairs")
    items_method = getattr(headers, "items", None)
    pairs: Any
    if callable(items_method):
        pairs = items_method()
    elif hasattr(headers, "__iter__"):
        pairs = headers
    else:
        raise TypeError(
            f"headers must be a mapping or a sequence of (name, value) pairs, "
            f"not {type(headers).__name__}"
        )
    found: dict[str, list[str]] = {}
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError(
                "headers must be a mapping or a sequence of (name, value) pairs"
            ) from None
        if isinstance(name, bytes | bytearray):
            name = bytes(name).decode("latin-1")
        if not isinstance(name, str):
            continue
        lowered = name.strip(_OWS).lower()
        if lowered not in _REQUIRED_HEADERS:
            continue
        if isinstance(value, bytes | bytearray):
            value = bytes(value).decode("latin-1")
        if not isinstance(value, str):
            raise WebhookHeaderError(f"the {lowered} header is not text")
        value = value.strip(_OWS)
        if value:
            found.setdefault(lowered, []).append(value)
    return found


def _single_value(found: dict[str, list[str]], name: str) -> str:
    values = found[name]
    if any(v != values[0] for v in values[1:]):
        raise WebhookHeaderError(f"the {name} header appears more than once, with different values")
    return values[0]


def _parse_timestamp(text: str) -> int:
    if not text or not all(c in _ASCII_DIGITS for c in text):
        raise WebhookTimestampError(
            f"the {_TIMESTAMP_HEADER} header must be a non-negative integer number of Unix "
            "seconds (ASCII digits only)"
        )
    if len(text.lstrip("0")) > _MAX_TIMESTAMP_DIGITS:
        raise WebhookTimestampError(
            f"the {_TIMESTAMP_HEADER} header is too far in the future (it has more than "
            f"{_MAX_TIMESTAMP_DIGITS} digits)"
        )
    return int(text)


def _check_freshness(timestamp: int, now: float, tolerance: float) -> None:
    age = now - timestamp
    if age > tolerance:
        raise WebhookTimestampError(
            f"the {_TIMESTAMP_HEADER} {timestamp} is too old: {age:.0f} s before now, beyond the "
            f"tolerance of {tolerance:g} s (a delayed or replayed delivery, or a wrong clock)"
        )
    if -age > tolerance:
        raise WebhookTimestampError(
            f"the {_TIMESTAMP_HEADER} {timestamp} is too far in the future: {-age:.0f} s after "
            f"now, beyond the tolerance of {tolerance:g} s (check this machine's clock)"
        )


def _signature(key: bytes, msg_id: bytes, timestamp: bytes, body: bytes) -> bytes:
    """Return the base64 (ASCII bytes) of HMAC-SHA256 over ``id.timestamp.body``."""
    mac = hmac.new(key, msg_id + b"." + timestamp + b".", hashlib.sha256)
    mac.update(body)
    return base64.b64encode(mac.digest())


def _signature_matches(header: str, expected: bytes) -> bool:
    """Compare every ``v1`` entry with `expected` in constant time.

    The base64 text is compared as ASCII bytes rather than decoded, so only the canonical
    encoding matches. Entries without a comma are skipped, as are other version tags; a header
    with no ``v1`` entry at all is an error of its own.
    """
    seen_v1 = False
    matched = False
    for entry in header.replace("\t", " ").split(" "):
        version, sep, candidate = entry.partition(",")
        if not sep or version != _SIGNATURE_VERSION:
            continue
        seen_v1 = True
        if not candidate.isascii():
            continue
        # Keep comparing after a match, so the time taken does not depend on where it was.
        if hmac.compare_digest(expected, candidate.encode("ascii")):
            matched = True
    if not seen_v1:
        raise WebhookSignatureError(
            f"the {_SIGNATURE_HEADER} header has no {_SIGNATURE_VERSION} entry (expected one "
            f"or more space-separated '{_SIGNATURE_VERSION},<base64>' entries)"
        )
    return matched


def _looks_like_training(obj: Mapping[str, Any]) -> bool:
    urls = obj.get("urls")
    if isinstance(urls, Mapping):
        for name in ("get", "cancel"):
            url = cast("Mapping[str, Any]", urls).get(name)
            if isinstance(url, str) and "/trainings/" in url:
                return True
    if obj.get("destination") is not None:
        return True
    output = obj.get("output")
    if isinstance(output, Mapping):
        keys = set(cast("Mapping[str, Any]", output))
        if "weights" in keys and keys <= {"version", "weights"}:
            return True
    return False


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return type(value).__name__  # pragma: no cover - json.loads returns nothing else
