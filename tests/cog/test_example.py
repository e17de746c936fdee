"""examples/cog_app.py runs its own Cog model in the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cog_app.py"


def test_the_cog_example_runs() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLICATE_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "positive: Great product, I love it!" in done.stdout
    assert "negative: Slow and broken." in done.stdout
    assert " neutral: It arrived on Tuesday." in done.stdout
    assert "inputs from the model's schema: text, language, threshold" in done.stdout
    assert "rejected as expected: - input.threshold: Must be less than or equal to 5" in done.stdout
