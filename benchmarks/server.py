"""A minimal local API server for the benchmark: instant predictions and SSE token streams.

Run as ``python benchmarks/server.py PORT``. It answers the same bytes to replicate_async and
to plain httpx, so the benchmark measures the clients, not the server.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import uvicorn

COUNTS = {"requests": 0}
SEEN: dict[str, int] = {}


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
    await read_body(receive)
    path: str = scope["path"]
    host = dict(scope["headers"]).get(b"host", b"127.0.0.1").decode()
    base = f"http://{host}"
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    if path == "/count":
        body = json.dumps(COUNTS).encode()
        await respond(send, 200, body)
        return
    if path.startswith("/stream/"):
        tokens = int(path.rsplit("-", 1)[-1])
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        chunk: list[bytes] = [b": hi\n\n"]
        for i in range(tokens):
            chunk.append(b"event: output\nid: 1700000000:%d\ndata: tok%d \n\n" % (i, i))
            if len(chunk) >= 200:
                await send(
                    {"type": "http.response.body", "body": b"".join(chunk), "more_body": True}
                )
                chunk = []
        chunk.append(b"event: done\nid: 1700000000:%d\ndata: {}\n\n" % tokens)
        await send({"type": "http.response.body", "body": b"".join(chunk), "more_body": False})
        return
    if path.startswith("/v1/predictions/"):
        pid = path.split("/")[3]
        tokens = int(pid.rsplit("-", 1)[-1]) if "-" in pid else 0
        if not tokens:
            await respond(send, 200, prediction(pid, "succeeded", base, "done"))
            return
        # A streaming prediction is running when first read, and finished afterwards.
        SEEN[pid] = SEEN.get(pid, 0) + 1
        if SEEN[pid] == 1:
            await respond(send, 200, prediction(pid, "processing", base, None, stream=True))
        else:
            output = [f"tok{i} " for i in range(tokens)]
            await respond(send, 200, prediction(pid, "succeeded", base, output, stream=True))
        return
    if scope["method"] == "POST" and path.endswith("/predictions"):
        pid = f"p{COUNTS['requests']}"
        if "wait" in headers.get("prefer", ""):
            await respond(send, 201, prediction(pid, "succeeded", base, "done"))
        else:
            await respond(send, 201, prediction(pid, "starting", base))
        return
    await respond(send, 404, b'{"detail": "Not found."}')


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
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
