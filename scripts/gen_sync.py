#!/usr/bin/env python3
"""Generate the sync twins of the async code: ``_async/`` -> ``_sync/``.

The SDK's I/O code is written once, async, in ``replicate_async/_async/`` (tests in
``tests/_async/``). This script derives ``replicate_async/_sync/`` and ``tests/_sync/`` from them
by a fixed list of line-by-line, word-bounded text rules, then formats the result with ruff.

Usage (from any directory; the repository root is found from this file's location)::

    python3 scripts/gen_sync.py            # wipe and rewrite both _sync trees
    python3 scripts/gen_sync.py --check    # exit 1 (with a diff) if the _sync trees are stale
    python3 scripts/gen_sync.py --root DIR # operate on another checkout (used by the tests)
    python3 scripts/gen_sync.py --allow-unused-rules  # while the async tree is still partial

Rules, applied to every line in this order:

 1. ``AsyncByteStream``                          -> ``SyncByteStream``
 2. ``Async<Upper>...``                          -> ``<Upper>...`` (AsyncClient -> Client)
 3. ``async def`` / ``async with`` / ``async for`` -> ``def`` / ``with`` / ``for``
 4. ``await ``                                   -> (removed)
 5. ``__aenter__ __aexit__ __aiter__ __anext__``  -> ``__enter__ __exit__ __iter__ __next__``
 6. ``asynccontextmanager``                      -> ``contextmanager``
 7. ``StopAsyncIteration``                       -> ``StopIteration``
 8. ``aclose aread aiter_bytes aiter_lines aiter_raw aiter_text handle_async_request``
                                                 -> ``close read iter_bytes ...``
 9. ``aconnect_sse`` / ``aiter_sse``             -> ``connect_sse`` / ``iter_sse``
10. a line that is only ``@pytest.mark.anyio`` (or ``pytestmark = pytest.mark.anyio``) is
    dropped, and an ``anyio_backend`` parameter is removed from a ``def`` line (a line holding
    nothing but ``anyio_backend[: type],``, as in a multi-line signature, is dropped).
11. ``_async`` (a whole word: ``replicate_async._async.foo``) -> ``_sync``, so that sync tests
    import the sync modules. ``replicate_async`` itself is not touched.

The rules also apply inside strings, comments and docstrings, so ``__all__`` entries and prose
follow the renames (and the bare word ``await`` followed by a space disappears from prose too).

Escape hatch, for the rare line that must differ between the two colours (a real comment, not
text inside a string):

* a line carrying the comment ``# sync: skip`` is dropped from the sync output;
* a line ending in the comment ``# sync: <replacement text>`` is replaced, in the sync output,
  by ``<replacement text>`` (verbatim, no rule applied) at the original line's indentation. A
  comment-only line ``# sync: <code>`` therefore adds a sync-only line.

Guards (any failure exits 1 and writes nothing):

* every rule in ``REQUIRED_RULES`` (2, 3, 4, 5) must fire somewhere in the run, unless the
  source trees hold nothing to convert (no ``*.py`` file, or no rule fired at all) or
  ``--allow-unused-rules`` is given;
* no generated line may keep an async identifier (``await``, ``async``, ``anyio``, ``asyncio``,
  ``aclose``, ``Async<Upper>...``) as a code token (comments and strings are not checked);
* every generated file must compile.

Outputs are formatted with ``ruff check --select I --fix`` and ``ruff format`` using the
repository's ruff configuration. Each generated file starts with a ``# GENERATED ... DO NOT
EDIT.`` header line.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

SCRIPT_PATH = "scripts/gen_sync.py"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent

#: (async source dir, generated sync dir), relative to the repository root.
TREES: tuple[tuple[str, str], ...] = (
    ("replicate_async/_async", "replicate_async/_sync"),
    ("tests/_async", "tests/_sync"),
)

#: Rules that must fire at least once in a run over a non-trivial tree: if one of them never
#: fires, its pattern is most likely broken. Rules 1 and 6-11 are legitimately optional.
REQUIRED_RULES = frozenset({2, 3, 4, 5})

HEADER_TEMPLATE = "# GENERATED from {source} by " + SCRIPT_PATH + ". DO NOT EDIT."


class GenSyncError(Exception):
    """A guard failed or a tool is missing; the message says what to fix."""


class Rule(NamedTuple):
    """One substitution: rule `number` of the table in the module docstring."""

    number: int
    pattern: re.Pattern[str]
    replacement: str | Callable[[re.Match[str]], str]


def _words(number: int, pairs: dict[str, str]) -> list[Rule]:
    return [Rule(number, re.compile(rf"\b{re.escape(a)}\b"), b) for a, b in pairs.items()]


RULES: tuple[Rule, ...] = (
    *_words(1, {"AsyncByteStream": "SyncByteStream"}),
    Rule(2, re.compile(r"\bAsync([A-Z]\w*)\b"), r"\1"),
    Rule(3, re.compile(r"\basync[ \t]+(def|with|for)\b"), r"\1"),
    Rule(4, re.compile(r"\bawait[ \t]+"), ""),
    *_words(
        5,
        {
            "__aenter__": "__enter__",
            "__aexit__": "__exit__",
            "__aiter__": "__iter__",
            "__anext__": "__next__",
        },
    ),
    *_words(6, {"asynccontextmanager": "contextmanager"}),
    *_words(7, {"StopAsyncIteration": "StopIteration"}),
    *_words(
        8,
        {
            "aclose": "close",
            "aread": "read",
            "aiter_bytes": "iter_bytes",
            "aiter_lines": "iter_lines",
            "aiter_raw": "iter_raw",
            "aiter_text": "iter_text",
            "handle_async_request": "handle_request",
        },
    ),
    *_words(9, {"aconnect_sse": "connect_sse", "aiter_sse": "iter_sse"}),
    *_words(11, {"_async": "_sync"}),
)

ANYIO_RULE = 10
_ANYIO_MARK_LINE = re.compile(
    r"^[ \t]*(?:@pytest\.mark\.anyio(?:\(\))?|pytestmark[ \t]*=[ \t]*pytest\.mark\.anyio)[ \t]*$"
)
_BACKEND = r"anyio_backend(?:[ \t]*:[ \t]*[\w.]+)?"
_BACKEND_PARAM_LINE = re.compile(rf"^[ \t]*{_BACKEND}[ \t]*,?[ \t]*$")
_BACKEND_LAST_PARAM = re.compile(rf"(\(|,[ \t]*){_BACKEND}(?=[ \t]*,?[ \t]*\))")
_BACKEND_PARAM = re.compile(rf"(?<=[(, \t]){_BACKEND}[ \t]*,[ \t]*")
_DEF_LINE = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]")

_SYNC_COMMENT = re.compile(r"^#[ \t]*sync:[ \t]*(.*?)[ \t]*$")
_SYNC_COMMENT_FALLBACK = re.compile(r"(?:^|[ \t])#[ \t]*sync:[ \t]*(.*?)[ \t]*$")
_LEFTOVER_NAME = re.compile(r"^(?:await|async|anyio|asyncio|aclose)$|^Async[A-Z]")
_PYCACHE = "__pycache__"


# --------------------------------------------------------------------------- conversion


def _sync_comments(text: str) -> dict[int, str]:
    """Map 1-based line numbers to the text of their ``# sync:`` comment."""
    found: dict[int, str] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                match = _SYNC_COMMENT.match(token.string)
                if match:
                    found[token.start[0]] = match.group(1)
    except (tokenize.TokenError, SyntaxError):
        # Not tokenizable (a fragment): fall back to a plain per-line search.
        found = {}
        for number, line in enumerate(text.split("\n"), start=1):
            match = _SYNC_COMMENT_FALLBACK.search(line)
            if match:
                found[number] = match.group(1)
    return found


