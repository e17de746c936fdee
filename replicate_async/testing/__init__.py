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
- `Fault`: injected statuses, 429s, dropped connections, slow answers, broken streams.
- `demo`: the built-in demo models (``Emulator(demo=True)``).
- ``python -m replicate_async.testing serve --port 8000``: the demo emulator over sockets.
- The pytest plugin (``replicate_async.testing.pytest_plugin``, registered automatically):
  fixtures ``replicate_emulator``, ``emulated_client`` and ``emulated_sync_client``.

Nothing in ``replicate_async`` imports this package; it is loaded only when you import it.
"""

from __future__ import annotations

from ._emulator import Emulator
from ._faults import Fault, FaultPlan
from ._models import Log, Progress
from ._runner import log, sleep
from ._server import EmulatorServer
from ._webhooks import WebhookDelivery

__all__ = [
    "Emulator",
    "EmulatorServer",
    "Fault",
    "FaultPlan",
    "Log",
    "Progress",
    "WebhookDelivery",
    "log",
    "sleep",
]


def _rewrite_modules() -> None:
    for name in __all__:
        obj = globals()[name]
        if getattr(obj, "__module__", "").startswith(__name__ + "."):
            obj.__module__ = __name__


_rewrite_modules()
