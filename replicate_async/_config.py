"""Client configuration: options, environment resolution and validation (pure)."""

from __future__ import annotations

import math
import os
from typing import Any, Literal

import httpx
from attrs import evolve, field, frozen

from ._exceptions import ConfigurationError
from ._http import DEFAULT_BASE_URL, normalize_base_url
from ._retry import RetryPolicy
from ._types import NotGiven, TimeoutLike

__all__ = ["DEFAULT_TIMEOUT", "ClientOptions", "resolve_options"]

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


def to_timeout(value: TimeoutLike) -> httpx.Timeout:
    """Turn a number or an httpx.Timeout into a timeout with finite connect/read/write."""
    if isinstance(value, httpx.Timeout):
        timeout = value
    elif isinstance(value, int | float) and not isinstance(value, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        timeout = httpx.Timeout(float(value), connect=min(5.0, float(value)))
    else:
        raise TypeError(f"timeout must be seconds or an httpx.Timeout, not {type(value).__name__}")
    for name in ("connect", "read", "write"):
        part = getattr(timeout, name)
        if part is None or not math.isfinite(part) or part <= 0:
            raise ValueError(
                f"timeout.{name}={part!r}: every request needs a finite, positive {name} "
                "timeout (use run(timeout=...) for a long overall deadline)"
            )
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
        token: str | None = api_token.strip()
    else:
        token = os.environ.get("REPLICATE_API_TOKEN", "").strip() or None
    raw_base = base_url or os.environ.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL
    try:
        base = normalize_base_url(raw_base)
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
