"""A faithful local emulator of Replicate's HTTP API, for tests, examples and demos.

No network, no token, no cost. Register models as Python functions, then use the emulator in
process (httpx transports, no sockets) or over real sockets:

```python
from replicate_async.testing import Emulator, Log

emu = Emulator()

@emu.model("acme/llm")
async def llm(prompt: str):
    yield Log("loading")
    for word in prompt.split():
        yield word + " "

async with emu.async_client() as client:
    assert await client.run("acme/llm", input={"prompt": "a b"}) == ["a ", "b "]
```

- `Emulator`: the API (all 37 operations), its models, faults and clock.
- `Log`, `Progress`, `log`, `sleep`: for model code (log lines, tqdm-style progress, sleeping on
  the emulator's clock).
- `Emulator.register_cog`, `cog_emulator`, `CogLoadError`: run your own Cog model (its
  ``cog.yaml`` and predictor, unchanged) behind the API; needs ``replicate-async[cog]``.
- `Fault`: injected statuses, 429s, dropped connections, slow answers, broken streams.
- `demo`: the built-in demo models (``Emulator(demo=True)``).
- ``python -m replicate_async.testing serve --port 8000``: the demo emulator over sockets.
- The pytest plugin (``replicate_async.testing.pytest_plugin``, registered automatically):
  fixtures ``replicate_emulator``, ``emulated_client`` and ``emulated_sync_client``.

Nothing in ``replicate_async`` imports this package; it is loaded only when you import it.

Where the real server's behaviour is not known, the emulator picks:

- invalid input, or unknown fields in a prediction request: 422 "Input validation failed"
  with ``detail`` lines and ``invalid_fields`` (gojsonschema-style messages), before anything
  runs; an unknown version: the recorded 422 "Invalid version or not permitted";
- ``Prefer: wait=N``: N from 1 to 99 holds min(N, 60) s; other values are ignored (no hold, no
  ``Preference-Applied``); a malformed or under-5 s ``Cancel-After``: 422;
- cancelling a finished prediction returns it unchanged (200);
- streams resume after ``Last-Event-ID`` (or replay everything with
  ``sse_resume="replay"``), accept requests without a token, and end an aborted prediction
  with ``done {"reason": "aborted"}``;
- webhooks: default events ``output`` and ``completed``; ``completed`` also for aborted
  predictions; the terminal delivery retried 6 times (1, 2, 4, 8, 16, 29 s: the last about a
  minute after completion);
- unknown resources: 404 ``{"detail": "Not found.", "status": 404}``; refused model deletes 403
  (not yours) or 409 (public, or has versions); duplicate models and deployments 409.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._cog import CogLoadError, cog_emulator
    from ._emulator import Emulator
    from ._faults import Fault, FaultPlan
    from ._models import Log, Progress
    from ._runner import log, sleep
    from ._server import EmulatorServer
    from ._webhooks import WebhookDelivery

__all__ = [
    "CogLoadError",
    "Emulator",
    "EmulatorServer",
    "Fault",
    "FaultPlan",
    "Log",
    "Progress",
    "WebhookDelivery",
    "cog_emulator",
    "log",
    "sleep",
]

# Loaded on first use (PEP 562), so that the pytest plugin, which lives in this package, costs
# next to nothing in test suites that never touch the emulator.
_WHERE = {
    "CogLoadError": "._cog",
    "Emulator": "._emulator",
    "EmulatorServer": "._server",
    "Fault": "._faults",
    "FaultPlan": "._faults",
    "Log": "._models",
    "Progress": "._models",
    "WebhookDelivery": "._webhooks",
    "cog_emulator": "._cog",
    "log": "._runner",
    "sleep": "._runner",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    if getattr(value, "__module__", "").startswith(__name__ + "."):
        value.__module__ = __name__
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
