"""End to end: a prediction's signed webhook reaches a local receiver that verifies it.

Without REPLICATE_API_TOKEN the built-in emulator runs the model and delivers the webhook to
a receiver on 127.0.0.1. The receiver trusts a delivery only after `verify` accepts it, and
keeps the webhook-id so a retried delivery is handled once.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import open_client, uses_emulator

from replicate_async.webhooks import WebhookVerificationError, parse_payload, verify

SEEN: set[str] = set()
RECEIVED = threading.Event()
SECRET: list[str] = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:
            message = verify(body=body, headers=dict(self.headers.items()), secret=SECRET[0])
        except WebhookVerificationError as exc:
            print("rejected a delivery:", exc)
            self.send_response(400)
            self.end_headers()
            return
        if message.id not in SEEN:  # a retried delivery carries the same id: handle it once
            SEEN.add(message.id)
            prediction = parse_payload(body)
            print(f"verified webhook {message.id}: prediction {prediction.id} {prediction.status}")
            if prediction.is_terminal:
                RECEIVED.set()
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


async def main() -> None:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/replicate-webhook"
    try:
        async with open_client() as client:
            SECRET.append((await client.webhooks.default_secret()).key)
            output = await client.run(
                "demo/echo",
                input={"text": "webhooks are signed"},
                webhook=url,
                webhook_events_filter=["completed"],
            )
            print("run() returned:", output)
            if uses_emulator():
                for _ in range(100):
                    if RECEIVED.is_set():
                        break
                    await asyncio.sleep(0.05)
                if not RECEIVED.is_set():
                    raise SystemExit("no verified webhook arrived")
    finally:
        server.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
