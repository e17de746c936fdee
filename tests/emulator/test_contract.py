"""The contract suite: the emulator against openapi.json and against the recorded exchanges.

1. Every response the emulator produces in a scenario touching all 37 operations (successes and
   errors) validates against the response schema openapi.json documents for it (OpenAPI 3.0's
   ``nullable`` read as JSON Schema's ``null`` type; ``date-time`` and ``uri`` formats checked).
   Undocumented error statuses (401, 404, 422, ...) must be problem documents with a ``detail``.
2. Every recorded interaction in tests/fixtures/recorded/ is replayed against an emulator set
   up with the same models: same status, and the same set of fields, up to the deliberate
   differences listed (with their reason) in `DEFAULT_DIFFERENCES` and `LEGACY_DIFFERENCES`.
   Recordings made before July 2024 are compared with the emulator's ``omit_unset=True``
   (2023-2024 habits) mode, later ones with its default (spec) mode.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeAlias, cast
from urllib.parse import urlsplit

import anyio
import httpx
import jsonschema
import jsonschema.protocols
import pytest

from replicate_async.testing import Emulator, Log, Progress, log, sleep
from replicate_async.testing.demo import make_png

from .conftest import auth

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SPEC = json.loads((FIXTURES / "openapi.json").read_text())
# A value parsed from JSON: `isinstance` narrows it to a precisely typed dict or list.
JsonValue: TypeAlias = dict[str, Any] | list[Any] | str | int | float | bool | None
RECORDED = sorted((FIXTURES / "recorded").glob("*.json"))

# -- part 1: schema validation ------------------------------------------------------------------


def _convert(node: JsonValue) -> Any:
    """OpenAPI schema → JSON Schema: inline $refs, turn ``nullable`` into a null type."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _convert(target)
    out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example", "examples")}
    if node.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


PROBLEM = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string"},
        "status": {"type": "integer"},
        "title": {"type": "string"},
    },
}

OPERATIONS: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
for _path, _methods in SPEC["paths"].items():
    _pattern = re.compile("^/v1" + re.sub(r"\{[^}]+\}", "[^/]+", _path) + "$")
    for _method, _operation in _methods.items():
        OPERATIONS.append((_method.upper(), _pattern, _operation["operationId"], _operation))


def operation_of(request: httpx.Request) -> tuple[str, dict[str, Any]] | None:
    for method, pattern, operation_id, operation in OPERATIONS:
        if request.method == method and pattern.match(request.url.path):
            return operation_id, operation
    return None


