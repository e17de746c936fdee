"""Tests for scripts/gen_sync.py, the async -> sync code generator."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "gen_sync.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_sync_under_test", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gs = _load_script()

needs_ruff = pytest.mark.skipif(gs.find_ruff() is None, reason="ruff is not installed")


# --------------------------------------------------------------------------- the rules

RULE_CASES = [
    # (rule, async line, sync line)
    (1, "def body(self) -> AsyncByteStream:", "def body(self) -> SyncByteStream:"),
    (1, "class _Body(httpx.AsyncByteStream):", "class _Body(httpx.SyncByteStream):"),
    (2, "client = AsyncClient(token)", "client = Client(token)"),
    (2, "http = httpx.AsyncClient()", "http = httpx.Client()"),
    (2, "def f() -> AsyncIterator[int]:", "def f() -> Iterator[int]:"),
    (2, "runtime = AsyncRuntime()", "runtime = Runtime()"),
    (2, "limiter: AsyncLimiter | None", "limiter: Limiter | None"),
    (2, '__all__ = ["AsyncClient", "AsyncPage"]', '__all__ = ["Client", "Page"]'),
    (3, "async def run(self) -> None:", "def run(self) -> None:"),
    (3, "    async with limiter:", "    with limiter:"),
    (3, "    async for event in events:", "    for event in events:"),
    (3, "    out = [x async for x in xs]", "    out = [x for x in xs]"),
    (4, "    response = await http.send(request)", "    response = http.send(request)"),
    (4, "    return await self.request(url)", "    return self.request(url)"),
    (5, "async def __aenter__(self) -> Self:", "def __enter__(self) -> Self:"),
    (
        5,
        "async def __aexit__(self, *exc: object) -> None:",
        "def __exit__(self, *exc: object) -> None:",
    ),
    (5, "def __aiter__(self) -> Self:", "def __iter__(self) -> Self:"),
    (5, "async def __anext__(self) -> T:", "def __next__(self) -> T:"),
    (6, "@contextlib.asynccontextmanager", "@contextlib.contextmanager"),
    (6, "from contextlib import asynccontextmanager", "from contextlib import contextmanager"),
    (7, "        raise StopAsyncIteration", "        raise StopIteration"),
    (8, "    response.aclose()", "    response.close()"),
    (8, "    body = response.aread()", "    body = response.read()"),
    (8, "    for c in r.aiter_bytes():", "    for c in r.iter_bytes():"),
    (8, "    for c in r.aiter_lines():", "    for c in r.iter_lines():"),
    (8, "    for c in r.aiter_raw():", "    for c in r.iter_raw():"),
    (8, "    for c in r.aiter_text():", "    for c in r.iter_text():"),
    (9, "from httpx_sse import aconnect_sse", "from httpx_sse import connect_sse"),
    (9, "    for sse in source.aiter_sse():", "    for sse in source.iter_sse():"),
    (
        10,
        "async def test_x(anyio_backend: str, client: AsyncClient) -> None:",
        "def test_x(client: Client) -> None:",
    ),
    (10, "async def test_y(client, anyio_backend) -> None:", "def test_y(client) -> None:"),
    (10, "async def test_z(anyio_backend: str) -> None:", "def test_z() -> None:"),
    (
        11,
        "from replicate_async._async.client import x",
        "from replicate_async._sync.client import x",
    ),
]


@pytest.mark.parametrize(("rule", "source", "expected"), RULE_CASES)
def test_each_rule_converts_its_line(rule: int, source: str, expected: str) -> None:
    text, used = gs.convert_source(source + "\n")
    assert text == expected + "\n"
    assert rule in used


@pytest.mark.parametrize(
    "line",
    [
        "@pytest.mark.anyio",
        "    @pytest.mark.anyio",
        "pytestmark = pytest.mark.anyio",
        "    anyio_backend: str,",
    ],
)
def test_rule_10_drops_anyio_only_lines(line: str) -> None:
    text, used = gs.convert_source(f"x = 1\n{line}\ny = 2\n")
    assert text == "x = 1\ny = 2\n"
    assert used == {10}


@pytest.mark.parametrize(
    "line",
    [
        "value = asynchronous_thing + awaited",  # not whole words
        "name = replicate_async.client",  # the package name keeps its suffix
        "x = StopAsyncIterationError",  # no partial match of rule 7
        "class _AsyncHelper: ...",  # `\bAsync` needs a word boundary
        "def anyio_backend(request): ...",  # the fixture itself is kept
        "@pytest.mark.anyio(backend='trio')",  # not only the bare decorator
    ],
)
def test_rules_are_word_bounded(line: str) -> None:
    text, used = gs.convert_source(line + "\n")
    assert text == line + "\n"
    assert used == set()


def test_explicit_rule_runs_before_the_generic_one() -> None:
    text, used = gs.convert_source("x: AsyncByteStream | AsyncStream\n")
    assert text == "x: SyncByteStream | Stream\n"
    assert used == {1, 2}


def test_multi_line_signature_loses_anyio_backend() -> None:
    source = textwrap.dedent(
        """\
        async def test_long(
            anyio_backend: str,
            client: AsyncClient,
        ) -> None:
            await client.aclose()
        """
    )
    text, used = gs.convert_source(source)
    assert text == textwrap.dedent(
        """\
        def test_long(
            client: Client,
        ) -> None:
            client.close()
        """
    )
    assert used == {2, 3, 4, 8, 10}


def test_crlf_is_normalised() -> None:
    text, _ = gs.convert_source("async def f():\r\n    await g()\r\n")
    assert text == "def f():\n    g()\n"


# --------------------------------------------------------------------------- the escape hatch


def test_sync_skip_drops_the_line() -> None:
    source = textwrap.dedent(
        """\
        async def f() -> None:
            await checkpoint()  # sync: skip
            await work()
        """
    )
    text, _ = gs.convert_source(source)
    assert text == "def f() -> None:\n    work()\n"


def test_sync_replacement_keeps_the_indentation() -> None:
    source = textwrap.dedent(
        """\
        async def f() -> None:
            if True:
                await anyio.sleep(0)  # sync: time.sleep(0)  # a comment, kept verbatim
        """
    )
    text, _ = gs.convert_source(source)
    assert text.splitlines()[2] == "        time.sleep(0)  # a comment, kept verbatim"


def test_comment_only_sync_line_adds_a_sync_only_line() -> None:
    source = "async def f() -> None:\n    # sync: prepare()\n    await g()\n"
    text, _ = gs.convert_source(source)
    assert text == "def f() -> None:\n    prepare()\n    g()\n"


def test_sync_marker_inside_a_string_is_not_an_escape_hatch() -> None:
    source = 'MARK = "# sync: skip"\nNOTE = """\nawait x  # sync: other\n"""\n'
    text, _ = gs.convert_source(source)
    assert text == 'MARK = "# sync: skip"\nNOTE = """\nx  # sync: other\n"""\n'


