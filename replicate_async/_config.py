"""Client configuration: options, environment resolution and validation (pure)."""

from __future__ import annotations

import math
import os
import unicodedata
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from attrs import evolve, field, frozen

from ._exceptions import ConfigurationError
from ._http import DEFAULT_BASE_URL, normalize_base_url
from ._retry import RetryPolicy
from ._types import NotGiven, TimeoutLike

__all__ = [
    "DEFAULT_TIMEOUT",
    "ClientOptions",
    "check_base_url",
    "check_call_timeout",
    "check_token",
    "resolve_options",
]

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
"""30 s to read or write, 5 s to connect, per HTTP request."""

FileEncoding = Literal["upload", "data-uri"]


@frozen(kw_only=True)
class ClientOptions:
    """Everything a client needs to know, resolved and validated once."""

    api_token: str | None = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    timeout: httpx.Timeout = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(factory=RetryPolicy)
    poll_interval: float = 0.5
    max_concurrency: int = 64
    max_streams: int = 16
    file_encoding: FileEncoding = "upload"
    max_data_uri_bytes: int = 256 * 1024
    user_agent_suffix: str | None = None
    file_output_prefixes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        token = "<set>" if self.api_token else "<missing>"
        return f"ClientOptions(api_token={token}, base_url={self.base_url!r})"

    def require_token(self) -> str:
        """Return the token, or raise ConfigurationError saying how to provide one."""
        if not self.api_token:
            raise ConfigurationError(
                "no API token: set the REPLICATE_API_TOKEN environment variable or pass "
                "api_token= to the client (tokens are at https://replicate.com/account/api-tokens)"
            )
        return self.api_token

    def replace(self, **changes: Any) -> ClientOptions:
        """Return a copy with `changes` applied (validated like the constructor's)."""
        return validate(evolve(self, **changes))


_TOKEN_HELP = (
    "copy the token again from https://replicate.com/account/api-tokens "
    "(a token is printable ASCII without spaces)"
)


def _describe_char(char: str) -> str:
    """Name a character class without showing the character (it belongs to a secret)."""
    if char in "\r\n":
        return "a line break"
    if char.isspace():
        return "whitespace"
    if ord(char) < 0x20 or ord(char) == 0x7F:
        return "a control character"
    if ord(char) > 0x7F:
        category = unicodedata.category(char)
        return "an invisible character" if category[0] in "CZ" else "a non-ASCII character"
    return "an unexpected character"  # pragma: no cover - every printable ASCII char passes


def check_token(token: str, *, source: str = "api_token") -> str:
    """Return `token` if it can be sent in an Authorization header, else raise.

    A token is printable ASCII (``!`` to ``~``) without whitespace. Leading and trailing
    whitespace (a newline copied from a file) must be stripped by the caller first.

    Args:
        token: The token, already stripped.
        source: Where it came from, for the message (``api_token`` or the env var name).

    Raises:
        ConfigurationError: The token contains a line break, whitespace, a control or a
            non-ASCII character. The message names the position and the kind of character,
            never the token or the character itself, and chains no other exception.
    """
    for position, char in enumerate(token):
        if not "!" <= char <= "~":
            problem = _describe_char(char)
            raise ConfigurationError(
                f"{source} contains {problem} at position {position + 1}, which cannot be "
                f"sent in an HTTP header: {_TOKEN_HELP}"
            )
    return token


def check_base_url(url: str) -> str:
    """Return a normalized base URL if it is usable, else raise ConfigurationError.

    The host must be present and free of whitespace and control characters, the port (if
    any) between 1 and 65535, and the URL must hold no user info (credentials would show in
    reprs and logs), query or fragment.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"invalid base URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(
            f"invalid base URL: write an absolute http(s) URL such as {DEFAULT_BASE_URL}"
        )
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            "the base URL must not contain user info (user:password@): pass the API token "
            "as api_token= instead"
        )
    shown = f"{parts.scheme}://{host}{parts.path}"
    if not host or any(c.isspace() or not c.isprintable() or c in "%\\" for c in host):
        raise ConfigurationError(f"invalid base URL {shown!r}: the host name is not valid")
    if port is not None and not 1 <= port <= 65535:
        raise ConfigurationError(f"invalid base URL {shown!r}: the port must be 1 to 65535")
    if parts.query or parts.fragment or any(c.isspace() for c in parts.path):
        raise ConfigurationError(
            f"invalid base URL {shown!r}: it must not contain a query, a fragment or spaces"
        )
    try:
        httpx.URL(url.strip())
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(f"invalid base URL {shown!r}: {exc}") from None
    return url


def check_call_timeout(value: object, *, name: str = "timeout") -> float | None:
    """Return a call's overall timeout as float seconds (None: no deadline), or raise.

    For ``run(timeout=...)``, ``wait(timeout=...)`` and ``stream(timeout=...)``.

    Raises:
        TypeError: `value` is not a number (a bool is not a number here).
        ValueError: `value` is NaN, infinite, zero or negative.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be seconds (a number) or None, not {type(value).__name__}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(
            f"{name}={value!r}: pass a finite, positive number of seconds, or None for no deadline"
        )
    return seconds


