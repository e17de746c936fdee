"""The module-level API for sync code: the same functions as ``replicate_async``, no ``await``.

```python
from replicate_async import sync

output = sync.run("owner/name", input={"prompt": "a fox"})
for event in sync.stream("owner/llm", input={"prompt": "hi"}):
    print(str(event), end="")
prediction = sync.predictions.get("<id>")
```

They use one default `replicate_async.Client` per process (token from
``REPLICATE_API_TOKEN``), shared by threads; `close()` closes it. Code ported from the
`replicate` package that calls ``replicate.run(...)`` without ``await`` belongs here.
"""

from __future__ import annotations

from ._sync.default import (
    account,
    close,
    collections,
    default_client,
    deployments,
    files,
    hardware,
    models,
    predictions,
    run,
    stream,
    trainings,
)

__all__ = [
    "account",
    "close",
    "collections",
    "default_client",
    "deployments",
    "files",
    "hardware",
    "models",
    "predictions",
    "run",
    "stream",
    "trainings",
]
