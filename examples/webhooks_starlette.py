"""Receive Replicate webhooks with Starlette (a FastAPI route works the same way).

    pip install replicate-async starlette uvicorn
    export REPLICATE_WEBHOOK_SECRET=whsec_...   # from `await client.webhooks.default_secret()`
    uvicorn examples.webhooks_starlette:app --port 8000

Then create predictions with ``webhook="https://<your public host>/replicate/webhook"``: the
exact URL, since Replicate does not follow redirects.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from replicate_async.webhooks import WebhookVerificationError, parse_payload, verify

SECRET = os.environ.get("REPLICATE_WEBHOOK_SECRET", "")
if not SECRET:
    raise SystemExit("set REPLICATE_WEBHOOK_SECRET to your account's whsec_... webhook secret")

# Message ids already handled. Retries of one message keep its id, so this makes the handler
# idempotent. Use a table with a unique key on the id when you run more than one process.
handled: set[str] = set()


async def replicate_webhook(request: Request) -> Response:
    body = await request.body()  # the raw bytes: the signature covers them exactly
    try:
        delivery = verify(body=body, headers=request.headers, secret=SECRET)
    except WebhookVerificationError as exc:
        return PlainTextResponse(f"webhook rejected: {exc}", status_code=400)
    if delivery.id in handled:
        return Response(status_code=204)  # a retry of a message already handled
    prediction = parse_payload(body)
    print(f"{prediction.id}: {prediction.status}")
    handled.add(delivery.id)  # only once handled, so a failure above gets the retry
    return Response(status_code=204)


app = Starlette(routes=[Route("/replicate/webhook", replicate_webhook, methods=["POST"])])
