"""Request building: URLs, same-origin checks, headers, Prefer and Cancel-After values (pure)."""

from __future__ import annotations

import functools
import math
import platform
import re
import ssl
from collections.abc import Callable
from contextvars import ContextVar
from urllib.parse import urlsplit

import httpx

from ._version import __version__

__all__ = [
    "DEFAULT_BASE_URL",
    "ACTIVE_GUARD",
    "HOLD_MARGIN",
    "MAX_HOLD",
    "MIN_SEND_SECONDS",
    "Abandoned",
    "SendGuard",
    "cancel_after_value",
    "check_guard_at_send",
    "environment_proxies",
    "hold_for_deadline",
    "normalize_base_url",
    "prefer_value",
    "tls_context",
    "same_origin",
    "user_agent",
]

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
MAX_HOLD = 60

HOLD_MARGIN = 2.0
"""Seconds left between the end of a ``Prefer: wait`` hold and the caller's deadline."""

MIN_SEND_SECONDS = {"create": 0.25, "upload": 0.25}
"""The least time left before a deadline for a request of these kinds to be sent at all."""


def hold_for_deadline(wait: bool | int, left: float | None) -> bool | int:
    """The ``Prefer: wait`` hold of a create that must answer within `left` seconds.

    The hold always ends `HOLD_MARGIN` seconds before the deadline, so the server answers
    (and the prediction id is known) in time to follow or cancel it; when too little time is
    left for a hold of a whole second, none is asked (``False``).
    """
    if wait is False or left is None:
        return wait
    window = MAX_HOLD if wait is True else int(wait)
    hold = min(window, math.floor(left - HOLD_MARGIN + 0.05))
    return hold if hold >= 1 else False


ACTIVE_GUARD: ContextVar[SendGuard | None] = ContextVar("replicate_async_send_guard", default=None)
"""The guard of the create the current task is sending (checked where the request leaves)."""


class Abandoned(Exception):
    """The caller gave up before the request left (internal signal)."""


def check_guard_at_send() -> None:
    """At the last moment before a request leaves: refuse it if its caller has given up.

    From here on the request counts as sent: its answer is read and the prediction it makes
    is cancelled if nobody follows it.
    """
    guard = ACTIVE_GUARD.get()
    if guard is None:
        return
    if guard.abandoned or guard.caller_gave_up():
        guard.abandoned = True
        raise Abandoned
    guard.sending = True


class SendGuard:
    """Shared between a caller and the job that sends its create on the client's behalf.

    The caller sets `abandoned` when it gives up; the job checks it before every attempt, so
    nothing is sent after that, and `sending` tells the caller whether a request is in flight
    (then its answer is still read, and the prediction it made is canceled unless `keep_made`
    says the caller wants it left running). `caller_gave_up`
    asks the event loop whether a cancellation is already on its way to the caller (asyncio
    delivers it at the caller's next step, which may come after the job's), so a create is
    not sent in that gap either.
    """

    __slots__ = ("abandoned", "caller_gave_up", "keep_made", "prediction_id", "sending")

    def __init__(self, caller_gave_up: Callable[[], bool] = lambda: False) -> None:
        self.abandoned: bool = False
        self.keep_made: bool = False
        """Leave running what the abandoned create makes (`cancel_on_exit=False`)."""
        self.sending: bool = False
        self.prediction_id: str | None = None
        self.caller_gave_up: Callable[[], bool] = caller_gave_up


_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS context of https requests (httpx's certificates), made once, on first use.

    Loading certificates costs milliseconds, so clients that only speak plain http (tests
    against the emulator) never pay for it. ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` are read
    then, as httpx reads them.
    """
    return httpx.create_ssl_context(trust_env=True)


def environment_proxies() -> bool:
    """Whether the environment names a proxy (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``)."""
    from urllib.request import getproxies  # loaded by httpx already

    proxies = getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


def normalize_base_url(url: str) -> str:
    """Return the API base URL without a trailing slash; a bare host gets ``/v1``."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"invalid base URL {url!r}: write an absolute http(s) URL such as {DEFAULT_BASE_URL}"
        )
    path = parts.path.rstrip("/")
    if not path:
        path = "/v1"
    return f"{parts.scheme}://{parts.netloc}{path}"


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """The (scheme, host, port) of a URL, with default ports made explicit."""
    u = httpx.URL(url) if isinstance(url, str) else url
    port = u.port or (443 if u.scheme == "https" else 80 if u.scheme == "http" else None)
    return (u.scheme, u.host, port)


def same_origin(url: str | httpx.URL, base_url: str) -> bool:
    """Whether `url` is on the API's origin (the only place the token may go)."""
    try:
        return origin(url) == origin(base_url)
    except (httpx.InvalidURL, ValueError):
        return False


def user_agent(suffix: str | None = None) -> str:
    """The User-Agent: ``replicate-async/<v> (python/<x.y>; httpx/<v>)`` plus a suffix."""
    agent = (
        f"replicate-async/{__version__} "
        f"(python/{platform.python_version()}; httpx/{httpx.__version__})"
    )
    return f"{agent} {suffix}" if suffix else agent


def prefer_value(wait: bool | int | float) -> tuple[str | None, float | None]:
    """Return the ``Prefer`` header value and the hold in seconds for a `wait` argument.

    ``True`` is the server maximum (60 s); a number of seconds from 1 to 60 sets the hold;
    ``False`` sends no hold.
    """
    if wait is False:
        return None, None
    if wait is True:
        return "wait", float(MAX_HOLD)
    if isinstance(wait, int | float) and math.isfinite(wait):  # pyright: ignore[reportUnnecessaryIsInstance]
        seconds = int(wait)
        if seconds == wait and 1 <= seconds <= MAX_HOLD:
            return f"wait={seconds}", float(seconds)
    raise ValueError(
        f"wait={wait!r} is not valid: pass True (hold up to 60 s), False (return at once), "
        "or a whole number of seconds from 1 to 60"
    )


def cancel_after_value(cancel_after: float | str) -> str:
    """Validate a Cancel-After duration (seconds, or ``"30s"``, ``"5m"``, ``"1h30m"``)."""
    seconds: float
    if isinstance(cancel_after, bool):
        raise TypeError("cancel_after takes seconds or a duration such as '5m', not a bool")
    if isinstance(cancel_after, int | float):
        seconds = float(cancel_after)
        if not math.isfinite(seconds):
            raise ValueError("cancel_after must be a finite number of seconds")
        text = f"{seconds:g}s" if seconds != int(seconds) else f"{int(seconds)}s"
    else:
        text = cancel_after.strip()
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            seconds = float(text)
            text = f"{text}s"
        else:
            match = _DURATION.match(text)
            if not text or not match or not any(match.groups()):
                raise ValueError(
                    f"cancel_after={cancel_after!r} is not a duration: write seconds (300) "
                    "or units h, m, s such as '30s', '5m' or '1h30m'"
                )
            h, m, s = match.groups()
            seconds = int(h or 0) * 3600 + int(m or 0) * 60 + float(s or 0)
    if seconds < 5:
        raise ValueError(f"cancel_after={cancel_after!r} is too short: the minimum is 5 seconds")
    return text
