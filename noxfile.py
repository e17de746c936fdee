"""Developer tasks. `nox` alone runs lint, typecheck, tests, tests_aiohttp, fuzz, docs, package,
examples and verifytypes: the README's test command."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
# fuzz (about 20 s) and tests_aiohttp (about 15 s) are default sessions: CI allows 20 minutes.
# docs (about 10 s), package (about 30 s) and examples (about 10 s) are default sessions too.
nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "tests_aiohttp",
    "fuzz",
    "docs",
    "package",
    "examples",
    "verifytypes",
]

PYPROJECT = nox.project.load_toml("pyproject.toml")


def group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session
def gen_sync(session: nox.Session) -> None:
    """Check that the generated sync code matches the async source."""
    session.install(*group("lint"))
    session.run("python", "scripts/gen_sync.py", "--check")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and the generated-code check."""
    session.install(*group("lint"))
    session.run("python", "scripts/gen_sync.py", "--check")
    session.run(
        "ruff",
        "check",
        "replicate_async",
        "tests",
        "scripts",
        "examples",
        "benchmarks",
        "noxfile.py",
    )
    session.run(
        "ruff",
        "format",
        "--check",
        "replicate_async",
        "tests",
        "scripts",
        "examples",
        "benchmarks",
        "noxfile.py",
    )


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict and pyright strict over the package and the typing tests."""
    session.install("-e", ".", *group("typecheck"))
    session.run("mypy")
    session.run("pyright")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite on asyncio and trio, with branch coverage."""
    session.install("-e", ".[emulator,cog]", *group("test"))
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine", "--quiet")
    # The aiohttp transport is measured by its own session, where aiohttp is installed.
    session.run("coverage", "report", "--omit=replicate_async/_aiohttp.py", "--fail-under=90")


@nox.session
def fuzz(session: nox.Session) -> None:
    """schemathesis over openapi.json against the served emulator: no 5xx, no hang, no response
    outside the schema. About 20 s at the default 50 examples per operation with a fixed seed
    (reproducible in CI); ``nox -s fuzz -- --max-examples 100 --seed 7`` explores further."""
    session.install("-e", ".[emulator]", *group("fuzz"))
    args = session.posargs or ["--max-examples", "50", "--seed", "1"]
    session.run("python", "tests/emulator/fuzz_openapi.py", *args)


@nox.session
def tests_aiohttp(session: nox.Session) -> None:
    """The client over the aiohttp transport (extra ``aiohttp``), on asyncio, against servers
    on 127.0.0.1: run, streams, deadlines, cancellation, retries, no token off-origin."""
    session.install("-e", ".[emulator,aiohttp]", *group("test"))
    # hypothesis is not used here; its plugin imports it at the very end, which trips a CPython
    # 3.11.7 AST bug (gh-106905) now and then while server threads are still stopping.
    session.run("coverage", "erase")
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        "tests/aiohttp",
        "-p",
        "no:hypothesispytest",
        *session.posargs,
    )
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report", "--include=replicate_async/_aiohttp.py", "--fail-under=80")


# Every runnable example, in the order of the docs (the webhook framework recipes need a web
# framework and a public URL, and are not run here).
EXAMPLES = [
    "quickstart.py",
    "image_generation.py",
    "stream.py",
    "chat.py",
    "webhooks_end_to_end.py",
    "batch_jsonl.py",
    "fine_tune.py",
    "deployments.py",
    "files_as_inputs.py",
    "errors.py",
    "sync_client.py",
    "cog_app.py",
]


