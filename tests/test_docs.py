"""Documentation checks: the migration guide covers the official client, and links resolve.

- The guide (docs/content/migrating.md) names, in its tables, every public callable of
  ``replicate`` 1.0.7 (the ``test`` dependency group pins it): module functions, classes and
  their public methods and properties, found by walking the installed package with `inspect`.
- Every relative link in README.md and docs/ points to a file that exists, and every anchor
  (``page.md#section`` or ``#section``) to a heading or an explicit ``{#id}`` of that page.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import pkgutil
import re
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDE = DOCS / "content" / "migrating.md"

# ---------------------------------------------------------------------------------------------
# The official client's public callables
# ---------------------------------------------------------------------------------------------


def _is_own(obj: object, package: str) -> bool:
    module = getattr(obj, "__module__", None)
    return isinstance(module, str) and (module == package or module.startswith(package + "."))


def _is_method_or_property(member: object) -> bool:
    """A function, static method, class method or property found in a class's namespace."""
    return inspect.isfunction(member) or isinstance(member, (staticmethod, classmethod, property))


def official_public_names() -> dict[str, object]:
    """Every public callable of the installed ``replicate``, by the name the guide uses.

    - ``replicate.X`` for the package's own callables (``replicate.run`` is a bound method of
      the default client; ``replicate.paginate`` a function);
    - ``Class`` and ``Class.member`` (nested classes as ``Outer.Inner``) for every class defined
      in a public module, with the public methods, static and class methods and properties of
      the class and of its bases defined in ``replicate``;
    - ``replicate.module.function`` for other public module functions.
    """
    replicate = pytest.importorskip("replicate")
    names: dict[str, object] = {}
    at_top: set[int] = set()
    for name in dir(replicate):
        obj = getattr(replicate, name)
        if name.startswith("_") or inspect.ismodule(obj) or inspect.isclass(obj):
            continue
        if callable(obj):
            names[f"replicate.{name}"] = obj
            at_top.add(id(getattr(obj, "__func__", obj)))

    def visit(cls: type) -> None:
        if cls.__qualname__ in names:
            return
        names[cls.__qualname__] = cls
        for klass in cls.__mro__:
            if not _is_own(klass, "replicate"):
                continue
            for member_name, member in vars(klass).items():
                if member_name.startswith("_"):
                    continue
                if inspect.isclass(member) and _is_own(member, "replicate"):
                    visit(member)
                elif _is_method_or_property(member):
                    names.setdefault(f"{cls.__qualname__}.{member_name}", member)

    modules: list[ModuleType] = [
        importlib.import_module(f"replicate.{info.name}")
        for info in pkgutil.iter_modules(replicate.__path__)
        if not info.name.startswith("_")
    ]
    for module in modules:
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isclass(obj):
                visit(obj)
            elif inspect.isfunction(obj) and id(obj) not in at_top:
                names[f"{module.__name__}.{name}"] = obj
    return names


def guide_table_names() -> set[str]:
    """The code spans of the guide's table rows, each cut at its first parenthesis."""
    names: set[str] = set()
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        for span in re.findall(r"`([^`]+)`", line):
            names.add(span.split("(", 1)[0].strip())
    return names


def test_official_client_version() -> None:
    replicate = pytest.importorskip("replicate")
    from importlib.metadata import version

    assert version("replicate") == "1.0.7", replicate.__file__


def test_walk_finds_the_well_known_callables() -> None:
    names = official_public_names()
    for expected in (
        "replicate.run",
        "replicate.async_run",
        "replicate.stream",
        "replicate.async_stream",
        "replicate.paginate",
        "Predictions.create",
        "Prediction.reload",
        "Prediction.wait",
        "Prediction.cancel",
        "Trainings.create",
        "Deployments.update",
        "Models.search",
        "Files.create",
        "Webhooks.Default.secret",
        "Webhooks.validate",
        "FileOutput",
        "ModelError",
        "ReplicateError",
    ):
        assert expected in names
    assert len(names) > 150


def test_migration_guide_names_every_public_callable() -> None:
    missing = sorted(set(official_public_names()) - guide_table_names())
    assert not missing, f"docs/content/migrating.md's tables do not name: {', '.join(missing)}"


def test_migration_guide_names_only_real_replicate_async_errors() -> None:
    import replicate_async

    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    ours = {
        cell.strip("`")
        for line in section.splitlines()
        if line.startswith("| ") and not line.startswith("| replicate")
        for cell in re.findall(r"`([A-Z][A-Za-z]+Error)`", line.split("|")[2])
    }
    assert ours, "no error names found in the Errors table"
    for name in ours - set(dir(builtins)):
        assert isinstance(getattr(replicate_async, name), type), name


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"`+[^`]*`+")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_ATTR_ID = re.compile(r"\{[^}]*#([\w-]+)[^}]*\}")
_HTML_ID = re.compile(r"<[^>]+\bid=\"([^\"]+)\"")


def markdown_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "CHANGELOG.md"]
    files += sorted((DOCS / "content").rglob("*.md"))
    return [f for f in files if f.exists()]


def prose_lines(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks."""
    lines: list[str] = []
    fence: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _FENCE.match(line)
        if match:
            if fence is None:
                fence = match.group(1)
            elif match.group(1) == fence:
                fence = None
            continue
        if fence is None:
            lines.append(line)
    return lines


def slugify(text: str) -> str:
    """The anchor Python-Markdown's toc extension (MkDocs, ProperDocs) gives a heading."""
    text = re.sub(r"\{[^}]*\}\s*$", "", text)  # attr_list
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their text
    text = re.sub(r"<[^>]+>", "", text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose_lines(path):
        heading = _HEADING.match(line)
        if heading:
            slug = slugify(heading.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}_{count}")
        found.update(_ATTR_ID.findall(line))
        found.update(_HTML_ID.findall(line))
    return found


def links(path: Path) -> list[str]:
    targets: list[str] = []
    for line in prose_lines(path):
        targets += _LINK.findall(_INLINE_CODE.sub("", line))
    return targets


def test_the_link_checker_sees_links_and_anchors() -> None:
    readme = ROOT / "README.md"
    assert links(readme), "README.md has no relative links"
    assert slugify("What you can count on") == "what-you-can-count-on"
    assert slugify("Errors and retries: `run()`") == "errors-and-retries-run"


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    broken: list[str] = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            broken.append(f"{target}: no such file")
            continue
        site = DOCS / "content"
        if path.is_relative_to(site) and not destination.is_relative_to(site):
            broken.append(f"{target}: outside docs/content, so not part of the site")
            continue
        if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading or id '{anchor}' in {destination.name}")
    assert not broken, f"{path.relative_to(ROOT)}: " + "; ".join(broken)


def test_every_page_is_in_the_navigation() -> None:
    config = (DOCS / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r"([\w./-]+\.md)\s*$", config, re.MULTILINE))
    pages = {p.relative_to(DOCS / "content").as_posix() for p in (DOCS / "content").rglob("*.md")}
    assert pages <= listed, f"pages missing from docs/mkdocs.yml's nav: {sorted(pages - listed)}"