def _convert_line(line: str, used: set[int]) -> str | None:
    """Apply the rules to one line; None means the line is dropped."""
    if _ANYIO_MARK_LINE.match(line) or _BACKEND_PARAM_LINE.match(line):
        used.add(ANYIO_RULE)
        return None
    if _DEF_LINE.match(line) and "anyio_backend" in line:
        new = _BACKEND_LAST_PARAM.sub(lambda m: "(" if m.group(1) == "(" else "", line)
        new = _BACKEND_PARAM.sub("", new)
        if new != line:
            used.add(ANYIO_RULE)
            line = new
    for rule in RULES:
        line, count = rule.pattern.subn(rule.replacement, line)
        if count:
            used.add(rule.number)
    return line


def convert_source(text: str) -> tuple[str, set[int]]:
    """Convert async source text to sync; return the new text and the rule numbers used.

    The escape-hatch comments (``# sync: skip`` / ``# sync: <text>``) take precedence over the
    rules. Line endings are normalised to LF.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    hatches = _sync_comments(text)
    used: set[int] = set()
    out: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        hatch = hatches.get(number)
        if hatch is not None:
            if hatch == "skip":
                continue
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            out.append(indent + hatch)
            continue
        converted = _convert_line(line, used)
        if converted is not None:
            out.append(converted)
    return "\n".join(out), used


def find_leftovers(text: str) -> list[tuple[int, str]]:
    """Code tokens (not comments or strings) of `text` that still look async: (line, name)."""
    found: list[tuple[int, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.NAME and _LEFTOVER_NAME.search(token.string):
            found.append((token.start[0], token.string))
    return found


def compile_error(text: str, filename: str) -> str | None:
    """None if `text` compiles, else a one-line description of the syntax error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def header_for(source_rel: str, line_length: int = 100) -> str:
    """The DO-NOT-EDIT first line of a generated file (with a noqa if it is too long)."""
    header = HEADER_TEMPLATE.format(source=source_rel)
    if len(header) > line_length:
        header += "  # noqa: E501"
    return header


