"""Issue 8, item 4: Ctrl-C in a sync `Client().run()` during the held create.

A child process runs ``Client().run(...)`` against the hostile server, which holds the create
(``Prefer: wait``) until the test releases it. The test sends SIGINT while the create is held:

- one Ctrl-C: stderr says the prediction is being cancelled; once the server answers the create,
  the client cancels the prediction it made, then the KeyboardInterrupt ends the program;
- a second Ctrl-C while that cancel is under way (the server holds the cancel too) ends the
  program at once, leaves the prediction running and names its id on stderr.

The child catches KeyboardInterrupt quietly, so its stderr holds only what the SDK wrote.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.hostile import HostileServer, Reply

from .support import TOKEN

pytestmark = [
    pytest.mark.deadlines,
    pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX"),
]

ROOT = Path(__file__).resolve().parents[2]

CHILD = f"""
import sys

import replicate_async

client = replicate_async.Client({TOKEN!r}, base_url=sys.argv[1], poll_interval=0.05)
try:
    client.run("acme/slow", input={{}})
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(0)
"""


class Child:
    """The child process, its stderr collected line by line on a thread."""

    def __init__(self, base_url: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REPLICATE_")}
        env["PYTHONUNBUFFERED"] = "1"
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, base_url],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()

    def _read(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for line in stream:
            self.lines.append(line)

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def wait_for_stderr(self, seen: int, timeout: float) -> None:
        """Wait until stderr has more than `seen` lines, or the child exits, or `timeout`."""
        end = time.monotonic() + timeout
        while len(self.lines) <= seen and self.process.poll() is None:
            if time.monotonic() > end:
                return
            time.sleep(0.01)

    def finish(self, timeout: float) -> int | None:
        """The exit code, or None if the child had to be killed (a hang)."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            code = None
        self._pump.join(5)
        return code


def start(hostile: HostileServer) -> Child:
    child = Child(hostile.base_url)
    hostile.wait_until(lambda: len(hostile.creates()) == 1, timeout=20, what="the create")
    return child


def test_ctrl_c_during_held_create_cancels_the_prediction(hostile: HostileServer) -> None:
    child = start(hostile)
    try:
        (create,) = hostile.creates()
        assert create.prefer_wait is not None, "the default run() asks for a hold"
        child.interrupt()
        # The SDK says it is cancelling; a client that does so then waits for the create.
        child.wait_for_stderr(0, timeout=3)
        still_held = create.answered_at is None
        hostile.release_holds()
        code = child.finish(timeout=15)
    finally:
        if child.process.poll() is None:
            child.process.kill()
    stderr = child.stderr
    assert code is not None, f"the child hung after Ctrl-C; stderr:\n{stderr}"
    assert code != 0, "the KeyboardInterrupt did not reach the program"
    assert still_held, "the create was answered before the Ctrl-C was handled"
    assert re.search(r"cancel", stderr, re.IGNORECASE), f"stderr says nothing of it:\n{stderr}"
    assert create.prediction_id is not None
    assert hostile.cancels(create.prediction_id), (
        f"Ctrl-C during the held create left the prediction running; stderr:\n{stderr}"
    )
    assert TOKEN not in stderr


def test_second_ctrl_c_leaves_the_prediction_running_and_names_it(
    hostile: HostileServer,
) -> None:
    # The cancel is held for 15 s (then answered, so that nothing hangs for long).
    hostile.script(
        "POST",
        r"/v1/predictions/[^/]+/cancel",
        Reply.json(200, {"id": "x", "status": "canceled"}, hold=15),
    )
    child = start(hostile)
    try:
        (create,) = hostile.creates()
        assert create.prediction_id is not None
        child.interrupt()
        child.wait_for_stderr(0, timeout=3)
        hostile.release_holds()  # the create answers; the client then sends the cancel
        hostile.wait_until(
            lambda: len(hostile.cancels()) == 1,
            timeout=10,
            what=f"the cancel after the first Ctrl-C (child stderr: {child.stderr!r})",
        )
        seen = len(child.lines)
        child.interrupt()
        child.wait_for_stderr(seen, timeout=3)
        code = child.finish(timeout=5)
    finally:
        if child.process.poll() is None:
            child.process.kill()
    stderr = child.stderr
    assert code is not None, f"a second Ctrl-C did not end the program; stderr:\n{stderr}"
    assert code != 0
    assert hostile.prediction(create.prediction_id).status == "processing"
    assert create.prediction_id in stderr, f"stderr does not name the prediction:\n{stderr}"
    assert TOKEN not in stderr
