"""Cog models in the emulator: skipped, with the reason, when the ``cog`` extra is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip(
    "cog", reason="the cog extra is not installed (pip install 'replicate-async[cog]')"
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cog"
