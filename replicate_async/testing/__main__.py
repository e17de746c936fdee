"""``python -m replicate_async.testing serve``: the demo emulator over real sockets.

Prints the base URL and the token as ``KEY=value`` lines (ready for ``export``), then serves
until interrupted::

    $ python -m replicate_async.testing serve --port 8000
    REPLICATE_BASE_URL=http://127.0.0.1:8000/v1
    REPLICATE_API_TOKEN=r8_emulator...

With ``--cog path/to/cog.yaml --name owner/name`` it serves your own Cog model instead of the
demo models (``replicate-async[cog]``).
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m replicate_async.testing",
        description="A local emulator of Replicate's HTTP API (no network, no cost).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the demo emulator over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000; 0 picks a free one)")
    serve.add_argument("--token", default=None, help="the API token to accept (default: random)")
    serve.add_argument("--accept-any-token", action="store_true", help="accept any non-empty token")
    serve.add_argument(
        "--clock",
        choices=("real", "instant"),
        default="real",
        help="real time (default) or instant virtual time",
    )
    serve.add_argument("--demo", action="store_true", help="serve the demo models (the default)")
    serve.add_argument("--no-demo", action="store_true", help="do not register the demo models")
    serve.add_argument(
        "--retention", type=float, default=3600.0, help="seconds before prediction data is removed"
    )
    serve.add_argument(
        "--cog",
        metavar="PATH",
        default=None,
        help="serve a Cog model: cog.yaml, its directory, or predict.py:Predictor",
    )
    serve.add_argument(
        "--name", metavar="OWNER/NAME", default=None, help="the Cog model's name (with --cog)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    from . import CogLoadError, Emulator

    if (args.cog is None) != (args.name is None):
        parser.error("--cog and --name go together")
    emulator = Emulator(
        api_token=args.token,
        accept_any_token=args.accept_any_token,
        clock=args.clock,
        demo=(args.cog is None or args.demo) and not args.no_demo,
        retention=args.retention,
    )
    models = "demo models: demo/echo, demo/tokens, demo/image, demo/sleep, demo/fail"
    if args.cog is not None:
        try:
            emulator.register_cog(args.cog, name=args.name)
        except (ImportError, CogLoadError, ValueError) as exc:
            print(f"cannot serve {args.cog}: {exc}", file=sys.stderr)
            return 1
        models = f"Cog model: {args.name}" + (f"; {models}" if args.demo else "")
    try:
        server = emulator.serve(host=args.host, port=args.port)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"REPLICATE_BASE_URL={server.base_url}", flush=True)
    print(f"REPLICATE_API_TOKEN={server.api_token}", flush=True)
    print(
        f"Replicate API emulator on {server.base_url} ({models}). Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
