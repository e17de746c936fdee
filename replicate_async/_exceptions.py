"""The errors replicate_async raises, and the mapping from HTTP responses to them.

```
ReplicateError
├── ConfigurationError               missing token, bad base URL; raised before any request
├── APIStatusError                   status_code, type, title, detail, instance, retry_after, ...
│   ├── BadRequestError              400
│   ├── AuthenticationError          401
│   ├── PaymentRequiredError         402
│   ├── PermissionDeniedError        403
│   ├── NotFoundError                404
│   ├── ConflictError                409
│   ├── RequestTooLargeError         413
│   ├── UnprocessableEntityError     422
│   ├── RateLimitError               429
│   └── InternalServerError          >= 500   (other statuses: plain APIStatusError)
├── APIConnectionError               request, request_sent
│   └── APITimeoutError              also a builtin TimeoutError
├── ResponseDecodingError            the body is not JSON, or did not fit the model
├── PredictionError                  prediction (the last known Prediction)
│   ├── PredictionFailedError        status "failed"; alias ModelError
│   ├── PredictionCanceledError      status "canceled"
│   │   └── PredictionAbortedError   status "aborted"
│   └── PredictionTimeoutError       the caller's timeout expired; also a builtin TimeoutError
├── TrainingTimeoutError             training; trainings.wait's timeout expired; a TimeoutError
└── WebhookVerificationError         also a ValueError
    ├── WebhookHeaderError
    ├── WebhookTimestampError
    ├── WebhookSignatureError
    └── WebhookSecretError
```

This module is pure: it performs no I/O.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ._logging import redact

if TYPE_CHECKING:
    import httpx

    from .types.predictions import Prediction
    from .types.trainings import Training

EXCERPT_CHARS = 200
"""How much of an undecodable body an error shows (whitespace collapsed, tokens redacted)."""

__all__ = [
    "EXCERPT_CHARS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "InternalServerError",
    "ModelError",
    "NotFoundError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PredictionAbortedError",
    "PredictionCanceledError",
    "PredictionError",
    "PredictionFailedError",
    "PredictionTimeoutError",
    "TrainingTimeoutError",
    "RateLimitError",
    "ReplicateError",
    "RequestTooLargeError",
    "ResponseDecodingError",
    "UnprocessableEntityError",
    "WebhookHeaderError",
    "WebhookSecretError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "body_excerpt",
    "decode_json_body",
    "decoding_error",
]

#: Retry hints longer than this are treated as garbage (about 31 years).
_MAX_SANE_HINT = 1e9
_DETAIL_SECONDS = re.compile(r"~\s*(\d+(?:\.\d+)?)\s*s\b")
_DETAIL_SECOND_WORD = re.compile(r"available in (\d+(?:\.\d+)?) seconds?\b")


class ReplicateError(Exception):
    """The base class of every error replicate_async raises on purpose."""


class ConfigurationError(ReplicateError):
    """The client is configured wrongly (for example no API token); raised before any request."""


class APIStatusError(ReplicateError):
    """The API answered with a non-success HTTP status.

    The RFC 7807 problem document fields are attributes; members the server added that are not
    listed here stay available in `body`.
    """

    status_code: int
    """The HTTP status code of the response."""
    type: str | None
    """The problem `type` URI, when the server sent one."""
    title: str | None
    """The problem title, such as ``"Unauthenticated"``."""
    detail: str | None
    """The human-readable explanation the server gave."""
    instance: str | None
    """The problem `instance`, when the server sent one."""
    retry_after: float | None
    """Seconds the server asked the client to wait before trying again, if it said."""
    request_id: str | None
    """The server's request id, when a response header carried one."""
    response: httpx.Response
    """The HTTP response (its body already read)."""
    body: object
    """The decoded JSON body, the text of a non-JSON body, or ``None`` when empty."""
    hint: str | None
    """Advice from replicate_async on how to fix the call, when it has some."""
    attempts: int
    """How many HTTP attempts were made before giving up."""

    def __init__(
        self,
        response: httpx.Response,
        *,
        body: object = None,
        hint: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        problem: Mapping[str, object] = (
            cast("Mapping[str, object]", body) if isinstance(body, Mapping) else {}
        )
        self.type = _str_or_none(problem.get("type"))
        self.title = _str_or_none(problem.get("title"))
        self.detail = _str_or_none(problem.get("detail"))
        self.instance = _str_or_none(problem.get("instance"))
        self.retry_after = retry_after_hint(response.headers, problem)
        self.request_id = _request_id(response.headers)
        self.hint = hint
        self.attempts = attempts
        super().__init__(self._message())

    def _message(self) -> str:
        reason = self.title or _reason_phrase(self.status_code)
        text = f"{self.status_code} {reason}"
        if self.detail:
            text += f": {self.detail}"
        elif (
            isinstance(self.body, str)
            and self.body.strip()
            and len(self.body) < 200
            and not self.body.lstrip().startswith("<")
        ):
            text += f": {' '.join(self.body.split())}"
        if self.retry_after is not None and self.status_code == 429:
            text += f" (retry after {self.retry_after:g} s)"
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return text


class BadRequestError(APIStatusError):
    """HTTP 400: the request was malformed."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API token is missing or invalid."""


class PaymentRequiredError(APIStatusError):
    """HTTP 402: the account has no credit or no payment method."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the token may not do this."""


class NotFoundError(APIStatusError):
    """HTTP 404: the resource does not exist (or is not visible to this token)."""


class ConflictError(APIStatusError):
    """HTTP 409: the request conflicts with the resource's current state."""


class RequestTooLargeError(APIStatusError):
    """HTTP 413: the request body was too large (files must be under 100 MB)."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request was understood but refused (bad version, invalid input)."""


class RateLimitError(APIStatusError):
    """HTTP 429: the request was throttled; `retry_after` says for how long, when known."""


class InternalServerError(APIStatusError):
    """HTTP 500 or above: the server (or a proxy in front of it) failed."""


class APIConnectionError(ReplicateError):
    """The HTTP request failed in transport: no response was received."""

    request: httpx.Request | None
    """The request that failed."""
    request_sent: bool
    """False when the failure came before any byte of the request was sent."""
    attempts: int
    """How many HTTP attempts were made before giving up."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx.Request | None = None,
        request_sent: bool = True,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.request = request
        self.request_sent = request_sent
        self.attempts = attempts


class APITimeoutError(APIConnectionError, TimeoutError):
    """The HTTP request timed out (connect, read, write or pool)."""


class ResponseDecodingError(ReplicateError):
    """The API's response could not be understood: not JSON, or not the expected shape.

    A body that is not JSON at all (an HTML page from a proxy, a truncated body, a corrupt
    gzip encoding) has `payload` ``None`` and a short `excerpt`; a JSON body that did not fit
    the model has the decoded `payload` and the failing field paths in `errors`. The message
    never includes headers or the token.
    """

    payload: object
    """The raw decoded payload (``None`` when the body was not JSON)."""
    errors: list[str]
    """Readable paths of the fields that failed, from cattrs."""
    status_code: int | None
    """The HTTP status of the response, when known."""
    request_id: str | None
    """The server's request id, when a response header carried one."""
    excerpt: str | None
    """The start of an undecodable body (whitespace collapsed, tokens redacted)."""
    attempts: int
    """How many HTTP attempts were made before giving up."""

    def __init__(
        self,
        message: str,
        *,
        payload: object = None,
        errors: list[str] | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        excerpt: str | None = None,
        attempts: int = 1,
    ):
        super().__init__(message)
        self.payload = payload
        self.errors = errors or []
        self.status_code = status_code
        self.request_id = request_id
        self.excerpt = excerpt
        self.attempts = attempts


class PredictionError(ReplicateError):
    """A prediction ended in a way the call cannot return normally."""

    prediction: Prediction
    """The last known state of the prediction."""

    def __init__(self, prediction: Prediction, message: str | None = None) -> None:
        self.prediction = prediction
        super().__init__(message or self._describe())

    def _describe(self) -> str:
        p = self.prediction
        text = f"prediction {p.id}"
        if p.model:
            text += f" of {p.model}"
        text += f" {self._verb()}"
        if p.error:
            text += f": {_one_line(str(p.error))}"
        last = _last_log_line(p.logs)
        if last:
            text += f" (last log line: {last})"
        return text

    def _verb(self) -> str:
        return f"ended with status {self.prediction.status}"


class PredictionFailedError(PredictionError):
    """The prediction's status is ``failed``: the model raised or the platform failed it."""

    def _verb(self) -> str:
        return "failed"


ModelError = PredictionFailedError
"""Alias of `PredictionFailedError`, for code migrating from the `replicate` package."""


class PredictionCanceledError(PredictionError):
    """The prediction's status is ``canceled`` (by a user or its Cancel-After deadline)."""

    def _verb(self) -> str:
        return "was canceled"


class PredictionAbortedError(PredictionCanceledError):
    """The prediction's status is ``aborted``: its Cancel-After deadline passed before start."""

    def _verb(self) -> str:
        return "was aborted before it started (its Cancel-After deadline passed)"


class PredictionTimeoutError(PredictionError, TimeoutError):
    """The caller's `timeout` expired; the prediction was asked to cancel on the server."""

    def _verb(self) -> str:
        return f"did not finish in time (last status {self.prediction.status}); it was canceled"


class TrainingTimeoutError(ReplicateError, TimeoutError):
    """The `timeout` of `trainings.wait` expired; the training was asked to cancel."""

    training: Training
    """The last known state of the training."""

    def __init__(self, training: Training) -> None:
        self.training = training
        super().__init__(
            f"training {training.id} did not finish in time (last status {training.status}); "
            "it was canceled"
        )


def outcome_error(prediction: Prediction, *, reason: str | None = None) -> PredictionError | None:
    """The error for a prediction that ended without success; None when it succeeded.

    The status decides, or `reason` when given: how a stream said the prediction ended
    (``"error"``, ``"canceled"``, ``"aborted"``) while its final state could not be read.
    """
    status = prediction.status if reason is None else _REASON_STATUS.get(reason, reason)
    if status == "succeeded":
        return None
    if status == "failed":
        return PredictionFailedError(prediction)
    if status == "aborted":
        return PredictionAbortedError(prediction)
    if status == "canceled":
        return PredictionCanceledError(prediction)
    return PredictionError(prediction)


_REASON_STATUS = {"error": "failed"}


def check_outcome(prediction: Prediction) -> Prediction:
    """Return a succeeded prediction; raise the typed error for any other terminal status."""
    error = outcome_error(prediction)
    if error is not None:
        raise error
    return prediction


class WebhookVerificationError(ReplicateError, ValueError):
    """A webhook delivery failed verification. Messages never contain the secret."""


class WebhookHeaderError(WebhookVerificationError):
    """A webhook-id, webhook-timestamp or webhook-signature header is missing or malformed."""


class WebhookTimestampError(WebhookVerificationError):
    """The webhook-timestamp is not an integer, or lies outside the tolerance."""


class WebhookSignatureError(WebhookVerificationError):
    """No v1 signature matched the body, or a signature entry was malformed."""


class WebhookSecretError(WebhookVerificationError):
    """The secret is not of the form ``whsec_<base64>``."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    """Return the error class for an HTTP status code."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def decode_error_body(response: httpx.Response) -> object:
    """Decode an error body leniently: JSON when it parses, else text, else ``None``."""
    content = response.content
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        try:
            return content.decode("utf-8", errors="replace")
        except Exception:  # pragma: no cover - decode with errors="replace" cannot fail
            return None


def body_excerpt(content: bytes, limit: int = EXCERPT_CHARS) -> str:
    """The start of a body as one line of text: whitespace collapsed, tokens redacted."""
    text = content[: limit * 4].decode("utf-8", errors="replace")
    text = "".join(c if c.isprintable() else " " for c in text)
    text = redact(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _context(response: httpx.Response) -> str:
    parts = [f"HTTP {response.status_code}"]
    content_type = response.headers.get("content-type")
    if content_type:
        parts.append(_one_line(content_type, 60))
    request_id = _request_id(response.headers)
    if request_id:
        parts.append(f"request id {_one_line(request_id, 80)}")
    return ", ".join(parts)


def decode_json_body(response: httpx.Response, *, attempts: int = 1) -> Any:
    """Decode the JSON body of a successful response whose body has been read.

    Returns ``None`` for an empty body. A redirect (3xx), which the API never answers on its
    JSON routes, raises the `APIStatusError` of its status.

    Raises:
        ResponseDecodingError: The body is not JSON (an HTML page, a truncated or non-UTF-8
            body); it carries `status_code`, `request_id` and a short `excerpt`.
        APIStatusError: The response is a redirect or an error status.
    """
    if response.status_code >= 300:
        raise from_response(response, attempts=attempts)
    content = response.content
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        reason = "it was cut short" if _looks_truncated(content) else "it is not JSON"
        excerpt = body_excerpt(content)
        error = ResponseDecodingError(
            f"the API's response could not be decoded: {reason} ({_context(response)}): "
            f"{excerpt!r}",
            status_code=response.status_code,
            request_id=_request_id(response.headers),
            excerpt=excerpt,
            attempts=attempts,
        )
        raise error from exc


def _looks_truncated(content: bytes) -> bool:
    text = content.strip()
    if text[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return exc.msg.startswith("Unterminated string") or exc.pos >= len(exc.doc) - 1
    except ValueError:
        return False
    return False  # pragma: no cover - callers only ask about bodies that failed


def decoding_error(
    exc: httpx.DecodingError, response: httpx.Response | None = None, *, attempts: int = 1
) -> ResponseDecodingError:
    """The typed error for a body httpx could not decode (a corrupt gzip or brotli encoding).

    Pass the response when it is at hand (a streamed response whose read failed), so that the
    error carries its status and request id. The caller raises it ``from exc``. Whether to
    retry is the request loop's decision: the body may be whole again on a second attempt.
    """
    status = response.status_code if response is not None else None
    request_id = _request_id(response.headers) if response is not None else None
    where = f" (HTTP {status}" + (f", request id {request_id})" if request_id else ")")
    encoding = response.headers.get("content-encoding") if response is not None else None
    what = f"its {_one_line(encoding, 40)} content-encoding" if encoding else "its encoding"
    return ResponseDecodingError(
        f"the API's response could not be decoded: {what} is corrupt"
        + (where if status is not None else f" ({type(exc).__name__})"),
        status_code=status,
        request_id=request_id,
        attempts=attempts,
    )


def from_response(
    response: httpx.Response, *, hint: str | None = None, attempts: int = 1
) -> APIStatusError:
    """Build the typed error for a non-success response whose body has been read."""
    cls = status_error_class(response.status_code)
    return cls(response, body=decode_error_body(response), hint=hint, attempts=attempts)


def parse_retry_after_header(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a Retry-After header value (delta-seconds or HTTP-date) into seconds.

    Garbage, negative, non-finite or absurdly large values give ``None``.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{1,12}(\.\d+)?", value):
        seconds = float(value)
        return seconds if seconds <= _MAX_SANE_HINT else None
    try:
        import email.utils  # only an HTTP-date Retry-After needs it

        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    current = time.time() if now is None else now
    try:
        delta = when.timestamp() - current
    except (OverflowError, OSError, ValueError):  # pragma: no cover - platform dependent
        return None
    return max(0.0, delta) if delta <= _MAX_SANE_HINT else None


def retry_after_hint(
    headers: Mapping[str, str] | httpx.Headers, body: object, *, now: float | None = None
) -> float | None:
    """Return the server's retry hint in seconds: header, then body field, then detail text."""
    header = parse_retry_after_header(headers.get("retry-after"), now=now)
    if header is not None:
        return header
    if isinstance(body, Mapping):
        problem: Mapping[str, Any] = body  # pyright: ignore[reportUnknownVariableType]
        raw = problem.get("retry_after")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw)
            if math.isfinite(value) and 0 <= value <= _MAX_SANE_HINT:
                return value
        detail = problem.get("detail")
        if isinstance(detail, str):
            for pattern in (_DETAIL_SECONDS, _DETAIL_SECOND_WORD):
                match = pattern.search(detail)
                if match:
                    value = float(match.group(1))
                    if value <= _MAX_SANE_HINT:
                        return value
    return None


def _request_id(headers: httpx.Headers) -> str | None:
    for name in ("x-request-id", "request-id", "cf-ray"):
        value: str | None = headers.get(name)
        if value:
            return value
    return None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _reason_phrase(status_code: int) -> str:
    try:
        import http

        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _last_log_line(logs: str | None) -> str | None:
    if not logs:
        return None
    for line in reversed(logs.replace("\r", "\n").split("\n")):
        if line.strip():
            return _one_line(line, 200)
    return None
