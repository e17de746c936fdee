"""Every runnable example works against the built-in emulator, with no token and no network.

Each runs in a fresh current directory, where the files it writes must land. (examples/cog_app.py
is run by tests/cog/test_example.py; the webhook framework recipes need a web framework.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"
NOTICE = "REPLICATE_API_TOKEN is not set: running against the built-in emulator"


@pytest.mark.parametrize(
    ("script", "expected", "files"),
    [
        ("quickstart.py", "run() returned: (Llama 3 stand-in, turn 1)", ["out-0.png"]),
        ("image_generation.py", "saved ", ["flux-0.png", "flux-1.png"]),
        ("stream.py", "left early; the prediction's status is now canceled", []),
        ("chat.py", "(Llama 3 stand-in, turn 3) You said: Which river", []),
        ("webhooks_end_to_end.py", "succeeded", []),
        ("batch_jsonl.py", "6 results in", ["batch_results.jsonl"]),
        ("fine_tune.py", "trained version: emulator/flux-lora-example:", ["training_images.zip"]),
        ("deployments.py", "updated emulator/hello-example: release 2, instances 0..2", []),
        ("files_as_inputs.py", "output URL:  Caption: a 64x64 colour gradient", ["out-0.png"]),
        ("errors.py", "timed out: PredictionTimeoutError", []),
        ("sync_client.py", "failed as expected: cannot identify image file", []),
    ],
)
def test_example_runs_against_the_emulator(
    script: str, expected: str, files: list[str], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPLICATE_")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout
    assert NOTICE in done.stderr
    for name in files:
        assert (tmp_path / name).is_file(), f"{script} did not write ./{name}"
