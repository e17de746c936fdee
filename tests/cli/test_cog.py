"""`replicate-async --cog PATH`: your own Cog model on the built-in emulator, from the shell."""

from __future__ import annotations

import json

import pytest

from .support import ROOT, Served

pytest.importorskip("cog", reason="the cog extra: pip install 'replicate-async[cog]'")

TEXT = ROOT / "tests" / "fixtures" / "cog" / "text"
BROKEN = ROOT / "tests" / "fixtures" / "cog" / "broken_yaml"


def test_run_serves_the_cog_model_under_the_name_the_command_gives(served: Served) -> None:
    first, second = served.many(
        ["--cog", str(TEXT), "--json", "run", "me/text", "prompt=hi"],
        ["--cog", str(TEXT), "--cog-name", "acme/other", "models", "get", "acme/other", "--json"],
    )
    prediction = json.loads(first.ok().out)
    assert prediction["status"] == "succeeded"
    assert prediction["model"] == "me/text"
    assert json.loads(second.ok().out)["name"] == "other"


def test_a_model_that_cannot_load_is_a_usage_error_naming_the_file(served: Served) -> None:
    result = served.cli("--cog", str(BROKEN), "run", "me/broken", "prompt=hi")
    assert result.code == 2
    assert "cog.yaml" in result.err
    assert "Traceback" not in result.err
