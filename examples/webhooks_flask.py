"""Receive Replicate webhooks with Flask.

    pip install replicate-async flask
    export REPLICATE_WEBHOOK_SECRET=whsec_...   # from `await client.webhooks.default_secret()`
    flask --app examples/webhooks_flask.py run --port 8000

Then create predictions with ``webhook="https://<your public host>/replicate/webhook"``: the
exact URL, since Replicate does not follow redirects.
"""

from __future__ import annotations

import os

from flask import Flask, request

from replicate_async.webhooks import WebhookVerificationError, parse_payload, verify

SECRET = os.environ.get("REPLICATE_WEBHOOK_SECRET", "")
if not SECRET:
    raise SystemExit("set REPLICATE_WEBHOOK_SECRET to your account's whsec_... webhook secret")

app = Flask(__name__)
# Leave room for large bodies (long logs, data URLs in the output); None means no limit.
app.config["MAX_CONTENT_LENGTH"] = 50 * 1024 * 1024

# Message ids already handled. Retries of one message keep its id, so this makes the handler
# idempotent. Use a table with a unique key on the id when you run more than one process.
handled: set[str] = set()


@app.post("/replicate/webhook")
def replicate_webhook() -> tuple[str, int]:
    body = request.get_data()  # the raw bytes (not request.json): the signature covers them
    try:
        delivery = verify(body=body, headers=request.headers, secret=SECRET)
    except WebhookVerificationError as exc:
        return f"webhook rejected: {exc}", 400
    if delivery.id in handled:
        return "", 204  # a retry of a message already handled
    prediction = parse_payload(body)
    print(f"{prediction.id}: {prediction.status}")
    handled.add(delivery.id)  # only once handled, so a failure above gets the retry
    return "", 204
