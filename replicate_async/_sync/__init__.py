# GENERATED from replicate_async/_async/__init__.py by scripts/gen_sync.py. DO NOT EDIT.
"""The hand-written async source of truth; `replicate_async._sync` is generated from it."""

from .client import Client
from .file_output import FileOutput

__all__ = ["Client", "FileOutput"]
