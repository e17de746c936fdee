"""``nox -s fuzz``: schemathesis over openapi.json against the emulator served over a socket.

Not collected by pytest (the name does not start with ``test_``): it runs the schemathesis
command line against one long-lived ``Emulator.serve()``, so every generated request, stateful
sequences included, hits the same server. It fails on any 5xx (``not_a_server_error``), any
response that violates the schema (``response_schema_conformance``), and any request that takes
longer than ``--request-timeout`` (a hang); afterwards ``GET /v1/account`` must still answer.

    python tests/emulator/fuzz_openapi.py [--max-examples N] [extra schemathesis options]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from replicate_async.testing import Emulator

SPEC = Path(__file__).parent.parent / "fixtures" / "openapi.json"
CHECKS = "not_a_server_error,response_schema_conformance"


def main(argv: list[str]) -> int:
    assert __doc__ is not None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=None)
    args, extra = parser.parse_known_args(argv)
    emulator = Emulator(demo=True, seed=1)
    server = emulator.serve()
    started = time.monotonic()
    try:
        beside = Path(sys.executable).parent / "schemathesis"
        schemathesis = str(beside) if beside.exists() else shutil.which("schemathesis")
        if schemathesis is None:
            print("fuzz: schemathesis is not installed (nox -s fuzz installs it)", file=sys.stderr)
            return 2
        command = [
            schemathesis,
            "run",
            str(SPEC),
            "--url",
            server.base_url,
            "--header",
            f"Authorization: Bearer {server.api_token}",
            "--max-examples",
            str(args.max_examples),
            "--checks",
            CHECKS,
            "--request-timeout",
            "20",
            "--no-color",
            *(["--seed", str(args.seed)] if args.seed is not None else []),
            *extra,
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPLICATE_")}
        code = subprocess.call(command, env=env)
        alive = httpx.get(
            f"{server.base_url}/account",
            headers={"Authorization": f"Bearer {server.api_token}"},
            timeout=10,
        )
        print(
            f"fuzz: schemathesis exit {code}; GET /v1/account after the run: "
            f"{alive.status_code}; {time.monotonic() - started:.1f} s",
            flush=True,
        )
        return code or (0 if alive.status_code == 200 else 1)
    finally:
        server.close()
        emulator.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
