"""Hardware models."""

from __future__ import annotations

from attrs import frozen

__all__ = ["Hardware"]


@frozen(kw_only=True)
class Hardware:
    """A hardware SKU that models and deployments can run on."""

    sku: str
    """The SKU, such as ``gpu-t4``."""
    name: str | None = None
    """A readable name, such as ``Nvidia T4 GPU``."""