@nox.session
def examples(session: nox.Session) -> None:
    """Run every example against the built-in emulator (no token, no network): about 10 s.

    They run in a temporary directory, where the files they write land.
    """
    session.install("-e", ".[emulator,cog]")
    for name in ("REPLICATE_API_TOKEN", "REPLICATE_BASE_URL"):
        session.env.pop(name, None)
    folder = Path("examples").resolve()
    session.chdir(session.create_tmp())
    for script in EXAMPLES:
        session.run("python", str(folder / script))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site (docs/mkdocs.yml) with every warning an error.

    ProperDocs, the maintained fork of MkDocs 1.x, builds it with the Material theme and
    mkdocstrings. ``nox -s docs -- serve`` previews it at http://127.0.0.1:8000.
    """
    session.install("-e", ".", *group("docs"))
    # Material prints an end-of-life notice on every build; the pins are chosen knowingly.
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    if session.posargs[:1] == ["serve"]:
        session.run("properdocs", "serve", "-f", "docs/mkdocs.yml", *session.posargs[1:])
        return
    site = Path(session.create_tmp()).resolve() / "site"
    session.run("properdocs", "build", "--strict", "-f", "docs/mkdocs.yml", "-d", str(site))


@nox.session
def package(session: nox.Session) -> None:
    """Build the sdist and wheel, check them with twine, install the wheel into a fresh venv
    with only the runtime dependencies and import replicate_async there."""
    session.install(*group("package"))
    tmp = Path(session.create_tmp())
    dist = tmp / "dist"
    if dist.exists():
        for old in dist.iterdir():
            old.unlink()
    session.run("python", "-m", "build", "--outdir", str(dist))
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        session.error(f"expected one wheel and one sdist in {dist}, found {wheels + sdists}")
    session.run("twine", "check", "--strict", *map(str, wheels + sdists))
    venv = tmp / "fresh"
    session.run("python", "-m", "venv", "--clear", str(venv))
    python = str(venv / "bin" / "python")
    session.run(python, "-m", "pip", "install", "-q", str(wheels[0]), external=True)
    session.run(
        python,
        "-c",
        "import importlib.metadata as m, replicate_async as r;"
        " from replicate_async import AsyncClient, Client, webhooks;"
        " assert r.__version__ == m.version('replicate-async'), r.__version__;"
        " extra = {d.metadata['Name'].lower() for d in m.distributions()}"
        " - {'pip', 'setuptools', 'replicate-async', 'httpx', 'anyio', 'attrs', 'cattrs',"
        " 'sniffio', 'certifi', 'httpcore', 'idna', 'h11', 'typing-extensions',"
        " 'typing_extensions'};"
        " assert not extra, f'unexpected distributions in the fresh venv: {sorted(extra)}';"
        " print('replicate_async', r.__version__, 'imports with the runtime dependencies only')",
        external=True,
    )


@nox.session
def verifytypes(session: nox.Session) -> None:
    """pyright --verifytypes: how much of the public API has known types (goal: 100 %).

    Over a regular install (pyright cannot follow an editable one), from a temporary directory.
    """
    session.install("--force-reinstall", "--no-deps", ".")
    session.install("httpx>=0.27", "anyio>=4.11", "attrs>=24.1", "cattrs>=24.1", "sniffio>=1.3")
    session.install("pyright[nodejs]>=1.1.390")
    session.chdir(session.create_tmp())
    session.run("pyright", "--verifytypes", "replicate_async", "--ignoreexternal")


@nox.session
def bench(session: nox.Session) -> None:
    """replicate_async against plain httpx, the official client 1.0.7 and aiohttp, alternating.

    Each client runs each scenario in a process of its own (peak RSS per client); import time is
    a ratio to ``import httpx`` in venvs with only the runtime dependencies. About 6 minutes at
    the default 3 rounds; ``nox -s bench -- --quick`` for a smaller run. Writes
    benchmarks/results.json and prints a table for an issue note.
    """
    session.install("-e", ".[emulator,aiohttp]", *group("bench"))
    # Import time is measured where only the runtime dependencies are installed: the emulator
    # extra brings uvicorn and click, and httpx imports click when it is present.
    tmp = Path(session.create_tmp())
    bare = tmp / "runtime-only"
    session.run("python", "-m", "venv", "--clear", str(bare))
    bare_python = str(bare / "bin" / "python")
    session.run(bare_python, "-m", "pip", "install", "-q", ".", external=True)
    official = tmp / "runtime-only-replicate"
    session.run("python", "-m", "venv", "--clear", str(official))
    official_python = str(official / "bin" / "python")
    session.run(official_python, "-m", "pip", "install", "-q", "replicate==1.0.7", external=True)
    session.run(
        "python",
        "benchmarks/bench.py",
        "--import-python",
        bare_python,
        "--official-import-python",
        official_python,
        *session.posargs,
    )
    # The batch scenario: run_batch and its journal against a plain httpx loop, in one run.
    quick = ["--quick"] if "--quick" in session.posargs else []
    session.run("python", "benchmarks/bench_batch.py", *quick)
