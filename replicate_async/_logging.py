"""The ``replicate_async`` logger: one DEBUG line per API call, INFO per scheduled retry."""

from __future__ import annotations

import logging
import re

__all__ = ["logger", "redact"]

logger = logging.getLogger("replicate_async")
"""The library's logger. It never logs tokens, secrets or bodies."""

_TOKEN = re.compile(r"r8_[A-Za-z0-9]{4,}")
_BEARER = re.compile(r"(?i)\b(bearer|token)(\s+)[^\s'\",;]+")


def redact(text: str) -> str:
    """Replace anything shaped like an API token (or following ``Bearer``) with ``***``."""
    return _BEARER.sub(r"\1\2***", _TOKEN.sub("r8_***", text))
