"""The emulator's shared core: options, store, clock, identifiers and URL surfaces."""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import unquote_to_bytes, urlsplit

from ._clock import Clock, ClockMode
from ._state import Blob, Ids, Job, Renderer, Stamp, Stamper, Store, Surface, UploadedFile, digests

if TYPE_CHECKING:
    from ._faults import FaultPlan
    from ._runner import Runner
    from ._webhooks import WebhookDispatcher

__all__ = ["IN_PROCESS", "Core", "Options", "socket_surface"]

logger = logging.getLogger("replicate_async.testing")

IN_PROCESS = Surface(
    api_base="http://replicate.emulator/v1",
    stream_base="http://stream.replicate.emulator/v1/streams/",
    delivery_base="https://emulator.replicate.delivery/",
    web_base="http://replicate.emulator/p/",
)
"""The in-process surface: any host works through a transport, so these never resolve."""

STREAM_HOST = "stream.replicate.emulator"
DELIVERY_HOST = "emulator.replicate.delivery"


def socket_surface(host: str, port: int) -> Surface:
    """The surface of the socket server at ``host:port`` (one origin for everything)."""
    shown = f"[{host}]" if ":" in host else host
    origin = f"http://{shown}:{port}"
    return Surface(
        api_base=f"{origin}/v1",
        stream_base=f"{origin}/v1/streams/",
        delivery_base=f"{origin}/delivery/",
        web_base=f"{origin}/p/",
    )


@dataclass(slots=True)
class Options:
    """Behaviour switches of one emulator (see `Emulator` for their meaning)."""

    api_token: str
    accept_any_token: bool = False
    username: str = "emulator"
    omit_unset: bool = False
    file_outputs: Literal["url", "data-uri"] = "url"
    retention: float | None = 3600.0
    file_expiry: float = 24 * 3600.0
    max_file_size: int = 100 * 1024 * 1024
    setup_time: float = 0.0
    sync_early_return: bool = False
    finalize_delay: float = 0.1
    sse_comment: bool = True
    sse_resume: Literal["after-id", "replay"] = "after-id"
    webhook_retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0, 29.0)
    webhook_throttle: float = 0.5
    webhook_timeout: float = 10.0
    clock: ClockMode = "instant"


async def _guarded(func: Callable[..., Awaitable[Any]], *args: Any) -> None:
    """Run a background task; an exception is logged, never let out into the task group.

    The emulator's task group serves every request: one failing task (a defect, a receiver
    that misbehaves) must not cancel the rest and stop the emulator from answering.
    """
    try:
        await func(*args)
    except Exception:
        logger.exception("an emulator background task (%s) failed", getattr(func, "__name__", func))


class InputFileError(Exception):
    """An input file URL the emulator cannot resolve."""


_FILE_PATH = re.compile(r"^/v1/files/([^/?#]+)$")
_DELIVERY_PATH = re.compile(r"^/delivery/([^/]+)/([^/]+)$")
_BARE_DELIVERY_PATH = re.compile(r"^/([^/]+)/([^/]+)$")


class RateCounter:
    """``ratelimit-remaining`` bookkeeping: requests per class in the current second."""

    LIMITS: ClassVar[dict[str, int]] = {"create": 600, "poll": 60000, "other": 3000}

    def __init__(self) -> None:
        self._window = 0
        self._counts: dict[str, int] = {}

    def take(self, kind: str) -> int:
        """Count one request of `kind` and return how many remain in this window."""
        window = int(time.monotonic())
        if window != self._window:
            self._window = window
            self._counts = {}
        used = self._counts.get(kind, 0) + 1
        self._counts[kind] = used
        return max(0, self.LIMITS[kind] - used)


