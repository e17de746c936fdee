"""The hand-written async source of truth; `replicate_async._sync` is generated from it."""

from .client import AsyncClient
from .file_output import AsyncFileOutput

__all__ = ["AsyncClient", "AsyncFileOutput"]
