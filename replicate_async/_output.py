"""Which output strings are files, and data-URI decoding (pure).

Only data: URIs, https URLs on replicate.delivery (or a subdomain), file URLs on the API's own
origin and URLs under extra prefixes the client was given become file outputs; every other
string, including a URL inside a language model's answer, stays a string.

The API's own origin is the scheme, host and port of the configured ``base_url``. A URL there
is a file output when it is a Files API URL (``{base_url}/files/...``) or lies outside the API's
path (``/v1``): the API itself answers under ``/v1``, so anything else the same server hands out
as output is a file it serves. This is how the emulator served over sockets (``python -m
replicate_async.testing serve``, ``Emulator.serve()``) gets file outputs without configuration:
its outputs are ``http://127.0.0.1:PORT/delivery/...``, on the origin the user pointed the
client at. The emulator cannot serve URLs in a form the SDK recognised before (https on
``replicate.delivery``) without TLS and a DNS name, and ``data:`` URIs would change the shape of
every output; trusting the configured origin needs neither, and the client already trusts it
with its token. Plain ``http`` is accepted on that origin only (the user chose it); everywhere
else a file URL must be https.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import SplitResult, unquote_to_bytes, urlsplit

__all__ = ["decode_data_uri", "is_file_url", "map_outputs"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(parts: SplitResult) -> tuple[str, str, int | None] | None:
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else _DEFAULT_PORTS[scheme]


def _on_api_origin(parts: SplitResult, base_url: str) -> bool:
    """Whether a URL is on the API's origin and is a file there (see the module docstring)."""
    try:
        base = urlsplit(base_url)
    except ValueError:
        return False
    origin = _origin(parts)
    if origin is None or origin != _origin(base):
        return False
    api_path = base.path.rstrip("/")
    path = parts.path
    if path.startswith(f"{api_path}/files/"):
        return True
    return bool(api_path) and path != api_path and not path.startswith(f"{api_path}/")


def is_file_url(value: str, *, base_url: str, extra_prefixes: Sequence[str] = ()) -> bool:
    """Whether an output string names a file replicate_async should wrap."""
    if value.startswith("data:"):
        return "," in value
    if any(value.startswith(prefix) for prefix in extra_prefixes):
        return True
    if not value.startswith(("https://", "http://")) or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed IPv6 host, for example
        return False
    if _on_api_origin(parts, base_url):
        return True
    if parts.scheme != "https":
        return False
    host = (parts.hostname or "").lower()
    return host == "replicate.delivery" or host.endswith(".replicate.delivery")


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
