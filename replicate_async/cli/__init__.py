"""The ``replicate-async`` command-line interface (argparse on the sync `Client`).

Exit codes: 0 success; 1 a prediction failed, was canceled or timed out, or a webhook did not
verify; 2 usage error (bad arguments or inputs, missing configuration); 3 API or connection
error; 130 interrupted (Ctrl-C, which also cancels the running prediction).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._sync.client import Client

__all__ = ["main"]

_PROG = "replicate-async"


def _redact(message: str) -> str:
    token = os.environ.get("REPLICATE_API_TOKEN")
    if token:
        message = message.replace(token, "<token>")
    return " ".join(message.split())


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"{_PROG}: {_redact(message)}\n")
    return code


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: Callable[[], Client] | None = None,
) -> int:
    """Run the ``replicate-async`` command line.

    Args:
        argv: The arguments without the program name; defaults to ``sys.argv[1:]``.
        client_factory: Builds the client (a test seam); defaults to ``Client()``, configured
            from the environment (REPLICATE_API_TOKEN, REPLICATE_BASE_URL).

    Returns:
        The process exit code.
    """
    from .. import (
        APIConnectionError,
        APIStatusError,
        ConfigurationError,
        PredictionError,
        ResponseDecodingError,
        WebhookSecretError,
        WebhookVerificationError,
    )
    from ._commands import COMMANDS
    from ._parser import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2

    client: Client | None = None

    def get_client() -> Client:
        nonlocal client
        if client is None:
            if client_factory is not None:
                client = client_factory()
            else:
                from .. import Client

                client = Client()
        return client

    try:
        return COMMANDS[args.handler](args, get_client, sys.stdout)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except PredictionError as exc:
        return _fail(str(exc), 1)
    except WebhookSecretError as exc:
        return _fail(str(exc), 2)
    except WebhookVerificationError as exc:
        return _fail(f"webhook did not verify: {exc}", 1)
    except (APIStatusError, APIConnectionError, ResponseDecodingError) as exc:
        return _fail(str(exc), 3)
    except (ConfigurationError, ValueError, TypeError) as exc:
        return _fail(str(exc), 2)
    finally:
        if client is not None:
            client.close()
