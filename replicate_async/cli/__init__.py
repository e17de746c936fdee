"""The ``replicate-async`` command line (argparse on the sync `Client`).

``replicate-async run owner/model prompt=...`` runs a model; ``--emulator`` (or
``REPLICATE_EMULATOR=1``) runs any command against a built-in emulator with demo models, with
no token and no network. ``replicate-async --help`` lists the commands.

Exit status: 0 success; 1 the API or the model failed (or a webhook did not verify); 2 usage
error (bad arguments or inputs, missing token); 130 interrupted (Ctrl-C, which cancels the
running prediction; a second Ctrl-C leaves it running).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Generator, Sequence
from types import FrameType
from typing import TYPE_CHECKING, TextIO, cast

if TYPE_CHECKING:
    from .._async.client import AsyncClient
    from .._sync.client import Client
    from ._context import Context
    from ._display import Console

__all__ = ["main"]

_PROG = "replicate-async"
_TRUE = {"1", "true", "yes", "on"}
_INPUT_LISTS = {
    "run": "args",
    "stream": "args",
    "deployments_run": "args",
    "trainings_create": "inputs",
}
_TOKEN_SHAPE = re.compile(r"r8_[A-Za-z0-9]{4,}")


class _Redactor:
    """Removes the token (and anything token-shaped) from text shown to the user."""

    def __init__(self) -> None:
        self.secrets: list[str] = []

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "<token>")
        return _TOKEN_SHAPE.sub("r8_***", text)


class _LogFilter(logging.Filter):
    def __init__(self, redactor: _Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor(record.getMessage())
        record.args = None
        return True


def _fail(console: Console, redactor: _Redactor, message: str, code: int) -> int:
    lines = redactor(message).splitlines() or ["error"]
    console.write(f"{_PROG}: {lines[0]}\n" + "".join(f"{line}\n" for line in lines[1:]))
    return code


@contextlib.contextmanager
def _console_as_stderr(console: Console) -> Generator[None]:
    previous = sys.stderr
    sys.stderr = cast("TextIO", console)
    try:
        yield
    finally:
        sys.stderr = previous


@contextlib.contextmanager
def _sigint(ctx: Context) -> Generator[None]:
    """Ctrl-C first stops the status display, so nothing is drawn over what follows."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        ctx.stop_statuses()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _emulator_requested(flag: bool) -> bool:
    return flag or os.environ.get("REPLICATE_EMULATOR", "").strip().lower() in _TRUE


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: Callable[[], Client] | None = None,
) -> int:
    """Run the ``replicate-async`` command line.

    Args:
        argv: The arguments without the program name; defaults to ``sys.argv[1:]``.
        client_factory: Builds the client (a test seam); defaults to ``Client()``, configured
            from the environment (REPLICATE_API_TOKEN, REPLICATE_BASE_URL), or to a client of
            the built-in emulator with ``--emulator``.

    Returns:
        The process exit status.
    """
    from ._context import CommandError, Context
    from ._display import Console
    from ._parser import build_parser

    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(list(argv) if argv is not None else None)
        # Inputs may follow options (run demo/x --json a=1): argparse leaves them over.
        where = _INPUT_LISTS.get(getattr(args, "handler", ""))
        if extra and where is not None and not any(e.startswith("-") for e in extra):
            setattr(args, where, [*getattr(args, where), *extra])
        elif extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2

    real_stderr = sys.stderr
    console = Console(real_stderr)
    redactor = _Redactor()
    token = os.environ.get("REPLICATE_API_TOKEN")
    if token:
        redactor.secrets.append(token)
    cog = _cog_model(args)
    emulated = cog is not None or _emulator_requested(bool(args.emulator))
    closers: list[Callable[[], None]] = []
    client: Client | None = None

    def get_client() -> Client:
        nonlocal client
        if client is None:
            client = _make_client(client_factory, emulated, closers, redactor, ctx, cog=cog)
        return client

    ctx = Context(
        get_client=get_client,
        out=sys.stdout,
        console=console,
        json=bool(args.json),
        quiet=bool(args.quiet),
        verbose=int(args.verbose or 0),
    )
    handler = logging.StreamHandler(cast("TextIO", console))
    handler.addFilter(_LogFilter(redactor))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("replicate_async")
    saved_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if ctx.verbose else logging.WARNING)
    try:
        with _console_as_stderr(console), _sigint(ctx):
            return _dispatch(args, ctx, console, redactor, emulated)
    except CommandError as exc:  # raised while making the client
        return _fail(console, redactor, str(exc), exc.code)
    finally:
        ctx.stop_statuses()
        try:
            if client is not None:
                client.close()
            for close in reversed(closers):
                close()
        except KeyboardInterrupt:
            pass
        logger.removeHandler(handler)
        logger.setLevel(saved_level)


