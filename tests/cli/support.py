"""Helpers for the CLI tests: the served emulator, and the CLI run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from replicate_async import Client
from replicate_async.testing import Emulator, EmulatorServer

ROOT = Path(__file__).resolve().parents[2]
PYCACHE = Path(tempfile.gettempdir()) / "replicate-async-cli-tests-pycache"
"""Bytecode of the CLI processes, kept outside the work tree (saves a compile per process)."""
TOKEN = "r8_CliTestsSecretToken0123"
USER = "tester"


def typed(
    n: int,
    x: float = 0.5,
    flag: bool = False,
    tags: list[str] | None = None,
    choice: Literal["a", "b"] = "a",
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the inputs as received (their JSON types show what the CLI sent)."""
    return {"n": n, "x": x, "flag": flag, "tags": tags, "choice": choice, "meta": meta}


@dataclass
class Served:
    """The served emulator, a client of it and a way to run the CLI."""

    emulator: Emulator
    server: EmulatorServer
    client: Client

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("REPLICATE_") and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            REPLICATE_BASE_URL=self.server.base_url,
            REPLICATE_API_TOKEN=TOKEN,
            REPLICATE_POLL_INTERVAL="0.05",
            PYTHONUNBUFFERED="1",
            PYTHONPYCACHEPREFIX=str(PYCACHE),
            COLUMNS="200",
        )
        env.update(extra)
        return env

    def cli(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        cwd: Path | None = None,
    ) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "replicate_async", *args],
            cwd=cwd or ROOT,
            env=dict(env) if env is not None else self.env(),
            input=stdin if stdin is not None else b"",
            capture_output=True,
            timeout=60,
            check=False,
        )
        return Result(done.returncode, done.stdout.decode(), done.stderr.decode())

    def many(self, *argvs: list[str]) -> list[Result]:
        """Run independent invocations two at a time (their startup is most of their cost)."""
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(self._run_argv, argvs))

    def _run_argv(self, argv: list[str]) -> Result:
        return self.cli(*argv)

    def prediction_count(self) -> int:
        return len(list(self.client.predictions.iter()))


@dataclass
class Result:
    """What one CLI process did."""

    code: int
    out: str
    err: str

    def ok(self) -> Result:
        assert self.code == 0, f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"
        assert TOKEN not in self.out + self.err
        return self