def test_escape_hatch_works_on_untokenizable_fragments() -> None:
    text, _ = gs.convert_source('s = """unterminated  # sync: s = 1\n')
    assert text == "s = 1\n"


# --------------------------------------------------------------------------- guards (no ruff)


def test_find_leftovers_sees_code_tokens_only() -> None:
    source = textwrap.dedent(
        """\
        '''Docstring mentioning await, anyio and AsyncClient.'''
        import anyio  # comment: asyncio, aclose
        x = "await AsyncClient"
        def f(): return AsyncThing, asyncio
        """
    )
    assert gs.find_leftovers(source) == [(2, "anyio"), (4, "AsyncThing"), (4, "asyncio")]


def test_compile_error_reports_syntax_errors() -> None:
    assert gs.compile_error("x = 1\n", "ok.py") is None
    message = gs.compile_error("def f(:\n", "bad.py")
    assert message is not None
    assert "SyntaxError" in message


def test_header_is_exact_and_gets_noqa_only_when_too_long() -> None:
    short = gs.header_for("replicate_async/_async/client.py", 100)
    assert short == (
        "# GENERATED from replicate_async/_async/client.py by scripts/gen_sync.py. DO NOT EDIT."
    )
    long = gs.header_for("tests/_async/" + "x" * 60 + ".py", 100)
    assert long.startswith("# GENERATED from tests/_async/xxx")
    assert long.endswith(". DO NOT EDIT.  # noqa: E501")