def _cog_model(args: object) -> tuple[str, str] | None:
    """The Cog model to serve (``--cog PATH``) and its name, or None."""
    path = getattr(args, "cog", None)
    if not path:
        return None
    name = getattr(args, "cog_name", None)
    if not name:
        named = getattr(args, "ref", None) or next(iter(getattr(args, "args", None) or []), None)
        name = str(named).split(":", 1)[0] if named and "/" in str(named) else "local/model"
    return str(path), str(name)


def _make_client(
    factory: Callable[[], Client] | None,
    emulated: bool,
    closers: list[Callable[[], None]],
    redactor: _Redactor,
    ctx: Context,
    *,
    cog: tuple[str, str] | None = None,
) -> Client:
    if factory is not None:
        return factory()
    if emulated:
        from ..testing import Emulator

        # The demo models' owner is the account, so that trainings and deployments of them work.
        emulator = Emulator(demo=True, username="demo", clock="real")
        closers.append(emulator.close)
        redactor.secrets.append(emulator.api_token)
        if cog is not None:
            from ..testing import CogLoadError
            from ._context import CommandError

            path, name = cog
            try:
                emulator.register_cog(path, name=name)
            except (ImportError, CogLoadError) as exc:
                raise CommandError(str(exc), 2) from None
            ctx.note(f"serving the Cog model {path} as {name} on the built-in emulator")
        ctx.note(
            "running against the built-in emulator (no network, no cost); demo models: "
            "demo/echo, demo/tokens, demo/image, demo/sleep, demo/fail"
        )

        def async_client() -> AsyncClient:
            from .. import AsyncClient

            return AsyncClient(
                emulator.api_token,
                base_url=emulator.base_url,
                transport=emulator.async_transport(),
                file_output_prefixes=[emulator.delivery_url],
            )

        ctx.async_factory = async_client
        return emulator.client()
    from .. import Client

    client = Client()
    ctx.note(f"API: {client.base_url}")
    return client


def _dispatch(
    args: argparse.Namespace, ctx: Context, console: Console, redactor: _Redactor, emulated: bool
) -> int:
    from .. import (
        APIConnectionError,
        APIStatusError,
        ConfigurationError,
        PredictionAbortedError,
        PredictionCanceledError,
        PredictionError,
        PredictionFailedError,
        PredictionTimeoutError,
        ReplicateError,
    )
    from ._commands import COMMANDS
    from ._context import CommandError, outcome_message

    def fail(message: str, code: int) -> int:
        return _fail(console, redactor, message, code)

    try:
        return COMMANDS[args.handler](args, ctx)
    except KeyboardInterrupt:
        ctx.stop_statuses()
        if console.client_spoke:
            # The client already said what it is canceling (or what it left running).
            return 130
        return fail("interrupted", 130)
    except CommandError as exc:
        return fail(str(exc), exc.code)
    except PredictionTimeoutError as exc:
        return fail(outcome_message(exc.prediction, "timed out (and was canceled)"), 1)
    except PredictionAbortedError as exc:
        return fail(
            outcome_message(exc.prediction, "was aborted: its --cancel-after deadline passed"), 1
        )
    except PredictionFailedError as exc:
        return fail(outcome_message(exc.prediction, "failed"), 1)
    except PredictionCanceledError as exc:
        return fail(outcome_message(exc.prediction, "was canceled"), 1)
    except PredictionError as exc:
        return fail(str(exc), 1)
    except ConfigurationError as exc:
        message = str(exc)
        if "token" in message.lower() and not emulated:
            message += f"\nor try the CLI without a token: {_PROG} --emulator ..."
        return fail(message, 2)
    except APIStatusError as exc:
        return fail(str(exc), 1)
    except APIConnectionError as exc:
        return fail(str(exc), 1)
    except ReplicateError as exc:
        return fail(str(exc), 1)
    except (ValueError, TypeError) as exc:
        # The client refuses bad arguments (a malformed reference, a bad option) with these,
        # before sending anything: usage errors. UsageError is a ValueError too.
        return fail(str(exc), 2)
    except OSError as exc:
        return fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)
