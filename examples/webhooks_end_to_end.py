"""An async prediction with a webhook, and a receiver on 127.0.0.1 that verifies deliveries.

Without REPLICATE_API_TOKEN the emulator delivers to it; Replicate needs a public https URL
forwarding to it (a tunnel): set WEBHOOK_URL=https://<tunnel>/hook and WEBHOOK_PORT=8000."""

from __future__ import annotations

import asyncio
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Event, Thread

sys.path.insert(0, str(Path(__file__).parent))

from _support import latest_version, open_client

from replicate_async.webhooks import WebhookVerificationError, parse_payload, verify


class Receiver(BaseHTTPRequestHandler):
    secret = ""  # your account's signing secret (whsec_...)
    done = Event()  # set once the prediction's last webhook is in
    seen: set[str] = set()  # noqa: RUF012 (message ids already handled, shared by requests)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        try:  # the raw body and the webhook-* headers, checked against your signing secret
            message = verify(body=body, headers=dict(self.headers.items()), secret=self.secret)
        except WebhookVerificationError as exc:
            self.send_error(400, f"rejected: {exc}")
            return
        if message.id not in self.seen:  # retries of one message keep its id
            self.seen.add(message.id)
            prediction = parse_payload(body)
            print(f"verified webhook {message.id}: {prediction.id} {prediction.status}")
            if prediction.is_terminal:
                self.done.set()
        self.send_response(204)
        self.end_headers()


async def main() -> None:
    server = HTTPServer(("127.0.0.1", int(os.environ.get("WEBHOOK_PORT", "0"))), Receiver)
    Thread(target=server.serve_forever, daemon=True).start()
    url = os.environ.get("WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/hook")
    async with open_client() as client:
        Receiver.secret = (await client.webhooks.default_secret()).key
        hello = await latest_version(client, "replicate/hello-world")
        prediction = await client.predictions.create(hello, input={"text": "hi"}, webhook=url)
        print(f"created {prediction.id} (create returns at once); webhooks go to {url}")
        received = await asyncio.to_thread(Receiver.done.wait, 120)  # or carry on with your work
    server.shutdown()
    sys.exit(0 if received else "no completed webhook arrived in 120 s")


if __name__ == "__main__":
    asyncio.run(main())