class Recorder(httpx.AsyncBaseTransport):
    """Wraps a transport and keeps every (request, response) pair with a non-stream body."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    async def __aenter__(self) -> Recorder:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.inner.__aexit__(*exc_info)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if response.headers.get("content-type") != "text/event-stream":
            await response.aread()
            self.exchanges.append((request, response))
        return response


def validate(request: httpx.Request, response: httpx.Response) -> str | None:
    """None when the response fits the spec; the operation id when it is a documented one."""
    found = operation_of(request)
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if found is None:
        assert response.status_code in (404, 405), (request, response.status_code)
        jsonschema.validate(response.json(), PROBLEM)
        return None
    operation_id, operation = found
    documented = operation["responses"].get(str(response.status_code))
    if documented is None:
        assert response.status_code >= 400, (operation_id, response.status_code)
        assert media == "application/problem+json", (operation_id, response.status_code, media)
        jsonschema.validate(response.json(), PROBLEM)
        return None
    content = documented.get("content")
    if not content:
        if response.status_code >= 400:  # undescribed error body: a problem document, if any
            if response.content:
                jsonschema.validate(response.json(), PROBLEM)
            return None
        assert response.content == b"", operation_id
        return operation_id
    spec_media = next(iter(content))
    assert media == spec_media, (operation_id, media, spec_media)
    schema = _convert(content[spec_media]["schema"])
    if spec_media == "application/octet-stream":
        return operation_id
    value: Any = response.text if spec_media == "text/plain" else response.json()
    validator = jsonschema.Draft202012Validator(schema, format_checker=FORMATS)
    cast("jsonschema.protocols.Validator", validator).validate(value)
    return operation_id if response.status_code < 400 else None


async def exercise_every_operation(emu: Emulator, api: httpx.AsyncClient) -> None:
    """Touch all 37 operations, with successes and the usual errors."""

    @emu.model("acme/llm")
    async def llm(prompt: str) -> AsyncIterator[str | Log | Progress]:
        yield Log("loading")
        for i, word in enumerate(prompt.split()):
            yield Progress(i, 2)
            await sleep(1)
            yield word

    await api.get("/account")
    await api.get("/hardware")
    await api.get("/webhooks/default/secret")
    await api.get("/collections")
    await api.get("/collections/demo")
    await api.get("/collections/missing")
    await api.get("/search", params={"query": "demo"})
    await api.get("/search")
    # models
    await api.get("/models")
    await api.get("/models", params={"sort_by": "model_created_at", "sort_direction": "asc"})
    await api.request("QUERY", "/models", content="demo", headers={"content-type": "text/plain"})
    await api.post(
        "/models",
        json={"owner": "emulator", "name": "mine", "visibility": "private", "hardware": "cpu"},
    )
    await api.post("/models", json={"owner": "emulator"})
    await api.get("/models/demo/echo")
    await api.get("/models/acme/llm")
    await api.patch("/models/emulator/mine", json={"readme": "# Mine", "description": "mine"})
    await api.get("/models/emulator/mine/readme")
    await api.get("/models/demo/echo/readme")
    await api.get("/models/no/readme/readme")
    await api.get("/models/demo/echo/versions")
    version = (await api.get("/models/demo/echo")).json()["latest_version"]["id"]
    await api.get(f"/models/demo/echo/versions/{version}")
    # predictions, every status
    created = (
        await api.post("/predictions", json={"version": version, "input": {"text": "a"}})
    ).json()
    await api.get(created["urls"]["get"])
    await api.post(
        "/models/acme/llm/predictions",
        json={"input": {"prompt": "x y"}},
        headers={"Prefer": "wait=1"},
    )
    await api.post(
        "/models/acme/llm/predictions",
        json={"input": {"prompt": "x y"}},
        headers={"Prefer": "wait", "Cancel-After": "1m"},
    )
    await api.post("/models/demo/fail/predictions", json={"input": {}}, headers={"Prefer": "wait"})
    running = (
        await api.post("/models/demo/sleep/predictions", json={"input": {"seconds": 100}})
    ).json()
    await api.post(running["urls"]["cancel"])
    await api.post(running["urls"]["cancel"])
    await api.post("/models/demo/image/predictions", json={"input": {}}, headers={"Prefer": "wait"})
    await api.post("/predictions", json={"version": "0" * 64, "input": {}})
    await api.post("/predictions", json={"version": "demo/echo", "input": {}, "extra": 1})
    await api.post(
        "/models/demo/echo/predictions", json={"input": {}}, headers={"Cancel-After": "1s"}
    )
    await api.get("/predictions")
    await api.get("/predictions", params={"source": "web"})
    await api.get("/predictions/missing")
    await api.get("/models/demo/echo/examples")
    # deployments
    await api.post(
        "/deployments",
        json={
            "name": "prod",
            "model": "demo/echo",
            "version": version,
            "hardware": "cpu",
            "min_instances": 0,
            "max_instances": 1,
        },
    )
    await api.post("/deployments", json={"name": "prod"})
    await api.get("/deployments")
    await api.get("/deployments/emulator/prod")
    await api.patch("/deployments/emulator/prod", json={"max_instances": 2})
    await api.post(
        "/deployments/emulator/prod/predictions",
        json={"input": {"text": "d"}},
        headers={"Prefer": "wait"},
    )
    await api.delete("/deployments/emulator/prod")
    # trainings
    await api.post(
        f"/models/demo/echo/versions/{version}/trainings",
        json={"destination": "emulator/mine", "input": {"x": 1}},
    )
    await api.post(
        f"/models/demo/echo/versions/{version}/trainings",
        json={"destination": "nobody/none", "input": {}},
    )
    training = (await api.get("/trainings")).json()["results"][0]
    await api.get(f"/trainings/{training['id']}")
    await emu.settle()
    await api.get(f"/trainings/{training['id']}")
    await api.post(f"/trainings/{training['id']}/cancel")
    await api.get("/trainings")
    # files
    upload = (await api.post("/files", files={"content": ("a.txt", b"abc", "text/plain")})).json()
    await api.get("/files")
    await api.get(upload["urls"]["get"])
    await api.get(f"/files/{upload['id']}/download")
    await api.delete(upload["urls"]["get"])
    await api.get(upload["urls"]["get"])
    await api.delete(upload["urls"]["get"])
    # versions and models deleted last
    throwaway = emu.add_model("acme/llm", llm, version="e" * 64)
    await api.delete(f"/models/acme/llm/versions/{throwaway}")
    emu.add_model("emulator/empty", visibility="private")
    await api.delete("/models/emulator/empty")
    await api.delete("/models/emulator/mine")
    # and a few without a token
    await api.get("/account", headers={"Authorization": ""})
    await api.get("/nope")
    await api.delete("/predictions")
    await emu.settle()
    for prediction in (await api.get("/predictions")).json()["results"]:
        await api.get(prediction["urls"]["get"])


async def test_every_response_validates_against_openapi_json() -> None:
    emu = Emulator(demo=True)
    recorder = Recorder(emu.async_transport())
    async with httpx.AsyncClient(
        transport=recorder, base_url=emu.base_url, headers=auth(emu)
    ) as api:
        await exercise_every_operation(emu, api)
    covered = {validate(request, response) for request, response in recorder.exchanges}
    documented = {operation_id for _, _, operation_id, _ in OPERATIONS}
    assert len(documented) == 37
    assert documented <= covered, sorted(documented - covered)
    statuses = {
        r.json().get("status")
        for q, r in recorder.exchanges
        if "predictions" in q.url.path and r.status_code in (200, 201)
    }
    assert {"starting", "processing", "succeeded", "failed", "canceled"} <= statuses


def test_the_validator_catches_violations() -> None:
    """A broken response must fail validation (the suite above could not fail otherwise)."""
    request = httpx.Request("GET", "http://replicate.emulator/v1/predictions/abc")
    good = {
        "id": "abc", "model": "a/b", "version": "v", "input": {}, "output": None,
        "data_removed": False, "error": None, "status": "starting",
        "created_at": "2024-01-01T00:00:00Z", "urls": {"get": "http://x/y", "cancel": "http://x/z", "web": "http://x/w"},
    }  # fmt: skip
    headers = {"content-type": "application/json"}
    assert validate(request, httpx.Response(200, json=good, headers=headers)) == "predictions.get"
    for broken in (
        {**good, "status": "queued"},
        {k: v for k, v in good.items() if k != "data_removed"},
        {**good, "created_at": "yesterday"},
        {**good, "urls": {"get": "http://x/y"}},
        {**good, "logs": None},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(request, httpx.Response(200, json=broken, headers=headers))


# -- part 2: the recorded interactions --------------------------------------------------------------

SDXL = ["39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b", "7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc"]  # fmt: skip
LLAMA2 = "02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3"

DEFAULT_DIFFERENCES = {
    "+source": "spec field, sent by the emulator on every prediction; no recording has it",
    "+urls.web": "spec-required; the 2023-2024 servers did not send it",
    "+started_at": "sync answers returned early in processing: the emulator has stamped "
    "started_at, the October 2024 server had not yet",
    "+is_official": "spec field; absent from the 2023-2024 recordings",
    "+results[].is_official": "spec field; absent from the 2023-2024 recordings",
    "+results[].weights_url": "model field seen from October 2024; the July 2024 search "
    "results predate it",
}
LEGACY_DIFFERENCES = {
    "+metrics.total_time": "2023 servers reported predict_time only; April 2024 ones both, "
    "which the emulator always does",
    "+model": "a 2023 read twelve days after creation omitted model; the emulator keeps it",
    "-webhook_completed": "that same 2023 read carried the legacy webhook_completed: null, "
    "which the emulator sends only in its full (cancel, training) serializer",
    "-created_at": "models gained created_at in 2024; omit_unset mode reproduces the 2023 "
    "model object, so the April 2024 reads have one key more",
}

# The files recorded after the July 2024 change (stream URLs unasked, then sync mode) are
# compared with the default mode; the others with omit_unset=True.
MODERN = {
    "file-operations.json",
    "file-prediction.json",
    "models-search.json",
    *(p.name for p in RECORDED if "_blocking[" in p.name),
}


def field_paths(body: JsonValue, prefix: str = "") -> set[str]:
    """Dotted key paths of a response body (nested objects that are API-defined only)."""
    if isinstance(body, list):
        first: JsonValue = body[0] if body else None
        return field_paths(first, prefix + "[].") if isinstance(first, dict) else set()
    if not isinstance(body, dict):
        return set()
    paths: set[str] = set()
    value: JsonValue
    for key, value in body.items():
        if key == "truncated_from":  # added by the fixture converter, not an API field
            continue
        path = prefix + key
        paths.add(path)
        if key in (
            "urls",
            "metrics",
            "checksums",
            "current_release",
            "latest_version",
        ) and isinstance(value, dict):
            paths |= field_paths(value, path + ".")
        if key in ("results", "models") and isinstance(value, list):
            paths |= field_paths(value, path)
    return paths


def recorded_world(name: str) -> Emulator:
    modern = name in MODERN
    blocking = "_blocking[" in name
    emu = Emulator(
        clock="instant" if modern else "manual",
        omit_unset=not modern,
        username="replicate" if name.startswith("trainings") else "test",
        sync_early_return=blocking,
        file_outputs="data-uri" if "test_predictions_create_blocking" in name else "url",
        retention=None,
    )

    async def sdxl(
        prompt: str, width: int = 1024, height: int = 1024, seed: int | None = None
    ) -> list[bytes]:
        """SDXL-like: five progress steps of a second each, then one PNG."""
        for step in range(5):
            log(Progress(step, 5).line())
            await sleep(1)
        return [make_png(8, 8, seed or 0)]

    async def llm(prompt: str, system_prompt: str = "") -> AsyncIterator[str]:
        for word in re.findall(r"\s*\S+", "Fuzzy, gentle eyes\nLlama's soft humming fills air"):
            await sleep(0.1)
            yield word

    meta: dict[str, Any] = {"github_url": "https://github.com/Stability-AI/generative-models", "paper_url": "https://arxiv.org/abs/2307.01952", "license_url": "https://example.com/license", "cover_image_url": "https://tjzk.replicate.delivery/cover.png"}  # fmt: skip
    for version in SDXL:
        emu.add_model(
            "stability-ai/sdxl",
            sdxl,
            version=version,
            stream=modern,
            setup_time=1,
            official=False,
            description="A text-to-image generative AI model",
            **meta,
        )
    emu.add_model(
        "meta/llama-2-70b-chat",
        llm,
        version=LLAMA2,
        setup_time=1,
        description="A 70 billion parameter language model",
    )
    emu.add_model(
        "meta/meta-llama-3-8b-instruct",
        llm,
        setup_time=1,
        description="An 8 billion parameter language model",
    )
    emu.add_model("mattt/empty")
    emu.add_model("replicate/dreambooth-sdxl", visibility="private")
    emu.add_collection(
        "text-to-image",
        name="Text to image",
        description="Models that generate images from text prompts",
        models=["stability-ai/sdxl"],
    )
    for i in range(30):
        emu.add_model(f"bulk/llama-{i:02d}", llm, description="a llama")
    return emu


ORDER = ["starting", "processing", "succeeded", "failed", "canceled", "aborted"]


class Replayer:
    def __init__(self, name: str, emu: Emulator, api: httpx.AsyncClient) -> None:
        self.name = name
        self.emu = emu
        self.api = api
        self.ids: dict[str, str] = {}

    def url(self, recorded: str) -> str:
        parts = urlsplit(recorded)
        path = parts.path
        for old, new in self.ids.items():
            path = path.replace(old, new)
        query = f"?{parts.query}" if parts.query else ""
        if parts.hostname == "replicate.delivery":
            return path + query
        return self.emu.base_url.removesuffix("/v1") + path + query

    async def status(self, job_id: str) -> str:
        return str(self.emu.prediction(job_id)["status"])

    async def drive(self, job_id: str, target: str) -> bool:
        """Move a job forward to `target`; False when it is already past it."""
        for _ in range(50):
            await self.emu.settle()
            current = await self.status(job_id)
            if current == target:
                return True
            if ORDER.index(current) > ORDER.index(target) or current in ("failed", "aborted"):
                return False
            if target == "canceled":
                await self.api.post(f"/predictions/{job_id}/cancel")
            else:
                await self.emu.advance(1 if current == "starting" else 10)
        return False

    async def fresh(self, body: dict[str, Any], training: bool) -> str:
        if training:
            version = body["version"]
            created = await self.api.post(
                f"/models/{body['model']}/versions/{version}/trainings",
                json={"destination": "replicate/dreambooth-sdxl", "input": body["input"]},
            )
        else:
            created = await self.api.post(
                "/predictions", json={"version": body["version"], "input": body["input"]}
            )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    async def prepare(self, request: dict[str, Any], recorded: dict[str, Any]) -> None:
        """Bring the job a read or cancel names into the recorded state."""
        body: JsonValue = recorded["body"]
        match = re.search(r"/v1/(predictions|trainings)/([a-z0-9]{26})(/cancel)?$", request["url"])
        if not match or not isinstance(body, dict) or "status" not in body:
            return
        recorded_id, cancel = match.group(2), match.group(3)
        training = match.group(1) == "trainings"
        job_id = self.ids.get(recorded_id)
        if cancel:  # a cancel needs a job that is still running
            if job_id is None or await self.status(job_id) in ORDER[2:]:
                self.ids[recorded_id] = await self.fresh(body, training)
            return
        target = body["status"]
        if job_id is None or not await self.drive(job_id, target):
            job_id = await self.fresh(body, training)
            assert await self.drive(job_id, target), (self.name, target)
        self.ids[recorded_id] = job_id

    async def delivery_url(self) -> str:
        created = await self.api.post(
            "/models/stability-ai/sdxl/predictions",
            json={"input": {"prompt": "x"}},
            headers={"Prefer": "wait"},
        )
        output = (await self.api.get(created.json()["urls"]["get"])).json()["output"]
        return str(output[0])

    async def send(self, request: dict[str, Any]) -> httpx.Response:
        headers = {
            k: v
            for k, v in request["headers"].items()
            if k in ("content-type", "prefer", "cancel-after")
        }
        body = request["body"]
        content: bytes | None = None
        if isinstance(body, str):
            content = body.encode()
        elif body is not None:
            content = json.dumps(body).encode()
        url: str = request["url"]
        if urlsplit(url).hostname == "replicate.delivery":
            return await self.api.get(await self.delivery_url())
        return await self.api.request(
            request["method"], self.url(request["url"]), headers=headers, content=content
        )


def compare(name: str, index: int, recorded: Any, emulated: Any) -> list[str]:
    allowed = DEFAULT_DIFFERENCES if name in MODERN else LEGACY_DIFFERENCES
    want, got = field_paths(recorded), field_paths(emulated)
    differences = sorted({f"+{p}" for p in got - want} | {f"-{p}" for p in want - got})
    return [f"{name}#{index}: {d}" for d in differences if d not in allowed]


@pytest.mark.parametrize("path", RECORDED, ids=[p.name for p in RECORDED])
async def test_recorded_interactions_replay(path: Path) -> None:
    interactions = json.loads(await anyio.Path(path).read_text())
    emu = recorded_world(path.name)
    problems: list[str] = []
    headers = auth(emu)
    async with httpx.AsyncClient(
        transport=emu.async_transport(), base_url=emu.base_url, headers=headers
    ) as api:
        replayer = Replayer(path.name, emu, api)
        if path.name == "file-operations.json":  # the recorded account had other files
            await api.post("/files", files={"content": ("other.txt", b"", "text/plain")})
        for index, interaction in enumerate(interactions):
            request, recorded = interaction["request"], interaction["response"]
            if recorded["status"] == 401:
                api.headers["Authorization"] = "Bearer r8_not_the_emulators"
            await replayer.prepare(request, recorded)
            response = await replayer.send(request)
            api.headers.update(headers)
            assert response.status_code == recorded["status"], (path.name, index, response.text)
            body: JsonValue = recorded["body"]
            if isinstance(body, dict) and body.get("omitted_binary"):
                assert response.headers["content-type"] == body["content_type"]
                for header in ("cache-control", "access-control-allow-origin", "etag"):
                    assert header in response.headers, header
                assert response.headers["cache-control"] == recorded["headers"]["cache-control"]
                continue
            if body is None:
                assert response.content == b""
                continue
            emulated = response.json()
            problems += compare(path.name, index, body, emulated)
            if isinstance(body, dict):
                if isinstance(body.get("id"), str) and isinstance(emulated.get("id"), str):
                    replayer.ids.setdefault(body["id"], emulated["id"])
                if isinstance(body.get("next"), str):
                    assert (
                        emulated["next"].startswith(emu.base_url) and "cursor=" in emulated["next"]
                    )
                for key in ("created_at", "started_at", "completed_at", "expires_at"):
                    if isinstance(emulated.get(key), str):
                        assert datetime.fromisoformat(emulated[key])
            if "preference-applied" in recorded["headers"]:
                assert (
                    response.headers["preference-applied"]
                    == recorded["headers"]["preference-applied"]
                )
            if "allow" in recorded["headers"] and request["method"] == "QUERY":
                assert response.headers["allow"] == recorded["headers"]["allow"]
            for header in ("ratelimit-remaining", "ratelimit-reset"):
                assert (header in response.headers) == (header in recorded["headers"]), (
                    path.name,
                    index,
                    header,
                )
    assert not problems, "\n".join(problems)


def test_the_difference_lists_are_all_used() -> None:
    """Every listed difference is documented with a reason (and the lists stay small)."""
    for table in (DEFAULT_DIFFERENCES, LEGACY_DIFFERENCES):
        assert all(key[0] in "+-" and reason for key, reason in table.items())
        assert len(table) < 10
