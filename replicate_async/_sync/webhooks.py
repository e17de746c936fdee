# GENERATED from replicate_async/_async/webhooks.py by scripts/gen_sync.py. DO NOT EDIT.
"""Webhooks: the account's webhook signing secret (cached) and verification with it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping

from .._concurrency import Lock, Runtime
from .._exceptions import WebhookSignatureError, decode_json_body
from .._serde import structure
from ..types.webhooks import VerifiedWebhook, WebhookSecret
from .api_client import APIClient

__all__ = ["REFRESH_INTERVAL", "Webhooks"]

REFRESH_INTERVAL = 30.0
"""Seconds between two refetches of the secret caused by failing signatures.

A delivery whose signature does not match may mean that the secret was rotated, so the secret
is fetched again once; forged requests could otherwise make every failure cost an API call.
"""


class Webhooks:
    """The account's webhook signing secret, and verification of deliveries with it.

    The secret is fetched on first use and cached by this client object.
    """

    def __init__(self, api: APIClient) -> None:
        self._api = api
        self._secret: WebhookSecret | None = None
        self._refreshed_at: float | None = None
        self._lock = Lock()
        self._lock_loop: object = None

    def _guard(self) -> Lock:
        # A lock belongs to one event loop: a client reused on a new loop gets a new one.
        key = Runtime.loop_key()
        if key != self._lock_loop:
            self._lock = Lock()
            self._lock_loop = key
        return self._lock

    def _fetch(self) -> WebhookSecret:
        payload = decode_json_body(self._api.request("GET", "webhooks/default/secret", kind="read"))
        return structure(payload, WebhookSecret)

    def default_secret(self) -> WebhookSecret:
        """Return the account's default webhook signing secret.

        Fetched from the API on the first call (concurrent first calls share one request)
        and cached by this client object afterwards. Its ``repr`` never shows the key.
        """
        cached = self._secret
        if cached is not None:
            return cached
        with self._guard():
            if self._secret is None:
                self._secret = self._fetch()
            return self._secret

    def _refresh(self, stale: WebhookSecret) -> WebhookSecret | None:
        """Fetch the secret again after `stale` failed; None when refreshed too recently."""
        with self._guard():
            current = self._secret
            if current is not None and current.key != stale.key:
                return current  # another caller already refreshed it
            now = Runtime.now()
            if self._refreshed_at is not None and now - self._refreshed_at < REFRESH_INTERVAL:
                return None
            self._refreshed_at = now
            self._secret = self._fetch()
            return self._secret

    def verify(
        self,
        *,
        body: bytes | str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        tolerance: float = 300.0,
        now: float | None = None,
    ) -> VerifiedWebhook:
        """Check a webhook delivery against the account's default secret.

        Uses `default_secret` (fetched once, then cached) and the pure
        `replicate_async.webhooks.verify`; see there for the rules. When no signature matches,
        the secret may have been rotated: it is fetched again once (at most every
        `REFRESH_INTERVAL` seconds) and the delivery checked again before the error is
        raised. Malformed deliveries (missing headers, a stale timestamp, a body that is not
        bytes or str) are refused before the secret is ever fetched.

        Args:
            body: The raw request body, exactly as received.
            headers: The request headers (any mapping, or a sequence of pairs).
            tolerance: How many seconds the delivery's timestamp may differ from `now`.
            now: The current Unix time; defaults to the system clock. For tests.

        Returns:
            The verified message id and timestamp (the id is the same on every retry of one
            message: use it to de-duplicate).

        Raises:
            WebhookHeaderError: A required header is missing or malformed.
            WebhookTimestampError: The timestamp is malformed or outside `tolerance`.
            WebhookSignatureError: No signature matches, even after fetching the secret again.
            APIStatusError: Fetching the secret failed (`APIConnectionError` in transport).
        """
        # Imported here: the pure module is only needed once a delivery arrives.
        from ..webhooks import generate_secret
        from ..webhooks import verify as verify_delivery

        secret = self._secret
        if secret is None:
            # Check everything that does not depend on the secret before fetching it.
            with contextlib.suppress(WebhookSignatureError):
                verify_delivery(
                    body=body,
                    headers=headers,
                    secret=generate_secret(),
                    tolerance=tolerance,
                    now=now,
                )
            secret = self.default_secret()
        try:
            return verify_delivery(
                body=body, headers=headers, secret=secret, tolerance=tolerance, now=now
            )
        except WebhookSignatureError:
            fresh = self._refresh(secret)
            if fresh is None or fresh.key == secret.key:
                raise
        return verify_delivery(
            body=body, headers=headers, secret=fresh, tolerance=tolerance, now=now
        )
