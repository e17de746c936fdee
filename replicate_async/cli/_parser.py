"""The argparse command tree of ``replicate-async``."""

from __future__ import annotations

import argparse

from .._version import __version__

__all__ = ["build_parser"]

_EPILOG = """\
Inputs: key=value (converted by the model's input schema: integers, numbers, booleans,
arrays and objects are parsed; text stays text), key:=json (an explicit JSON value),
key=@path (uploads the file). An array input may be given once per item.

Configuration: REPLICATE_API_TOKEN (the token), REPLICATE_BASE_URL (the API),
REPLICATE_EMULATOR=1 (same as --emulator).

Try it without a token, against the built-in emulator and its demo models:
  replicate-async --emulator run demo/image width=32 height=32 --save out/
  replicate-async --emulator stream demo/tokens prompt="hello there"
  replicate-async --emulator models schema demo/image

Exit status: 0 success; 1 the API or the model failed (or a webhook did not verify);
2 usage error (bad arguments or inputs, missing token); 130 interrupted (Ctrl-C, which
cancels the running prediction; press it again to leave the prediction running).
"""


def _globals(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """The options accepted before or after the command (the top level holds the defaults)."""

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    parser.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print API objects as JSON on stdout",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default(0),
        help="log each request and explain choices on stderr (never the token)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="no progress display on stderr",
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        default=default(False),
        help="run against a built-in emulator with demo models: no token, no network",
    )
    parser.add_argument(
        "--cog",
        metavar="PATH",
        default=default(None),
        help="with the emulator, serve your own Cog model (cog.yaml, its directory, or "
        "predict.py:Predictor); implies --emulator",
    )
    parser.add_argument(
        "--cog-name",
        metavar="OWNER/NAME",
        default=default(None),
        help="the name the Cog model is served as (default: the model the command names)",
    )


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _globals(common, top=False)
    return common