class Core:
    """Everything one emulator shares between its app, runner, webhooks and transports."""

    def __init__(self, options: Options, *, seed: int | None, webhook_secret: str | None) -> None:
        self.options: Options = options
        self.store: Store = Store()
        self.clock: Clock = Clock(options.clock)
        self.stamper: Stamper = Stamper()
        self.ids: Ids = Ids(seed)
        self.webhook_secret: str = webhook_secret or self.ids.secret()
        self.files_secret: str = self.ids.hex(24)
        self.socket: Surface | None = None
        self.rate: RateCounter = RateCounter()
        self._renderers: dict[Surface, Renderer] = {}
        self.spawner: Callable[..., object] | None = None
        # Set by the Emulator once the parts exist (they refer back to the core).
        self.runner: Runner
        self.webhooks: WebhookDispatcher
        self.faults: FaultPlan

    # -- tasks ---------------------------------------------------------------------------------

    def spawn(self, func: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Start a background task in the emulator's task group."""
        if self.spawner is None:
            raise RuntimeError(
                "the emulator is not running: use `async with emulator:` (or a client from "
                "emulator.async_client()/client(), or an httpx client entered with `async with`)"
            )
        self.spawner(_guarded, func, *args)

    # -- rendering -----------------------------------------------------------------------------

    @property
    def primary(self) -> Surface:
        """The surface used where no request names one (webhook bodies): sockets if serving."""
        return self.socket or IN_PROCESS

    def renderer(self, surface: Surface | None = None) -> Renderer:
        """The renderer for a surface."""
        surface = surface or self.primary
        found = self._renderers.get(surface)
        if found is None:
            found = Renderer(
                surface,
                omit_unset=self.options.omit_unset,
                file_outputs=self.options.file_outputs,
                username=self.options.username,
            )
            self._renderers[surface] = found
        return found

    # -- time ----------------------------------------------------------------------------------

    def now(self) -> float:
        """The emulator clock, Unix seconds."""
        return self.clock.now()

    def stamp(self, *, not_before: Stamp | None = None, offset: float = 0.0) -> Stamp:
        """A timestamp for now (plus `offset` seconds)."""
        return self.stamper.stamp(self.clock.now() + offset, not_before=not_before)

    # -- retention and expiry ----------------------------------------------------------------

    def touch(self, job: Job) -> Job:
        """Apply data retention lazily: terminal jobs past the retention lose their data."""
        retention = self.options.retention
        if (
            retention is not None
            and not job.data_removed
            and job.is_terminal()
            and self.clock.now() >= job.created_at.seconds + retention
        ):
            self.store.remove_job_data(job)
        return job

    def live_file(self, file_id: str) -> UploadedFile | None:
        """An uploaded file, unless unknown or expired (expired files are deleted)."""
        upload = self.store.files.get(file_id)
        if upload is not None and self.clock.now() >= upload.expires_at.seconds:
            del self.store.files[file_id]
            return None
        return upload

    # -- output files --------------------------------------------------------------------------

    def make_blob(self, job: Job | None, data: bytes, name: str, content_type: str) -> Blob:
        """Store an output file and return it."""
        md5, _ = digests(data)
        blob = Blob(self.ids.token(32), name, content_type, bytes(data), md5)
        self.store.blobs[blob.id] = blob
        if job is not None:
            job.blobs.append(blob)
        return blob

    def resolve_input_file(self, url: str) -> tuple[bytes, str]:
        """The bytes and a filename behind an input file URL (data:, Files API or delivery)."""
        if url.startswith("data:"):
            header, sep, payload = url[5:].partition(",")
            if not sep:
                raise InputFileError("malformed data: URI")
            params = header.split(";")
            try:
                data = (
                    base64.b64decode(payload, validate=False)
                    if "base64" in params[1:]
                    else unquote_to_bytes(payload)
                )
            except (binascii.Error, ValueError) as exc:
                raise InputFileError(f"malformed data: URI ({exc})") from None
            ext = mimetypes.guess_extension(params[0] or "text/plain") or ".bin"
            return data, f"input{ext}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise InputFileError(f"unsupported URL scheme in {url!r}")
        found = _FILE_PATH.match(parts.path)
        if found:
            upload = self.live_file(found.group(1))
            if upload is None:
                raise InputFileError(f"{url} returned 404 File not found")
            return upload.data, upload.name
        found = _DELIVERY_PATH.match(parts.path)
        if found is None and (parts.hostname or "") == DELIVERY_HOST:
            found = _BARE_DELIVERY_PATH.match(parts.path)
        if found:
            blob = self.store.blobs.get(found.group(1))
            if blob is None:
                raise InputFileError(f"{url} returned 404 Not Found")
            return blob.data, blob.name
        raise InputFileError(
            f"cannot fetch {url}: the emulator reads only data: URIs, its Files API URLs and "
            "its own output-file URLs"
        )