# --------------------------------------------------------------------------- the tree


def _ruff_settings(root: Path) -> dict[str, Any]:
    """The ``[tool.ruff]`` table of `root`'s pyproject.toml ({} if there is none)."""
    try:
        import tomllib

        data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError, ImportError):
        return {}
    settings = data.get("tool", {}).get("ruff", {})
    return settings if isinstance(settings, dict) else {}


def _ruff_line_length(root: Path) -> int:
    value = _ruff_settings(root).get("line-length", 88)
    return value if isinstance(value, int) else 88


def _known_first_party(root: Path) -> list[str]:
    """First-party packages for import sorting: the configured ones plus the generated trees'.

    Ruff classifies ``replicate_async._sync.x`` as first-party only once that file exists at its
    final path; naming the packages makes the staged output sort exactly like the final tree.
    """
    settings = _ruff_settings(root)
    names: set[str] = set()
    for table in (settings.get("lint", {}).get("isort", {}), settings.get("isort", {})):
        configured = table.get("known-first-party", []) if isinstance(table, dict) else []
        names.update(str(name) for name in configured)
    names.update(out_rel.split("/")[0] for _, out_rel in TREES)
    return sorted(names)


def _iter_sources(root: Path) -> Iterator[tuple[Path, str]]:
    """(source file, output path relative to root) for every async *.py file, sorted."""
    for src_rel, out_rel in TREES:
        src_dir = root / src_rel
        if not src_dir.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(src_dir):
            dirnames[:] = sorted(d for d in dirnames if d != _PYCACHE)
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                path = Path(dirpath) / name
                yield path, (Path(out_rel) / path.relative_to(src_dir)).as_posix()


def convert_tree(root: Path, *, require_rules: bool = True) -> dict[str, str]:
    """Convert every async source under `root`: {output path relative to root: text}.

    Runs the guards (unused rules, leftovers, compile) and raises GenSyncError listing every
    problem found (`require_rules=False` skips the unused-rule guard). The texts are not
    formatted yet.
    """
    line_length = _ruff_line_length(root)
    outputs: dict[str, str] = {}
    used: set[int] = set()
    problems: list[str] = []
    for path, out_rel in _iter_sources(root):
        source_rel = path.relative_to(root).as_posix()
        text, file_used = convert_source(path.read_text(encoding="utf-8"))
        used |= file_used
        text = header_for(source_rel, line_length) + "\n" + text.rstrip("\n") + "\n"
        error = compile_error(text, out_rel)
        if error is not None:
            problems.append(f"{out_rel} (from {source_rel}) does not compile: {error}")
        else:
            for line, name in find_leftovers(text):
                problems.append(
                    f"{out_rel}:{line} (from {source_rel}): {name!r} survived the conversion; "
                    "rename it, or mark the source line with '# sync: skip' / '# sync: <text>'"
                )
        outputs[out_rel] = text
    if require_rules and outputs and used:
        unused = sorted(REQUIRED_RULES - used)
        if unused:
            problems.append(
                f"rule(s) {', '.join(map(str, unused))} of {SCRIPT_PATH} were never used: "
                "a pattern is broken or the rule is obsolete"
            )
    if problems:
        raise GenSyncError("\n".join(problems))
    return outputs


