"""Files API models."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from attrs import field, frozen

__all__ = ["File", "FileChecksums", "FileURLs"]


@frozen(kw_only=True)
class FileChecksums:
    """Checksums of an uploaded file."""

    sha256: str | None = None
    """SHA-256, hex."""
    md5: str | None = None
    """MD5, hex."""


@frozen(kw_only=True)
class FileURLs:
    """The URLs of an uploaded file."""

    get: str | None = None
    """The file's API URL; pass it as a prediction input."""


@frozen(kw_only=True)
class File:
    """A file uploaded through the Files API (kept for 24 hours)."""

    id: str
    """The file id."""
    name: str | None = None
    """The uploaded filename."""
    content_type: str | None = None
    """The MIME type."""
    size: int | None = None
    """The size in bytes."""
    etag: str | None = None
    """The entity tag (the MD5 of the content)."""
    checksums: FileChecksums | None = None
    """The file's checksums."""
    metadata: Mapping[str, Any] | None = field(default=None, repr=False)
    """The metadata given at upload."""
    created_at: datetime | None = None
    """When the file was uploaded."""
    expires_at: datetime | None = None
    """When the file will be deleted."""
    urls: FileURLs | None = None
    """The file's URLs."""
