"""GET /hardware: the hardware SKUs models and deployments may use."""

from __future__ import annotations

from ._base import (
    Request,
    Response,
    Routes,
)

__all__ = ["HARDWARE", "HardwareRoutes"]

HARDWARE: list[dict[str, str]] = [
    {"sku": "cpu", "name": "CPU"},
    {"sku": "gpu-t4", "name": "Nvidia T4 GPU"},
    {"sku": "gpu-l40s", "name": "Nvidia L40S GPU"},
    {"sku": "gpu-a40-small", "name": "Nvidia A40 GPU"},
    {"sku": "gpu-a40-large", "name": "Nvidia A40 (Large) GPU"},
    {"sku": "gpu-a100-large", "name": "Nvidia A100 (80GB) GPU"},
    {"sku": "gpu-h100", "name": "Nvidia H100 GPU"},
]


class HardwareRoutes(Routes):
    """The hardware family."""

    async def hardware_list(self, request: Request, params: list[str]) -> Response:
        """GET /hardware: a bare array."""
        return self._json(200, HARDWARE, ("allow", "OPTIONS, GET"))
