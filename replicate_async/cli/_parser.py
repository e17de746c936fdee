"""The argparse command tree of ``replicate-async``."""

from __future__ import annotations

import argparse

__all__ = ["build_parser"]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print API objects (or the output) as JSON",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """Build the parser for every ``replicate-async`` command.

    Returns:
        The top-level parser; each leaf sets ``handler`` to the name of its command function.
    """
    common = _common()
    parser = argparse.ArgumentParser(
        prog="replicate-async",
        description="Run models and manage predictions on Replicate.",
        epilog="Exit codes: 0 success; 1 prediction failed, canceled or timed out (or a "
        "webhook did not verify); 2 usage error; 3 API or connection error.",
    )
    parser.add_argument("--json", action="store_true", default=False, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run",
        parents=[common],
        help="run a model and print its output",
        description="Run a model. Inputs: key=value (string), key:=json (typed JSON value), "
        "key=@path (uploads a file).",
    )
    run.add_argument(
        "args",
        nargs="*",
        metavar="REF [key=value ...]",
        help="owner/name, owner/name:version or a version id (omitted with --deployment), "
        "then inputs",
    )
    run.add_argument("--deployment", metavar="NAME", help="run on the deployment owner/name")
    run.add_argument("--timeout", type=float, metavar="SECONDS", help="overall deadline")
    run.add_argument(
        "--cancel-after", metavar="DURATION", help="server-side deadline (seconds or e.g. 5m)"
    )
    run.add_argument("--save", metavar="DIR", help="save file outputs into DIR")
    run.add_argument(
        "--no-wait", action="store_true", help="create the prediction, print its id and exit"
    )
    run.set_defaults(handler="run")

    predictions = sub.add_parser("predictions", help="list, get or cancel predictions")
    psub = predictions.add_subparsers(dest="action", metavar="ACTION", required=True)
    psub.add_parser("list", parents=[common], help="list recent predictions").set_defaults(
        handler="predictions_list"
    )
    for name, text in (("get", "show a prediction"), ("cancel", "cancel a prediction")):
        p = psub.add_parser(name, parents=[common], help=text)
        p.add_argument("id", metavar="ID")
        p.set_defaults(handler=f"predictions_{name}")

    models = sub.add_parser("models", help="list, get or show the schema of models")
    msub = models.add_subparsers(dest="action", metavar="ACTION", required=True)
    msub.add_parser("list", parents=[common], help="list public models").set_defaults(
        handler="models_list"
    )
    for name, text in (
        ("get", "show a model"),
        ("schema", "print the input and output schema of a model version"),
    ):
        p = msub.add_parser(name, parents=[common], help=text)
        p.add_argument("ref", metavar="REF", help="owner/name or owner/name:version")
        p.set_defaults(handler=f"models_{name}")

    hardware = sub.add_parser("hardware", help="list hardware SKUs")
    hsub = hardware.add_subparsers(dest="action", metavar="ACTION", required=True)
    hsub.add_parser("list", parents=[common], help="list hardware SKUs").set_defaults(
        handler="hardware_list"
    )

    for name in ("account", "whoami"):
        sub.add_parser(
            name, parents=[common], help="show the account that owns the token"
        ).set_defaults(handler="account")

    webhooks = sub.add_parser("webhooks", help="webhook signing secret and verification")
    wsub = webhooks.add_subparsers(dest="action", metavar="ACTION", required=True)
    wsub.add_parser(
        "secret", parents=[common], help="print the account's webhook signing secret"
    ).set_defaults(handler="webhooks_secret")
    verify = wsub.add_parser(
        "verify",
        parents=[common],
        help="verify a webhook delivery's signature",
        description="Verify a delivery. Exit 0 when it verifies, 1 when it does not.",
    )
    verify.add_argument("--body", required=True, metavar="FILE", help="the raw request body")
    verify.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="K:V",
        help="a request header (repeat for webhook-id, webhook-timestamp, webhook-signature)",
    )
    verify.add_argument(
        "--secret",
        help="the signing secret (default: REPLICATE_WEBHOOK_SECRET, else fetched from the API)",
    )
    verify.set_defaults(handler="webhooks_verify")
    return parser
