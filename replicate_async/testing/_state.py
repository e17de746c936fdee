"""The emulator's in-memory store and the JSON shapes it renders.

Entities: jobs (predictions and trainings share one id space, as on the real API), models and
their versions, deployments, collections, uploaded files, output files ("blobs" served from the
emulated delivery host) and the account. By default every field the API's OpenAPI schema
requires is rendered (null where unset and the schema allows it); with ``omit_unset=True`` the
keys are left out as the 2023-2024 server left them out instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import anyio

if TYPE_CHECKING:
    from ._models import ModelSpec

__all__ = [
    "TERMINAL",
    "Blob",
    "Collection",
    "Deployment",
    "FileRef",
    "Job",
    "Model",
    "Release",
    "SseEvent",
    "Stamp",
    "Stamper",
    "Store",
    "Surface",
    "UploadedFile",
    "Version",
]

TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})

JobKind = Literal["prediction", "training"]

# -- timestamps --------------------------------------------------------------------------------

_PRECISIONS = (6, 3, 9, 2, 6, 0, 9, 3, 6, 2)
_QUANTUM = (1_000_000, 100_000, 10_000, 1_000, 100, 10, 1)
"""The rotation of fractional digit counts: 0, 2, 3, 6 and 9 digits all occur, as on the API."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """An instant, stored with the precision it is rendered with."""

    micros: int
    text: str

    @property
    def seconds(self) -> float:
        """Unix seconds."""
        return self.micros / 1_000_000


class Stamper:
    """Makes timestamps whose fractional precision varies from one stamp to the next."""

    def __init__(self) -> None:
        self._n = 0
        self._second = -1
        self._base = ""

    def stamp(self, when: float, *, not_before: Stamp | None = None) -> Stamp:
        """A stamp for `when`, never earlier than `not_before` (ordering survives truncation)."""
        digits = _PRECISIONS[self._n % len(_PRECISIONS)]
        self._n += 1
        micros = round(when * 1_000_000)
        shown = micros if digits >= 6 else micros - micros % _QUANTUM[digits]
        if not_before is not None and shown < not_before.micros:
            digits, shown = 6, max(micros, not_before.micros)
        seconds = shown // 1_000_000
        if seconds != self._second:
            self._second = seconds
            self._base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        return Stamp(shown, _format(shown, digits, self._n, self._base))


def _format(micros: int, digits: int, salt: int, base: str) -> str:
    frac = micros % 1_000_000
    if digits == 0:
        return base + "Z"
    text = f"{frac:06d}"
    if digits > 6:
        text += f"{(salt * 379) % 1000:03d}"[: digits - 6]
    return f"{base}.{text[:digits]}Z"


# -- identifiers ----------------------------------------------------------------------------------

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


class Ids:
    """Identifier factory (seedable, for reproducible runs)."""

    def __init__(self, seed: int | None = None) -> None:
        # Ids need not be unguessable (tokens and secrets below use `secrets` unless seeded),
        # and a plain generator is much cheaper than SystemRandom on the create path.
        self._seeded = seed is not None
        self._random = random.Random(seed if seed is not None else secrets.randbits(64))

    def job(self) -> str:
        """A 26-character lower-case alphanumeric id, like prediction and training ids."""
        return "".join(self._random.choices(_ID_ALPHABET, k=26))

    def token(self, length: int = 52) -> str:
        """An opaque lower-case token (stream URLs, delivery paths)."""
        return "".join(self._random.choices(_ID_ALPHABET, k=length))

    def file(self) -> str:
        """A 48-character base64 id, as the recorded Files API ids are (a UUID, encoded)."""
        raw = uuid.UUID(int=self._random.getrandbits(128), version=4)
        return base64.b64encode(str(raw).encode()).decode()

    def hex(self, nbytes: int = 32) -> str:
        """Random hex digits."""
        return self._random.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def api_token(self) -> str:
        """An ``r8_emulator…`` API token (40 characters, like real ones)."""
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        if self._seeded:
            return "r8_emulator" + "".join(self._random.choices(alphabet, k=29))
        return "r8_emulator" + "".join(secrets.choice(alphabet) for _ in range(29))

    def secret(self) -> str:
        """A ``whsec_`` webhook signing secret (24 random bytes)."""
        raw = self._random.randbytes(24) if self._seeded else secrets.token_bytes(24)
        return "whsec_" + base64.b64encode(raw).decode()


# -- URLs -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Surface:
    """Where a client reaches the emulator: the bases every absolute URL is built from."""

    api_base: str
    """The API base, ending in /v1."""
    stream_base: str
    """Prefix of stream URLs (a token follows)."""
    delivery_base: str
    """Prefix of output-file URLs (``<id>/<name>`` follows)."""
    web_base: str
    """Prefix of prediction web pages (``<id>`` follows)."""

    def prediction_url(self, job_id: str, kind: str = "predictions") -> str:
        """The API URL of a prediction or training."""
        return f"{self.api_base}/{kind}/{job_id}"


# -- files and output files -----------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Blob:
    """An output file, served without a token from the emulated delivery host."""

    id: str
    name: str
    content_type: str
    data: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file output inside a job's output, rendered as a URL (or data URI) per surface."""

    blob: Blob