def test_default_root_is_this_repository() -> None:
    assert gs.DEFAULT_ROOT == REPO_ROOT


# --------------------------------------------------------------------------- a fake repository

PYPROJECT = """\
[tool.ruff]
line-length = 100
target-version = "py311"

[tool.ruff.format]
line-ending = "lf"
"""

CLIENT = '''\
"""A tiny async client: AsyncThing."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import httpx

__all__ = ["AsyncThing"]

_METHOD = 'GET'  # ruff format turns this into double quotes


class AsyncThing:
    """Owns an httpx.AsyncClient."""

    def __init__(self) -> None:
        self._http = httpx.AsyncClient()

    async def __aenter__(self) -> AsyncThing:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    @contextlib.asynccontextmanager
    async def lines(self) -> AsyncIterator[Iterator[str]]:
        async with self._http.stream(_METHOD, "/") as response:
            yield iter([line async for line in response.aiter_lines()])
'''

TEST_MODULE = """\
import pytest

from replicate_async._async.client import AsyncThing


@pytest.mark.anyio
async def test_thing(anyio_backend: str) -> None:
    async with AsyncThing() as thing:
        assert thing is not None
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    _write(root / "pyproject.toml", PYPROJECT)
    _write(root / "replicate_async/_async/__init__.py", '"""Async twins."""\n')
    _write(root / "replicate_async/_async/client.py", CLIENT)
    _write(root / "replicate_async/_async/py.typed", "")
    _write(root / "tests/_async/__init__.py", "")
    _write(root / "tests/_async/conftest.py", "import pytest\n")
    _write(root / "tests/_async/test_client.py", TEST_MODULE)
    return root


def _run(root: Path, *args: str) -> int:
    return int(gs.main([*args, "--root", str(root)]))


def _sync_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "_sync" in p.relative_to(root).parts
    )


def test_missing_async_tree_is_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path) == 0
    assert _run(tmp_path, "--check") == 0
    assert "nothing to do" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_leftover_async_identifier_fails(
    fake_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        fake_root / "replicate_async/_async/nap.py",
        "import anyio\n\n\nasync def nap() -> None:\n    await anyio.sleep(1)\n",
    )
    assert _run(fake_root) == 1
    err = capsys.readouterr().err
    assert "replicate_async/_sync/nap.py:2" in err
    assert "'anyio' survived" in err
    assert _sync_files(fake_root) == []
    assert not any(p.name.startswith(".gen_sync-") for p in fake_root.iterdir())


def test_leftover_guard_also_fails_check(fake_root: Path) -> None:
    _write(fake_root / "replicate_async/_async/bad.py", "x = asyncio.run\n")
    assert _run(fake_root, "--check") == 1


def test_output_that_does_not_compile_fails(
    fake_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(
        fake_root / "replicate_async/_async/broken.py",
        "async def f() -> None:\n    await g()  # sync: def (:\n",
    )
    assert _run(fake_root) == 1
    err = capsys.readouterr().err
    assert "replicate_async/_sync/broken.py" in err
    assert "does not compile" in err
    assert _sync_files(fake_root) == []


def test_unused_required_rule_fails(fake_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Without the client there is no __aenter__ left: rule 5 never fires.
    (fake_root / "replicate_async/_async/client.py").unlink()
    _write(
        fake_root / "replicate_async/_async/other.py",
        "async def f(c: AsyncC) -> None:\n    await c.g()\n",
    )
    assert _run(fake_root) == 1
    assert "rule(s) 5 of scripts/gen_sync.py were never used" in capsys.readouterr().err
    with pytest.raises(gs.GenSyncError, match=r"rule\(s\) 5 "):
        gs.convert_tree(fake_root)
    outputs = gs.convert_tree(fake_root, require_rules=False)
    assert "replicate_async/_sync/other.py" in outputs


def test_unused_rule_guard_is_quiet_for_trees_with_nothing_to_convert(tmp_path: Path) -> None:
    _write(tmp_path / "replicate_async/_async/__init__.py", '"""Nothing yet."""\n')
    assert gs.convert_tree(tmp_path) == {
        "replicate_async/_sync/__init__.py": (
            "# GENERATED from replicate_async/_async/__init__.py by scripts/gen_sync.py."
            ' DO NOT EDIT.\n"""Nothing yet."""\n'
        )
    }
    empty = tmp_path / "empty"
    (empty / "replicate_async/_async").mkdir(parents=True)
    assert gs.convert_tree(empty) == {}


def test_convert_tree_maps_both_trees_and_only_py_files(fake_root: Path) -> None:
    outputs = gs.convert_tree(fake_root)
    assert sorted(outputs) == [
        "replicate_async/_sync/__init__.py",
        "replicate_async/_sync/client.py",
        "tests/_sync/__init__.py",
        "tests/_sync/conftest.py",
        "tests/_sync/test_client.py",
    ]


# --------------------------------------------------------------------------- generation (ruff)


@needs_ruff
def test_generate_writes_formatted_sync_trees(fake_root: Path) -> None:
    assert _run(fake_root) == 0
    assert _sync_files(fake_root) == [
        "replicate_async/_sync/__init__.py",
        "replicate_async/_sync/client.py",
        "tests/_sync/__init__.py",
        "tests/_sync/conftest.py",
        "tests/_sync/test_client.py",
    ]
    client = (fake_root / "replicate_async/_sync/client.py").read_bytes().decode()
    first, _, body = client.partition("\n")
    assert first == (
        "# GENERATED from replicate_async/_async/client.py by scripts/gen_sync.py. DO NOT EDIT."
    )
    assert "\r" not in client
    # The imports were merged by ruff (AsyncIterator became a second Iterator).
    assert "from collections.abc import Iterator\n" in body
    assert "    def __enter__(self) -> Thing:\n        return self\n" in body
    assert "        self._http.close()\n" in body
    assert "    @contextlib.contextmanager\n    def lines(self) -> Iterator[Iterator[str]]:" in body
    assert "yield iter([line for line in response.iter_lines()])" in body
    assert '__all__ = ["Thing"]' in body
    assert '\n_METHOD = "GET"  # ruff format' in body
    assert gs.find_leftovers(client) == []
    test_module = (fake_root / "tests/_sync/test_client.py").read_text()
    assert test_module.splitlines()[0] == (
        "# GENERATED from tests/_async/test_client.py by scripts/gen_sync.py. DO NOT EDIT."
    )
    assert "pytest.mark.anyio" not in test_module
    assert "from replicate_async._sync.client import Thing\n" in test_module
    assert "\ndef test_thing() -> None:\n    with Thing() as thing:\n" in test_module
    assert not any(p.name.startswith(".gen_sync-") for p in fake_root.iterdir())


@needs_ruff
def test_generate_is_deterministic_and_wipes_orphans(fake_root: Path) -> None:
    assert _run(fake_root) == 0
    first = {p: (fake_root / p).read_bytes() for p in _sync_files(fake_root)}
    _write(fake_root / "replicate_async/_sync/orphan.py", "x = 1\n")
    _write(fake_root / "tests/_sync/notes.txt", "stale\n")
    assert _run(fake_root) == 0
    second = {p: (fake_root / p).read_bytes() for p in _sync_files(fake_root)}
    assert second == first


@needs_ruff
def test_generated_tree_is_stable_under_the_projects_own_ruff(fake_root: Path) -> None:
    assert _run(fake_root) == 0
    ruff = gs.find_ruff()
    assert ruff is not None
    files = _sync_files(fake_root)
    for args in (["check", "--select", "I"], ["format", "--check"]):
        proc = subprocess.run(
            [*ruff, *args, "--no-cache", *files],
            cwd=fake_root,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_ruff
def test_generate_function_writes_under_out_root(fake_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    gs.generate(out, fake_root)
    assert (out / "replicate_async/_sync/client.py").is_file()
    assert (out / "tests/_sync/test_client.py").is_file()
    assert not (fake_root / "replicate_async/_sync").exists()


@needs_ruff
def test_deleted_async_source_leaves_no_generated_tree(fake_root: Path) -> None:
    assert _run(fake_root) == 0
    for path in sorted((fake_root / "tests/_async").iterdir()):
        path.unlink()
    assert _run(fake_root) == 0
    assert not (fake_root / "tests/_sync").exists()
    assert (fake_root / "replicate_async/_sync/client.py").is_file()


# --------------------------------------------------------------------------- --check (ruff)


@pytest.fixture
def generated_root(fake_root: Path) -> Path:
    if gs.find_ruff() is None:
        pytest.skip("ruff is not installed")
    assert _run(fake_root) == 0
    return fake_root


def test_check_clean_tree_passes(generated_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert _run(generated_root, "--check") == 0
    assert "gen_sync: OK, 5 generated file(s) up to date" in capsys.readouterr().out


def test_check_ignores_bytecode_caches(generated_root: Path) -> None:
    _write(generated_root / "tests/_sync/__pycache__/test_client.cpython-311.pyc", "junk")
    assert _run(generated_root, "--check") == 0


def test_check_catches_an_appended_line(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = generated_root / "replicate_async/_sync/client.py"
    target.write_text(target.read_text() + "EXTRA = 1\n")
    capsys.readouterr()
    assert _run(generated_root, "--check") == 1
    out = capsys.readouterr().out
    assert "--- replicate_async/_sync/client.py (committed)" in out
    assert "-EXTRA = 1" in out
    assert "1 changed, 0 missing, 0 extra" in out


def test_check_catches_an_edited_line(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = generated_root / "tests/_sync/test_client.py"
    target.write_text(target.read_text().replace("assert thing is not None", "assert thing"))
    capsys.readouterr()
    assert _run(generated_root, "--check") == 1
    out = capsys.readouterr().out
    assert "-        assert thing\n+        assert thing is not None" in out


def test_check_catches_an_orphan_file(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(generated_root / "replicate_async/_sync/stale.py", "x = 1\n")
    capsys.readouterr()
    assert _run(generated_root, "--check") == 1
    out = capsys.readouterr().out
    assert "extra: replicate_async/_sync/stale.py" in out
    assert "0 changed, 0 missing, 1 extra" in out


def test_check_catches_a_missing_file(
    generated_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (generated_root / "tests/_sync/conftest.py").unlink()
    capsys.readouterr()
    assert _run(generated_root, "--check") == 1
    assert "missing: tests/_sync/conftest.py" in capsys.readouterr().out


def test_check_catches_a_new_async_source(generated_root: Path) -> None:
    _write(generated_root / "replicate_async/_async/extra.py", "async def f() -> None: ...\n")
    assert _run(generated_root, "--check") == 1


def test_check_does_not_write(generated_root: Path) -> None:
    target = generated_root / "replicate_async/_sync/client.py"
    target.write_text("edited = True\n")
    assert _run(generated_root, "--check") == 1
    assert target.read_text() == "edited = True\n"
    assert not any(p.name.startswith(".gen_sync-") for p in generated_root.iterdir())


def test_script_runs_standalone_from_any_cwd(generated_root: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", "--root", str(generated_root)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "gen_sync: OK" in proc.stdout
