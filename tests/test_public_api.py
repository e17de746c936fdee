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


def test_import_loads_only_the_async_core() -> None:
    code = (
        "import sys, replicate_async\n"
        "bad = [m for m in sys.modules if m.startswith(('replicate_async._sync', "
        "'replicate_async.testing', 'replicate_async.batch', 'replicate_async.cli', 'pytest', "
        "'hypothesis', 'trio', 'uvicorn'))]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