@dataclass(eq=False, slots=True)
class UploadedFile:
    """A file uploaded through the Files API."""

    id: str
    name: str
    content_type: str
    data: bytes
    metadata: Any
    created_at: Stamp
    expires_at: Stamp
    md5: str
    sha256: str


# -- models ---------------------------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class Version:
    """A model version: its id, Cog schema and the code that runs it."""

    id: str
    model: Model
    created_at: Stamp
    spec: ModelSpec | None
    openapi_schema: dict[str, Any] | None
    cog_version: str | None = "0.14.0"


@dataclass(eq=False, slots=True)
class Model:
    """A model and its versions (oldest first)."""

    owner: str
    name: str
    created_at: Stamp
    description: str | None = None
    visibility: str = "public"
    hardware: str = "cpu"
    github_url: str | None = None
    paper_url: str | None = None
    license_url: str | None = None
    cover_image_url: str | None = None
    weights_url: str | None = None
    readme: str | None = None
    is_official: bool = False
    run_count: int = 0
    versions: list[Version] = field(default_factory=lambda: list[Version]())
    default_example: Job | None = None
    examples: list[Job] = field(default_factory=lambda: list[Job]())
    trainer: ModelSpec | None = None

    @property
    def ref(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"

    @property
    def latest_version(self) -> Version | None:
        """The newest version, if any."""
        return self.versions[-1] if self.versions else None


@dataclass(eq=False, slots=True)
class Release:
    """One release of a deployment."""

    number: int
    model: str
    version: str
    created_at: Stamp
    hardware: str
    min_instances: int
    max_instances: int


@dataclass(eq=False, slots=True)
class Deployment:
    """A deployment: a name for a model version on some hardware."""

    owner: str
    name: str
    seq: int
    releases: list[Release]

    @property
    def current(self) -> Release:
        """The current release."""
        return self.releases[-1]


@dataclass(eq=False, slots=True)
class Collection:
    """A curated list of models."""

    slug: str
    name: str
    description: str
    full_description: str | None
    models: list[str]


# -- jobs -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One server-sent event of a job; `data` is text or a file reference."""

    id: str
    event: str
    data: str | FileRef


@dataclass(eq=False, slots=True)
class Job:
    """A prediction or a training."""

    kind: JobKind
    id: str
    seq: int
    model: str
    version_id: str
    version: Version | None
    input: dict[str, Any]
    created_at: Stamp
    stream_token: str | None
    webhook: str | None = None
    webhook_events_filter: tuple[str, ...] | None = None
    deployment: str | None = None
    deadline: Stamp | None = None
    stream_flag: bool | None = None
    destination: str | None = None
    status: str = "starting"
    output: Any = None
    logs: str = ""
    error: str | None = None
    started_at: Stamp | None = None
    completed_at: Stamp | None = None
    metrics: dict[str, Any] | None = None
    data_removed: bool = False
    has_files: bool = False
    output_complete: bool = False
    events: list[SseEvent] = field(default_factory=lambda: list[SseEvent]())
    waiters: list[anyio.Event] = field(default_factory=lambda: list[anyio.Event]())
    cancel_scope: anyio.CancelScope | None = None
    blobs: list[Blob] = field(default_factory=lambda: list[Blob]())

    def is_terminal(self) -> bool:
        """Whether the status is final."""
        return self.status in TERMINAL

    def changed(self) -> None:
        """Wake every task waiting for this job to change."""
        if self.waiters:
            waiters, self.waiters = self.waiters, []
            for event in waiters:
                event.set()

    async def wait_changed(self) -> None:
        """Wait until the job changes (call `changed` to wake)."""
        event = anyio.Event()
        self.waiters.append(event)
        await event.wait()

    def add_event(self, kind: str, data: str | FileRef, now: float) -> None:
        """Append a server-sent event, with a ``"<unix>:<n>"`` id."""
        self.events.append(SseEvent(f"{int(now)}:{len(self.events)}", kind, data))


# -- the store ------------------------------------------------------------------------------------


class Store:
    """Everything the emulator knows, in memory."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.jobs_by_stream: dict[str, Job] = {}
        self.models: dict[str, Model] = {}
        self.versions: dict[str, Version] = {}
        self.deployments: dict[str, Deployment] = {}
        self.collections: dict[str, Collection] = {}
        self.files: dict[str, UploadedFile] = {}
        self.blobs: dict[str, Blob] = {}
        self._seq = 0

    def next_seq(self) -> int:
        """A strictly increasing number, for newest-first ordering and cursors."""
        self._seq += 1
        return self._seq

    def add_job(self, job: Job) -> None:
        """Store a new job."""
        self.jobs[job.id] = job
        if job.stream_token is not None:
            self.jobs_by_stream[job.stream_token] = job

    def remove_job_data(self, job: Job) -> None:
        """Apply the retention policy: input, output, logs and output files are deleted."""
        job.data_removed = True
        job.input = {}
        job.output = None
        job.logs = ""
        job.has_files = False
        for blob in job.blobs:
            self.blobs.pop(blob.id, None)
        job.blobs.clear()


# -- rendering ------------------------------------------------------------------------------------


def walk_files(value: Any, render: Callable[[FileRef], str]) -> Any:
    """Replace every `FileRef` inside `value` by its rendered URL."""
    if isinstance(value, FileRef):
        return render(value)
    if isinstance(value, list):
        return [walk_files(item, render) for item in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, dict):
        return {k: walk_files(v, render) for k, v in value.items()}  # pyright: ignore[reportUnknownVariableType]
    return value


def data_uri(blob: Blob) -> str:
    """A ``data:`` URI holding an output file."""
    return f"data:{blob.content_type};base64,{base64.b64encode(blob.data).decode()}"


class Renderer:
    """Turns store entities into the API's JSON objects for one surface."""

    def __init__(
        self,
        surface: Surface,
        *,
        omit_unset: bool,
        file_outputs: Literal["url", "data-uri"],
        username: str,
    ) -> None:
        self.surface = surface
        self.omit_unset = omit_unset
        self.file_outputs = file_outputs
        self.username = username

    def file_url(self, ref: FileRef) -> str:
        """The URL (or data URI) of an output file."""
        if self.file_outputs == "data-uri":
            return data_uri(ref.blob)
        return f"{self.surface.delivery_base}{ref.blob.id}/{ref.blob.name}"

    def output(self, job: Job) -> Any:
        """The job's output as JSON."""
        if job.has_files:
            return walk_files(job.output, self.file_url)
        if isinstance(job.output, list):
            return list(job.output)  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType, reportUnknownMemberType]
        return job.output

    def event_data(self, event: SseEvent) -> str:
        """The text of a server-sent event."""
        data = event.data
        return data if isinstance(data, str) else self.file_url(data)

    def job(
        self, job: Job, *, via: Literal["create", "get"] = "get", full: bool = False
    ) -> dict[str, Any]:
        """A prediction or training object.

        `via` picks the URL family of a training (create and cancel responses name it under
        /predictions, GET under /trainings, as recorded). `full` asks for the 2023 serializer
        of cancel responses and training reads in ``omit_unset`` mode: every key, unset ones
        null, plus the legacy ``webhook_completed``.
        """
        if self.omit_unset and full:
            return self._legacy_full(job, via=via)
        if job.kind == "training":
            return self._training(job, via=via)
        return self._prediction(job)

    def _urls(self, job: Job, kind: str) -> dict[str, str]:
        get = self.surface.prediction_url(job.id, kind)
        urls = {"cancel": f"{get}/cancel", "get": get}
        if not self.omit_unset and job.kind == "prediction":
            urls["web"] = f"{self.surface.web_base}{job.id}"
        # Before July 2024 a stream URL came only with "stream": true in the request.
        if job.stream_token is not None and (not self.omit_unset or job.stream_flag):
            urls["stream"] = f"{self.surface.stream_base}{job.stream_token}"
        return urls

    def _prediction(self, job: Job) -> dict[str, Any]:
        omit = self.omit_unset
        out: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "version": job.version_id,
            "input": job.input,
            "logs": job.logs,
        }
        terminal = job.is_terminal()
        if not omit or terminal or job.output is not None:
            out["output"] = self.output(job)
        if not omit or job.data_removed:
            out["data_removed"] = job.data_removed
        out["error"] = job.error
        out["status"] = job.status
        if not omit:
            out["source"] = "api"
        out["created_at"] = job.created_at.text
        if job.started_at is not None:
            out["started_at"] = job.started_at.text
        if job.completed_at is not None:
            out["completed_at"] = job.completed_at.text
        if job.deadline is not None:
            out["deadline"] = job.deadline.text
        if job.deployment is not None:
            out["deployment"] = job.deployment
        if job.metrics is not None:
            out["metrics"] = dict(job.metrics)
        if job.stream_flag is not None:
            out["stream"] = job.stream_flag
        out["urls"] = self._urls(job, "predictions")
        return out

    def _training(self, job: Job, *, via: str) -> dict[str, Any]:
        kind = "trainings" if via == "get" else "predictions"
        out: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "version": job.version_id,
            "input": job.input,
            "logs": job.logs,
            "error": job.error,
            "status": job.status,
        }
        if not self.omit_unset:
            out["source"] = "api"
        if job.output is not None:
            out["output"] = self.output(job)
        out["created_at"] = job.created_at.text
        if job.started_at is not None:
            out["started_at"] = job.started_at.text
        if job.completed_at is not None:
            out["completed_at"] = job.completed_at.text
        if job.metrics is not None:
            out["metrics"] = dict(job.metrics)
        out["urls"] = self._urls(job, kind)
        return out

    def _legacy_full(self, job: Job, *, via: str) -> dict[str, Any]:
        kind = "trainings" if job.kind == "training" and via == "get" else "predictions"
        out: dict[str, Any] = {
            "completed_at": job.completed_at.text if job.completed_at is not None else None,
            "created_at": job.created_at.text,
            "error": job.error,
            "id": job.id,
            "input": job.input,
            "logs": job.logs,
            "metrics": dict(job.metrics) if job.metrics is not None else {},
            "output": self.output(job),
            "started_at": job.started_at.text if job.started_at is not None else None,
            "status": job.status,
            "urls": self._urls(job, kind),
            "model": job.model,
            "version": job.version_id,
            "webhook_completed": None,
        }
        if job.deadline is not None:
            out["deadline"] = job.deadline.text
        if job.deployment is not None:
            out["deployment"] = job.deployment
        return out

    def version(self, version: Version) -> dict[str, Any]:
        """A version object."""
        return {
            "id": version.id,
            "created_at": version.created_at.text,
            "cog_version": version.cog_version,
            "openapi_schema": version.openapi_schema,
        }

    def model(self, model: Model) -> dict[str, Any]:
        """A model object."""
        latest = model.latest_version
        example = model.default_example
        out: dict[str, Any] = {
            "url": f"https://replicate.com/{model.owner}/{model.name}",
            "owner": model.owner,
            "name": model.name,
            "description": model.description,
            "visibility": model.visibility,
            "github_url": model.github_url,
            "paper_url": model.paper_url,
            "license_url": model.license_url,
            "run_count": model.run_count,
            "cover_image_url": model.cover_image_url,
            "default_example": self.job(example) if example is not None else None,
            "latest_version": self.version(latest) if latest is not None else None,
        }
        if not self.omit_unset:
            out["is_official"] = model.is_official
            out["weights_url"] = model.weights_url
            out["created_at"] = model.created_at.text
        return out

    def account_ref(self) -> dict[str, Any]:
        """The ``created_by`` object of a deployment release."""
        return {"type": "user", "username": self.username, "name": self.username.title()}

    def deployment(self, deployment: Deployment) -> dict[str, Any]:
        """A deployment object."""
        release = deployment.current
        return {
            "owner": deployment.owner,
            "name": deployment.name,
            "current_release": {
                "number": release.number,
                "model": release.model,
                "version": release.version,
                "created_at": release.created_at.text,
                "created_by": self.account_ref(),
                "configuration": {
                    "hardware": release.hardware,
                    "min_instances": release.min_instances,
                    "max_instances": release.max_instances,
                },
            },
        }

    def file(self, upload: UploadedFile) -> dict[str, Any]:
        """A Files API object (with the recorded extra keys name, etag and checksums.md5)."""
        return {
            "id": upload.id,
            "name": upload.name,
            "content_type": upload.content_type,
            "size": len(upload.data),
            "etag": upload.md5,
            "checksums": {"sha256": upload.sha256, "md5": upload.md5},
            "metadata": upload.metadata,
            "created_at": upload.created_at.text,
            "expires_at": upload.expires_at.text,
            "urls": {"get": f"{self.surface.api_base}/files/{upload.id}"},
        }

    def collection_summary(self, collection: Collection) -> dict[str, Any]:
        """An item of the collections list."""
        return {
            "name": collection.name,
            "slug": collection.slug,
            "description": collection.description,
        }

    def collection(self, collection: Collection, models: Iterable[Model]) -> dict[str, Any]:
        """A collection with its model objects."""
        out = self.collection_summary(collection)
        if collection.full_description is not None or not self.omit_unset:
            out["full_description"] = collection.full_description
        out["models"] = [self.model(m) for m in models]
        return out


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def digests(data: bytes) -> tuple[str, str]:
    """MD5 and SHA-256 hex digests."""
    return hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()
