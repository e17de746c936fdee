"""A minimal local API server for the benchmark: instant predictions, held runs and SSE streams.

Run as ``python benchmarks/server.py PORT``. It answers the same bytes to every client, so the
benchmark measures the clients, not the server. What a create does depends on its input:

- ``{"tokens": N}``: a streaming prediction whose ``urls.stream`` sends N ``output`` events and
  ``done``; a GET of it answers ``succeeded`` (the stream holds every token at once);
- ``{"hold": S}``: a prediction that finishes S seconds after its create; ``Prefer: wait``
  holds the create until then, a GET before then answers ``processing``;
- anything else: instant; ``Prefer: wait`` answers ``succeeded`` with output ``"done"``,
  otherwise ``starting``.

``GET /count`` answers ``{"requests": N}``: every request so far, that one included.
``GET /v1/models/{owner}/{name}/versions/{id}`` answers a version (the official client reads it
for ``run("owner/name:version")``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import uvicorn

COUNTS = {"requests": 0}
SEEN: dict[str, int] = {}
HELD: dict[str, float] = {}
"""Held predictions: id → the monotonic time at which they finish."""


def prediction(pid: str, status: str, base: str, output: Any = None, stream: bool = False) -> bytes:
    urls = {"get": f"{base}/v1/predictions/{pid}", "cancel": f"{base}/v1/predictions/{pid}/cancel"}
    if stream:
        urls["stream"] = f"{base}/stream/{pid}"
    return json.dumps(
        {
            "id": pid,
            "model": "bench/echo",
            "version": "hidden",
            "input": {"prompt": "x"},
            "output": output,
            "logs": "",
            "error": None,
            "status": status,
            "created_at": "2026-11-22T00:00:00.123Z",
            "urls": urls,
        }
    ).encode()


VERSION = json.dumps(
    {
        "id": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
        "created_at": "2026-11-22T00:00:00.123Z",
        "cog_version": "0.9.0",
        "openapi_schema": {
            "openapi": "3.0.2",
            "components": {"schemas": {"Output": {"type": "string", "title": "Output"}}},
        },
    }
).encode()


async def read_body(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    COUNTS["requests"] += 1
    body = await read_body(receive)
    path: str = scope["path"]
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    base = f"http://{headers.get('host', '127.0.0.1')}"
    if path == "/count":
        await respond(send, 200, json.dumps(COUNTS).encode())
        return
    if path.startswith("/stream/"):
        await stream(send, int(path.rsplit("-", 1)[-1]))
        return
    if path.startswith("/v1/models/") and "/versions/" in path:
        await respond(send, 200, VERSION)
        return
    if scope["method"] == "POST" and path.endswith("/cancel"):
        await respond(send, 200, prediction(path.split("/")[3], "canceled", base))
        return
    if path.startswith("/v1/predictions/"):
        await get_prediction(send, path.split("/")[3], base)
        return
    if scope["method"] == "POST" and path.endswith("/predictions"):
        await create(send, body, "wait" in headers.get("prefer", ""), base)
        return
    await respond(send, 404, b'{"detail": "Not found."}')


async def create(send: Any, body: bytes, wait: bool, base: str) -> None:
    n = COUNTS["requests"]
    given = (json.loads(body) if body else {}).get("input") or {}
    if "tokens" in given:
        pid = f"t{n}-{int(given['tokens'])}"
        await respond(send, 201, prediction(pid, "starting", base, stream=True))
    elif "hold" in given:
        pid = f"h{n}"
        hold = float(given["hold"])
        HELD[pid] = time.monotonic() + hold
        if wait:
            await asyncio.sleep(hold)
            await respond(send, 201, prediction(pid, "succeeded", base, "done"))
        else:
            await respond(send, 201, prediction(pid, "starting", base))
    elif wait:
        await respond(send, 201, prediction(f"p{n}", "succeeded", base, "done"))
    else:
        await respond(send, 201, prediction(f"p{n}", "starting", base))


async def get_prediction(send: Any, pid: str, base: str) -> None:
    if pid in HELD:
        done = time.monotonic() >= HELD[pid]
        status, output = ("succeeded", "done") if done else ("processing", None)
        await respond(send, 200, prediction(pid, status, base, output))
        return
    tokens = int(pid.rsplit("-", 1)[-1]) if "-" in pid else 0
    if not tokens:
        await respond(send, 200, prediction(pid, "succeeded", base, "done"))
        return
    output = [f"tok{i} " for i in range(tokens)]
    if pid.startswith("t"):  # created by POST: its stream holds every token at once
        await respond(send, 200, prediction(pid, "succeeded", base, output, stream=True))
        return
    # A prediction read by id before streaming is running when first read, finished afterwards.
    SEEN[pid] = SEEN.get(pid, 0) + 1
    if SEEN[pid] == 1:
        await respond(send, 200, prediction(pid, "processing", base, None, stream=True))
    else:
        await respond(send, 200, prediction(pid, "succeeded", base, output, stream=True))


async def stream(send: Any, tokens: int) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")],
        }
    )
    chunk: list[bytes] = [b": hi\n\n"]
    for i in range(tokens):
        chunk.append(b"event: output\nid: 1700000000:%d\ndata: tok%d \n\n" % (i, i))
        if len(chunk) >= 200:
            await send({"type": "http.response.body", "body": b"".join(chunk), "more_body": True})
            chunk = []
    chunk.append(b"event: done\nid: 1700000000:%d\ndata: {}\n\n" % tokens)
    await send({"type": "http.response.body", "body": b"".join(chunk), "more_body": False})


async def respond(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        backlog=4096,
    )