def _run_options(p: argparse.ArgumentParser, *, stream: bool, deployment: bool) -> None:
    p.add_argument(
        "-i",
        "--input",
        action="append",
        metavar="KEY=VALUE",
        help="an input (the same as a positional key=value)",
    )
    if deployment:
        p.add_argument("--deployment", metavar="OWNER/NAME", help="run on this deployment")
    p.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="give up (and cancel) after SECONDS"
    )
    p.add_argument(
        "--cancel-after",
        metavar="DURATION",
        help="server-side deadline: seconds, or a duration such as 5m (at least 5 s)",
    )
    p.add_argument("--webhook", metavar="URL", help="an https URL to receive updates")
    p.add_argument(
        "--webhook-events",
        metavar="EVENTS",
        help="comma-separated events to send to --webhook: start,output,logs,completed",
    )
    if stream:
        p.add_argument("--logs", action="store_true", help="copy the model's logs to stderr")
        p.set_defaults(stream=True, save=None, no_wait=False)
        return
    p.add_argument(
        "--stream",
        action="store_true",
        help="print the output as it is produced (text without added newlines)",
    )
    p.add_argument("--logs", action="store_true", help="with --stream: copy logs to stderr")
    p.add_argument(
        "--save",
        "--output-dir",
        dest="save",
        metavar="DIR",
        help="save file outputs into DIR (made if missing) and print their paths",
    )
    p.add_argument(
        "--no-wait", action="store_true", help="create the prediction, print its id and exit"
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the parser for every ``replicate-async`` command.

    Returns:
        The top-level parser; each command sets ``handler`` to the name of its function.
    """
    common = _common()
    parser = argparse.ArgumentParser(
        prog="replicate-async",
        description="Run models and manage predictions, trainings, deployments and files on "
        "Replicate.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"replicate-async {__version__}")
    _globals(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def group(
        name: str, text: str, aliases: list[str] | None = None
    ) -> argparse._SubParsersAction[argparse.ArgumentParser]:  # pyright: ignore[reportPrivateUsage]
        p = sub.add_parser(name, help=text, description=text, aliases=aliases or [])
        return p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def leaf(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],  # pyright: ignore[reportPrivateUsage]
        name: str,
        handler: str,
        text: str,
        aliases: list[str] | None = None,
    ) -> argparse.ArgumentParser:
        p = parent.add_parser(
            name, parents=[common], help=text, description=text, aliases=aliases or []
        )
        p.set_defaults(handler=handler)
        return p

    # run / predict, stream
    for name, aliases in (("run", ["predict"]),):
        run = leaf(
            sub,
            name,
            "run",
            "run a model and print its output (progress on stderr)",
            aliases=aliases,
        )
        run.add_argument(
            "args",
            nargs="*",
            metavar="MODEL [KEY=VALUE ...]",
            help="owner/name, owner/name:version or a version id, then inputs",
        )
        _run_options(run, stream=False, deployment=True)
    stream = leaf(sub, "stream", "stream", "run a model and print its output as it is produced")
    stream.add_argument("args", nargs="*", metavar="MODEL [KEY=VALUE ...]")
    _run_options(stream, stream=True, deployment=True)

    # batch
    batch = leaf(
        sub,
        "batch",
        "batch",
        "run a model once per line of a JSON Lines file of inputs (resumable with --journal)",
    )
    batch.add_argument("ref", nargs="?", metavar="MODEL", help="owner/name[:version]")
    batch.add_argument(
        "inputs", metavar="INPUTS.jsonl", help="one JSON object per line ('-': stdin)"
    )
    batch.add_argument(
        "--out", metavar="FILE", help="write the results here (default: stdout), one JSON line each"
    )
    batch.add_argument("--concurrency", type=int, default=8, metavar="N", help="at most N at once")
    batch.add_argument(
        "--journal",
        metavar="FILE",
        help="record progress in FILE (SQLite); rerun the same command to resume",
    )
    batch.add_argument("--deployment", metavar="OWNER/NAME", help="run on this deployment")
    batch.add_argument("--timeout", type=float, metavar="SECONDS", help="per item")
    batch.add_argument("--retries", type=int, default=0, metavar="N", help="new attempts per item")
    batch.add_argument("--save", metavar="DIR", help="save file outputs into DIR/<index>/")

    # account
    leaf(sub, "whoami", "account", "show the account that owns the token", aliases=["account"])

    # models
    models = group("models", "list, search and inspect models")
    p = leaf(models, "list", "models_list", "list public models")
    p.add_argument(
        "--sort-by",
        choices=("latest_version_created_at", "model_created_at"),
        help="sort order (server default: latest_version_created_at)",
    )
    p.add_argument("--asc", action="store_true", help="oldest first")
    p.add_argument("--all", action="store_true", help="every page, not only the first")
    p = leaf(models, "search", "models_search", "search public models")
    p.add_argument("query", nargs="+", metavar="TEXT")
    p = leaf(models, "get", "models_get", "show a model")
    p.add_argument("ref", metavar="OWNER/NAME")
    p = leaf(models, "versions", "models_versions", "list a model's versions")
    p.add_argument("ref", metavar="OWNER/NAME")
    p = leaf(models, "schema", "models_schema", "show a version's inputs and output")
    p.add_argument("ref", metavar="OWNER/NAME[:VERSION]")

    # predictions
    predictions = group("predictions", "list, show, cancel and wait for predictions")
    leaf(predictions, "list", "predictions_list", "list your recent predictions")
    for name, text in (
        ("get", "show a prediction"),
        ("cancel", "cancel a prediction"),
        ("wait", "wait until a prediction finishes, then show it"),
    ):
        p = leaf(predictions, name, f"predictions_{name}", text)
        p.add_argument("id", metavar="ID")
        if name == "wait":
            p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop waiting after")

    # trainings
    trainings = group("trainings", "create, list, show, cancel and wait for trainings")
    p = leaf(trainings, "create", "trainings_create", "start a training of a model version")
    p.add_argument("ref", metavar="OWNER/NAME:VERSION")
    p.add_argument("inputs", nargs="*", metavar="KEY=VALUE")
    p.add_argument(
        "--destination", required=True, metavar="OWNER/NAME", help="the model to push to"
    )
    p.add_argument("--webhook", metavar="URL", help="an https URL to receive updates")
    p.add_argument("--wait", action="store_true", help="follow the training to its end")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="with --wait: give up after")
    leaf(trainings, "list", "trainings_list", "list your recent trainings")
    for name, text in (
        ("get", "show a training"),
        ("cancel", "cancel a training"),
        ("wait", "wait until a training finishes, then show it"),
    ):
        p = leaf(trainings, name, f"trainings_{name}", text)
        p.add_argument("id", metavar="ID")
        if name == "wait":
            p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop waiting after")

    # deployments
    deployments = group("deployments", "create, change, delete and run deployments")
    leaf(deployments, "list", "deployments_list", "list your deployments")
    p = leaf(deployments, "get", "deployments_get", "show a deployment")
    p.add_argument("name", metavar="OWNER/NAME")
    p = leaf(deployments, "create", "deployments_create", "create a deployment")
    p.add_argument("name", metavar="NAME", help="the new deployment's name (under your account)")
    p.add_argument("--model", required=True, metavar="OWNER/NAME[:VERSION]")
    p.add_argument("--version", metavar="ID", help="the version (default: the latest)")
    p.add_argument("--hardware", required=True, metavar="SKU", help="see: hardware list")
    p.add_argument("--min-instances", type=int, default=0, metavar="N")
    p.add_argument("--max-instances", type=int, default=1, metavar="N")
    p = leaf(deployments, "update", "deployments_update", "change a deployment")
    p.add_argument("name", metavar="OWNER/NAME")
    p.add_argument("--version", metavar="ID")
    p.add_argument("--hardware", metavar="SKU")
    p.add_argument("--min-instances", type=int, metavar="N")
    p.add_argument("--max-instances", type=int, metavar="N")
    p = leaf(deployments, "delete", "deployments_delete", "delete a deployment")
    p.add_argument("name", metavar="OWNER/NAME")
    p = leaf(deployments, "run", "deployments_run", "run a deployment (like run --deployment)")
    p.add_argument("name", metavar="OWNER/NAME")
    p.add_argument("args", nargs="*", metavar="KEY=VALUE")
    _run_options(p, stream=False, deployment=False)

    # files
    files = group("files", "upload, list, show, delete and download files")
    p = leaf(files, "upload", "files_upload", "upload a file; print its id and URL")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--content-type", metavar="MIME", help="default: guessed from the name")
    p.add_argument("--metadata", metavar="JSON", help="a JSON object stored with the file")
    leaf(files, "list", "files_list", "list your files")
    for name, text in (("get", "show a file"), ("delete", "delete a file")):
        p = leaf(files, name, f"files_{name}", text)
        p.add_argument("id", metavar="ID")
    p = leaf(files, "download", "files_download", "download a file by its signed URL")
    p.add_argument("file", metavar="URL|ID", help="a signed download URL, or a file id")
    p.add_argument("--owner", help="with an id: the uploading account")
    p.add_argument("--expiry", help="with an id: the link's expiry (Unix seconds)")
    p.add_argument("--signature", help="with an id: the link's signature")
    p.add_argument("-o", "--output", metavar="PATH", help="write here (default: stdout)")

    # hardware
    hardware = group("hardware", "list hardware SKUs")
    leaf(hardware, "list", "hardware_list", "list hardware SKUs")

    # webhooks
    webhooks = group("webhooks", "the signing secret, and checking deliveries")
    leaf(webhooks, "secret", "webhooks_secret", "print the account's webhook signing secret")
    p = leaf(
        webhooks,
        "verify",
        "webhooks_verify",
        "check a delivery's signature and age: says valid (exit 0) or why not (exit 1)",
    )
    p.add_argument("--body", required=True, metavar="FILE", help="the raw body ('-': stdin)")
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a request header (repeat for webhook-id, webhook-timestamp, webhook-signature)",
    )
    p.add_argument(
        "--headers",
        metavar="FILE",
        help="the headers from a file: 'name: value' lines or a JSON object",
    )
    p.add_argument(
        "--secret",
        help="the signing secret (default: REPLICATE_WEBHOOK_SECRET, else fetched from the API)",
    )
    return parser
