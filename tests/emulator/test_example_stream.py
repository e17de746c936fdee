"""examples/stream.py shows what it says (issue 9, item 10): stopping early cancels."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "stream.py"


def test_stream_example_shows_an_early_stop_canceling_the_prediction() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLICATE_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "final status: succeeded" in done.stdout
    assert "left early; the prediction's status is now canceled" in done.stdout
