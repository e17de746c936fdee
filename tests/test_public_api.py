"""The public surface: __all__, docstrings, async/sync twins, and what importing loads."""

from __future__ import annotations

import inspect
import subprocess
import sys

import replicate_async
import replicate_async._async as async_tree
import replicate_async._sync as sync_tree
from replicate_async._async import (
    account,
    collections,
    deployments,
    files,
    hardware,
    models,
    predictions,
    trainings,
    webhooks,
)


def test_all_names_exist_and_are_documented() -> None:
    exported = replicate_async.__all__
    assert len(exported) == len(set(exported))
    for name in exported:
        value = getattr(replicate_async, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name} has no docstring"


def test_public_module_names_are_exported() -> None:
    public = {n for n in vars(replicate_async) if not n.startswith("_")}
    modules = {n for n in public if inspect.ismodule(getattr(replicate_async, n))}
    assert public - modules - {"annotations"} <= set(replicate_async.__all__)


def _public_classes(module: object) -> dict[str, type]:
    return {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and name.startswith("Async")
        and value.__module__ == getattr(module, "__name__", "")
    }


def test_every_async_class_has_a_sync_twin_with_the_same_signatures() -> None:
    import importlib

    checked = 0
    for module in (
        account,
        collections,
        deployments,
        files,
        hardware,
        models,
        predictions,
        trainings,
        webhooks,
        async_tree.client,
        async_tree.file_output,
    ):
        twin = importlib.import_module(module.__name__.replace("._async.", "._sync."))
        for name, cls in _public_classes(module).items():
            sync_cls = getattr(twin, name.removeprefix("Async"))
            for attr, member in vars(cls).items():
                if attr.startswith("_") and attr not in ("__init__",):
                    continue
                if not callable(member):
                    continue
                sync_member = getattr(sync_cls, attr.replace("aclose", "close"))
                params = list(inspect.signature(member).parameters)
                sync_params = list(inspect.signature(sync_member).parameters)
                assert params == sync_params, f"{name}.{attr}"
                checked += 1
    assert checked > 20
    assert sync_tree.Client is replicate_async.Client


def test_lazy_names() -> None:
    assert replicate_async.Client.__name__ == "Client"
    assert replicate_async.FileOutput.__name__ == "FileOutput"


def _loaded_after(statement: str, prefixes: tuple[str, ...]) -> list[str]:
    code = (
        f"import sys\n{statement}\n"
        f"print(sorted({{m.split('.')[0] if not m.startswith('replicate_async') else m "
        f"for m in sys.modules if m.startswith({prefixes!r})}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = eval(out.stdout)  # a printed list of strings
    return loaded


HEAVY = (
    "httpx",
    "httpcore",
    "anyio",
    "attr",
    "cattrs",
    "replicate_async._async",
    "replicate_async._sync",
    "replicate_async.testing",
    "replicate_async.batch",
    "replicate_async.cli",
    "pytest",
    "hypothesis",
    "trio",
    "uvicorn",
)


def test_the_import_probe_sees_each_heavy_module() -> None:
    # The control for the tests below: every name they watch exists and is seen once imported,
    # so their empty answers mean "not loaded", not "cannot be seen".
    loaded = _loaded_after("import " + ", ".join(HEAVY), HEAVY)
    assert set(HEAVY) <= set(loaded)


def test_import_loads_nothing_heavy() -> None:
    assert _loaded_after("import replicate_async", HEAVY) == []


def test_the_client_loads_no_converter_sync_tree_or_emulator() -> None:
    loaded = _loaded_after(
        "from replicate_async import AsyncClient",
        ("cattrs", "replicate_async._sync", "replicate_async.testing", "replicate_async.cli"),
    )
    assert loaded == []


def test_webhook_verification_does_not_import_httpx() -> None:
    # Webhook receivers often only verify: they pay for no HTTP client.
    loaded = _loaded_after(
        "import replicate_async.webhooks", ("httpx", "httpcore", "anyio", "cattrs")
    )
    assert loaded == []


def test_star_import_does_not_shadow_the_standard_library() -> None:
    namespace: dict[str, object] = {}
    exec("import collections\nfrom replicate_async import *", namespace)
    import collections

    assert namespace["collections"] is collections
    assert "collections" not in replicate_async.__all__
    assert not isinstance(replicate_async.collections, type(collections))  # still reachable


def test_module_level_functions_have_the_client_signatures() -> None:
    from replicate_async import sync

    for name in ("run", "stream"):
        for module, client in (
            (replicate_async, replicate_async.AsyncClient),
            (sync, replicate_async.Client),
        ):
            method = inspect.signature(getattr(client, name))
            expected = method.replace(parameters=list(method.parameters.values())[1:])
            assert inspect.signature(getattr(module, name)) == expected, (module, name)
            assert getattr(module, name).__doc__ == getattr(client, name).__doc__


def test_streams_and_webhook_types_are_exported() -> None:
    from replicate_async._async.streaming import AsyncPredictionStream
    from replicate_async._sync.streaming import PredictionStream
    from replicate_async.types import PredictionStatus, VerifiedWebhook

    assert replicate_async.AsyncPredictionStream is AsyncPredictionStream
    assert replicate_async.PredictionStream is PredictionStream
    assert replicate_async.VerifiedWebhook is VerifiedWebhook
    assert replicate_async.PredictionStatus is PredictionStatus
