"""The sync client, for code without an event loop: `replicate_async.sync` and `Client`.

Both are generated from the async source: the same methods and guarantees, without ``await``.
With REPLICATE_API_TOKEN set this runs on Replicate (a fraction of a cent); without it, the
demo emulator is served on 127.0.0.1 and the environment points there while it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _support import served_emulator

from replicate_async import Client, ModelError, sync

LLAMA = "meta/meta-llama-3-8b-instruct"


def latest(client: Client, ref: str) -> str:
    """Community models run by version: ``owner/name:<id>``."""
    version = client.models.get(ref).latest_version
    assert version is not None
    return f"{ref}:{version.id}"


def main() -> None:
    # 1. The module-level API: one default Client per process, from REPLICATE_API_TOKEN.
    tokens = sync.run(LLAMA, input={"prompt": "Say hello in French.", "max_tokens": 32})
    print("sync.run():", "".join(tokens))
    for event in sync.stream(LLAMA, input={"prompt": "Count to three."}):
        print(str(event), end="", flush=True)  # str() of an output event is its text
    print()
    sync.close()

    # 2. A Client of your own: options, and a with block that closes it.
    with Client(timeout=30, max_retries=5) as client:
        hello = latest(client, "replicate/hello-world")
        prediction = client.predictions.create(hello, input={"text": "sync"})
        prediction = client.predictions.wait(prediction, timeout=60)
        print(f"prediction {prediction.id}: {prediction.status}, output {prediction.output!r}")
        try:  # Ctrl-C during a call cancels its prediction (a second Ctrl-C leaves it running)
            client.run(latest(client, "salesforce/blip"), input={"image": b"not an image"})
        except ModelError as exc:
            print("failed as expected:", exc.prediction.error)


if __name__ == "__main__":
    with served_emulator():
        main()