def find_ruff() -> list[str] | None:
    """The command that runs ruff: on PATH, beside sys.executable, or ``python -m ruff``."""
    on_path = shutil.which("ruff")
    if on_path:
        return [on_path]
    bindir = Path(sys.executable).parent
    for name in ("ruff", "ruff.exe"):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return [str(candidate)]
    module = [sys.executable, "-m", "ruff"]
    try:
        probe = subprocess.run([*module, "--version"], capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return module if probe.returncode == 0 else None


def _run_ruff(ruff: list[str], args: list[str], root: Path) -> None:
    proc = subprocess.run(
        [*ruff, *args], cwd=root, capture_output=True, text=True, check=False, timeout=300
    )
    if proc.returncode != 0:
        raise GenSyncError(
            f"'{' '.join(['ruff', *args[:3]])} ...' failed (exit {proc.returncode}):\n"
            f"{proc.stdout}{proc.stderr}"
        )


def format_files(files: Sequence[Path], root: Path) -> None:
    """Sort imports and format `files` in place with ruff and the config of `root`."""
    if not files:
        return
    ruff = find_ruff()
    if ruff is None:
        raise GenSyncError(
            "ruff not found (looked on PATH, beside "
            f"{sys.executable}, and for 'python -m ruff'); install it, e.g. "
            "'pip install ruff', or run this script with the project's virtualenv python"
        )
    config: list[str] = []
    pyproject = root / "pyproject.toml"
    if _ruff_settings(root):
        config = ["--config", str(pyproject)]
    first_party = f"lint.isort.known-first-party = {json.dumps(_known_first_party(root))}"
    names = [str(f) for f in files]
    _run_ruff(
        ruff,
        ["check", "--select", "I", "--fix", "--no-cache", *config, "--config", first_party, *names],
        root,
    )
    _run_ruff(ruff, ["format", "--no-cache", *config, *names], root)


def generate(out_root: Path, root: Path | None = None, *, require_rules: bool = True) -> None:
    """Convert the async trees of `root` and write the formatted sync trees under `out_root`.

    Files land at the same relative paths as in the repository (``out_root/replicate_async/
    _sync/...``). Keep `out_root` inside `root` so that ruff sees the project's configuration.
    """
    root = (root or DEFAULT_ROOT).resolve()
    outputs = convert_tree(root, require_rules=require_rules)
    written: list[Path] = []
    for rel, text in outputs.items():
        target = out_root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(target)
    format_files(written, root)


def _tree_files(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` (bytecode caches excepted): {posix relative path: bytes}."""
    files: dict[str, bytes] = {}
    if not directory.is_dir():
        return files
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if d != _PYCACHE)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            files[path.relative_to(directory).as_posix()] = path.read_bytes()
    return files


def _staging_dir(root: Path) -> Path:
    return Path(tempfile.mkdtemp(prefix=".gen_sync-", dir=root))


def write(root: Path | None = None, *, require_rules: bool = True) -> int:
    """Regenerate both sync trees of `root`, replacing them entirely. Returns the file count."""
    root = (root or DEFAULT_ROOT).resolve()
    staging = _staging_dir(root)
    try:
        generate(staging, root, require_rules=require_rules)
        count = 0
        for _, out_rel in TREES:
            target = root / out_rel
            if target.exists():
                shutil.rmtree(target)
            built = staging / out_rel
            if built.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(built, target)
                count += len(_tree_files(target))
        return count
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _decode(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


def check(
    root: Path | None = None,
    out: Callable[[str], object] = print,
    *,
    require_rules: bool = True,
) -> int:
    """Compare the committed sync trees with a fresh generation; 0 if identical, else 1."""
    root = (root or DEFAULT_ROOT).resolve()
    staging = _staging_dir(root)
    try:
        generate(staging, root, require_rules=require_rules)
        expected: dict[str, bytes] = {}
        actual: dict[str, bytes] = {}
        for _, out_rel in TREES:
            for rel, data in _tree_files(staging / out_rel).items():
                expected[f"{out_rel}/{rel}"] = data
            for rel, data in _tree_files(root / out_rel).items():
                actual[f"{out_rel}/{rel}"] = data
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(k for k in expected.keys() & actual.keys() if expected[k] != actual[k])
    for name in changed:
        diff = difflib.unified_diff(
            _decode(actual[name]),
            _decode(expected[name]),
            fromfile=f"{name} (committed)",
            tofile=f"{name} (generated)",
        )
        out("".join(diff).rstrip("\n"))
    for name in missing:
        out(f"missing: {name} (should be generated)")
    for name in extra:
        out(f"extra: {name} (no async source generates it; delete it)")
    if missing or extra or changed:
        out(
            f"gen_sync: the sync trees are out of date ({len(changed)} changed, "
            f"{len(missing)} missing, {len(extra)} extra); run 'python3 {SCRIPT_PATH}'"
        )
        return 1
    out(f"gen_sync: OK, {len(expected)} generated file(s) up to date")
    return 0


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=SCRIPT_PATH,
        description="Generate replicate_async/_sync and tests/_sync from their _async twins.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 with a diff if the committed sync trees are stale",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help="repository root to operate on (default: the checkout holding this script)",
    )
    parser.add_argument(
        "--allow-unused-rules",
        action="store_true",
        help="skip the unused-rule guard (for a tree that is still partly written)",
    )
    args = parser.parse_args(argv)
    root: Path = args.root.resolve()
    if not (root / TREES[0][0]).is_dir():
        print(f"gen_sync: {TREES[0][0]}/ does not exist yet under {root}; nothing to do")
        return 0
    require = not args.allow_unused_rules
    try:
        if args.check:
            return check(root, require_rules=require)
        count = write(root, require_rules=require)
    except GenSyncError as exc:
        print(f"gen_sync: error:\n{exc}", file=sys.stderr)
        return 1
    print(f"gen_sync: wrote {count} file(s) into {', '.join(out for _, out in TREES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
