"""Webhook models: the signing secret and a verified delivery."""

from __future__ import annotations

from attrs import field, frozen

__all__ = ["VerifiedWebhook", "WebhookSecret"]


@frozen(kw_only=True)
class WebhookSecret:
    """The account's webhook signing secret. Its repr never shows the key."""

    key: str = field(repr=False)
    """The secret, ``whsec_<base64>``."""

    def __repr__(self) -> str:
        return "WebhookSecret(key=<redacted>)"

    def __str__(self) -> str:
        return "WebhookSecret(key=<redacted>)"


@frozen(kw_only=True)
class VerifiedWebhook:
    """A delivery whose signature verified: its message id and timestamp.

    The id is the same on every retry of one message: keep it to make handlers idempotent.
    """

    id: str
    """The webhook-id header: unique per message, stable across retries."""
    timestamp: int
    """The webhook-timestamp header, Unix seconds of this attempt."""
