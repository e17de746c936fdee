"""Which output strings are files, and data-URI decoding (pure).

Only data: URIs, https URLs on replicate.delivery (or a subdomain), file URLs on the API origin
and URLs under extra prefixes the client was given become file outputs; every other string,
including a URL inside a language model's answer, stays a string.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = ["decode_data_uri", "is_file_url", "map_outputs"]


def is_file_url(value: str, *, base_url: str, extra_prefixes: Sequence[str] = ()) -> bool:
    """Whether an output string names a file replicate_async should wrap."""
    if value.startswith("data:"):
        return "," in value
    if any(value.startswith(prefix) for prefix in extra_prefixes):
        return True
    if not value.startswith("https://") or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    if host == "replicate.delivery" or host.endswith(".replicate.delivery"):
        return True
    return value.startswith(f"{base_url}/files/")


def map_outputs(output: Any, is_file: Callable[[str], bool], wrap: Callable[[str], Any]) -> Any:
    """Replace file strings anywhere in `output` by `wrap(url)`; leave the rest as JSON."""
    if isinstance(output, str):
        return wrap(output) if is_file(output) else output
    if isinstance(output, list):
        return [map_outputs(v, is_file, wrap) for v in output]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(output, Mapping):
        return {k: map_outputs(v, is_file, wrap) for k, v in output.items()}  # pyright: ignore[reportUnknownVariableType]
    return output


def decode_data_uri(uri: str) -> tuple[bytes, str]:
    """Decode a ``data:`` URI into its bytes and MIME type; ValueError when malformed."""
    if not uri.startswith("data:") or "," not in uri:
        raise ValueError("not a data: URI")
    header, _, payload = uri[5:].partition(",")
    params = header.split(";")
    mime = params[0] or "text/plain"
    if "base64" in params[1:]:
        try:
            return base64.b64decode(payload, validate=False), mime
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"malformed base64 in data: URI ({exc})") from None
    return unquote_to_bytes(payload), mime
