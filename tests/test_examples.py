"""Every runnable example works against the built-in emulator, with no token and no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"
NOTICE = "REPLICATE_API_TOKEN is not set: running against the built-in emulator"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("quickstart.py", "run() returned: hello from replicate_async"),
        ("stream.py", "failed as expected"),
        ("webhooks_end_to_end.py", "verified webhook msg_"),
    ],
)
def test_example_runs_against_the_emulator(script: str, expected: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLICATE_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert NOTICE in done.stderr