def to_timeout(value: TimeoutLike) -> httpx.Timeout:
    """Turn a number or an httpx.Timeout into a timeout with finite connect/read/write."""
    if isinstance(value, httpx.Timeout):
        timeout = value
    elif isinstance(value, int | float) and not isinstance(value, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        seconds = float(value)
        if not math.isfinite(seconds) or seconds <= 0:
            raise ValueError(
                f"timeout={value!r}: every request needs a finite, positive timeout in seconds "
                "(use run(timeout=...) for a long overall deadline)"
            )
        timeout = httpx.Timeout(seconds, connect=min(5.0, seconds))
    else:
        raise TypeError(f"timeout must be seconds or an httpx.Timeout, not {type(value).__name__}")
    for name in ("connect", "read", "write"):
        part = getattr(timeout, name)
        if part is None or not math.isfinite(part) or part <= 0:
            raise ValueError(
                f"timeout.{name}={part!r}: every request needs a finite, positive {name} "
                "timeout (use run(timeout=...) for a long overall deadline)"
            )
    pool = timeout.pool
    if pool is not None and (math.isnan(pool) or pool <= 0):
        raise ValueError(f"timeout.pool={pool!r}: pass a positive number of seconds, or None")
    return timeout


def validate(options: ClientOptions) -> ClientOptions:
    """Check every option; raise ValueError or TypeError with a fix."""
    if options.max_concurrency < 1 or options.max_streams < 1:
        raise ValueError("max_concurrency and max_streams must be at least 1")
    if not (math.isfinite(options.poll_interval) and options.poll_interval > 0):
        raise ValueError("poll_interval must be a positive number of seconds")
    if options.file_encoding not in ("upload", "data-uri"):
        raise ValueError("file_encoding must be 'upload' or 'data-uri'")
    if not 0 < options.max_data_uri_bytes <= 10 * 1024 * 1024:
        raise ValueError("max_data_uri_bytes must be between 1 and 10 MiB")
    if options.retry.max_retries < 0:
        raise ValueError("max_retries must be 0 or more")
    if math.isnan(options.retry.max_retry_after) or options.retry.max_retry_after < 0:
        raise ValueError("max_retry_after must be 0 or more seconds")
    if options.api_token is not None:
        check_token(options.api_token)
    check_base_url(options.base_url)
    return options


def resolve_options(
    api_token: str | None,
    *,
    base_url: str | None,
    timeout: TimeoutLike | NotGiven,
    max_retries: int | NotGiven,
    max_retry_after: float | NotGiven,
    poll_interval: float | NotGiven,
    max_concurrency: int,
    max_streams: int,
    file_encoding: FileEncoding,
    max_data_uri_bytes: int,
    user_agent_suffix: str | None,
    file_output_prefixes: tuple[str, ...] = (),
) -> ClientOptions:
    """Combine arguments with the REPLICATE_* environment variables."""
    if api_token is not None:
        if not isinstance(api_token, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError("api_token must be a str")
        if not api_token.strip():
            raise ConfigurationError(
                "api_token is empty: pass your Replicate API token, or leave it out to read "
                "REPLICATE_API_TOKEN"
            )
        token: str | None = check_token(api_token.strip())
    else:
        env_token = os.environ.get("REPLICATE_API_TOKEN", "").strip()
        token = check_token(env_token, source="REPLICATE_API_TOKEN") if env_token else None
    raw_base = base_url or os.environ.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL
    try:
        base = normalize_base_url(check_base_url(raw_base))
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    if isinstance(poll_interval, NotGiven):
        env = os.environ.get("REPLICATE_POLL_INTERVAL")
        try:
            poll = float(env) if env else 0.5
        except ValueError:
            raise ConfigurationError(
                "REPLICATE_POLL_INTERVAL must be a number of seconds"
            ) from None
    else:
        poll = float(poll_interval)
    policy = RetryPolicy()
    if not isinstance(max_retries, NotGiven):
        policy = evolve(policy, max_retries=max_retries)
    if not isinstance(max_retry_after, NotGiven):
        policy = evolve(policy, max_retry_after=float(max_retry_after))
    return validate(
        ClientOptions(
            api_token=token,
            base_url=base,
            timeout=DEFAULT_TIMEOUT if isinstance(timeout, NotGiven) else to_timeout(timeout),
            retry=policy,
            poll_interval=poll,
            max_concurrency=max_concurrency,
            max_streams=max_streams,
            file_encoding=file_encoding,
            max_data_uri_bytes=max_data_uri_bytes,
            user_agent_suffix=user_agent_suffix,
            file_output_prefixes=tuple(file_output_prefixes),
        )
    )
