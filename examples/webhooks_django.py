"""Receive Replicate webhooks with Django, as a single-file project.

    pip install replicate-async django
    export REPLICATE_WEBHOOK_SECRET=whsec_...   # from `await client.webhooks.default_secret()`
    python examples/webhooks_django.py runserver 8000

Then create predictions with ``webhook="https://<your public host>/replicate/webhook"``: the
exact URL, since Replicate does not follow redirects (note: no trailing slash here, and none
in the URL you give Replicate, or APPEND_SLASH would answer with a redirect).
"""

from __future__ import annotations

import os
import secrets
import sys

from django.conf import settings
from django.core.management import execute_from_command_line
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from replicate_async.webhooks import WebhookVerificationError, parse_payload, verify

SECRET = os.environ.get("REPLICATE_WEBHOOK_SECRET", "")
if not SECRET:
    raise SystemExit("set REPLICATE_WEBHOOK_SECRET to your account's whsec_... webhook secret")

settings.configure(
    DEBUG=os.environ.get("DJANGO_DEBUG") == "1",
    SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(32),
    ALLOWED_HOSTS=os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(","),
    ROOT_URLCONF=__name__,
    # request.body raises RequestDataTooBig past this (2.5 MB by default); bodies can be large.
    DATA_UPLOAD_MAX_MEMORY_SIZE=50 * 1024 * 1024,
)

# Message ids already handled. Retries of one message keep its id, so this makes the handler
# idempotent. Use a model with a unique field on the id when you run more than one process.
handled: set[str] = set()


@csrf_exempt  # the signature authenticates the request; Replicate sends no CSRF token
@require_POST
def replicate_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body  # the raw bytes: the signature covers them exactly
    try:
        delivery = verify(body=body, headers=request.headers, secret=SECRET)
    except WebhookVerificationError as exc:
        return HttpResponse(f"webhook rejected: {exc}", status=400, content_type="text/plain")
    if delivery.id in handled:
        return HttpResponse(status=204)  # a retry of a message already handled
    prediction = parse_payload(body)
    print(f"{prediction.id}: {prediction.status}")
    handled.add(delivery.id)  # only once handled, so a failure above gets the retry
    return HttpResponse(status=204)


urlpatterns = [path("replicate/webhook", replicate_webhook)]

if __name__ == "__main__":
    execute_from_command_line(sys.argv)
