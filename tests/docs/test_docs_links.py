"""The docs cannot silently rot: their links, the paths they name and the tests they cite exist.

Checked: every relative link (and its #anchor) in README.md, SECURITY.md, surveys/README.md and
docs/*.md resolves to a file inside the repository; every repository path the docs name in
backticks exists (except what PLANNED names: modules planned but not yet there);
every ``tests/...py::test_name`` in the docs names a test that exists.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
LINKED = [ROOT / "README.md", ROOT / "SECURITY.md", ROOT / "surveys" / "README.md", *DOCS]

#: Modules the docs name as they will be once issue #13's pipeline lands.
PLANNED: set[str] = set()  # modules the docs may name before they land

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
REPO_PATH = re.compile(r"^(?:api|worker|surveys|pwa|tests|bench|docs)/[\w./*-]*$")
TEST_REF = re.compile(r"(tests/[\w/.-]+\.py)((?:::\w+)+)")


def _prose(text: str) -> str:
    """The text without fenced blocks and code spans: links inside code are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    """Every link target of a Markdown text, outside code."""
    prose = _prose(text)
    return INLINE_LINK.findall(prose) + REFERENCE_LINK.findall(prose)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes for a Markdown file's headings (repeats get -1, -2 ...)."""
    seen: dict[str, int] = {}
    out = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(source: Path) -> list[str]:
    """The relative links of ``source`` that do not resolve inside the repository."""
    problems = []
    for target in links(source.read_text(encoding="utf-8")):
        if SCHEME.match(target):
            continue  # http(s), mailto: not ours to check offline
        path_part, _, fragment = target.partition("#")
        resolved = (source.parent / path_part).resolve() if path_part else source
        if not resolved.is_relative_to(ROOT):
            problems.append(f"{target} (outside the repository)")
        elif not resolved.exists():
            problems.append(f"{target} (no such file)")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            problems.append(f"{target} (no heading #{fragment})")
    # A path written as code still sends the reader somewhere: `../shared/` is outside too.
    for _, span in CODE_SPAN.findall(FENCE.sub("", source.read_text(encoding="utf-8"))):
        if span.startswith("../") and not (source.parent / span).resolve().is_relative_to(ROOT):
            problems.append(f"{span} (outside the repository)")
    return problems


def missing_paths(source: Path) -> list[str]:
    """Repository paths named in backticks that do not exist (and are not PLANNED)."""
    problems = []
    for _, span in CODE_SPAN.findall(FENCE.sub("", source.read_text(encoding="utf-8"))):
        name = span.strip().split("::")[0]
        if not REPO_PATH.match(name) or name in PLANNED:
            continue
        found = list(ROOT.glob(name)) if "*" in name else [ROOT / name]
        if not any(p.exists() for p in found):
            problems.append(name)
    return problems


def defined_tests(path: Path) -> set[str]:
    """``name`` and ``Class::name`` of every test function a test module defines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return {name for name in names if name.rsplit("::", 1)[-1].startswith("test")}


def missing_tests(source: Path) -> list[str]:
    """``tests/...py::name`` references in ``source`` that name no existing test."""
    problems = []
    for file, suffix in TEST_REF.findall(source.read_text(encoding="utf-8")):
        path = ROOT / file
        name = suffix.removeprefix("::")
        if not path.is_file() or name not in defined_tests(path):
            problems.append(f"{file}{suffix}")
    return problems


@pytest.mark.parametrize("source", LINKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(source):
    assert broken_links(source) == []


@pytest.mark.parametrize("source", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_the_docs_name_exists(source):
    assert missing_paths(source) == []


def test_every_test_the_reliability_page_cites_exists():
    page = ROOT / "docs" / "reliability.md"
    cited = TEST_REF.findall(page.read_text(encoding="utf-8"))
    assert len(cited) >= 8, "the reliability page names the tests that prove each promise"
    assert missing_tests(page) == []


@pytest.mark.parametrize("source", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_test_references_anywhere_in_the_docs_exist(source):
    assert missing_tests(source) == []


def test_the_readme_links_to_the_docs_and_every_doc_is_indexed():
    readme_targets = {t.partition("#")[0] for t in links((ROOT / "README.md").read_text())}
    assert "docs/README.md" in readme_targets
    index = {t.partition("#")[0] for t in links((ROOT / "docs" / "README.md").read_text())}
    assert {p.name for p in DOCS if p.name != "README.md"} <= index


def test_the_checks_catch_what_they_are_for(tmp_path, monkeypatch):
    """A broken link, an outside link, a bad anchor, a missing path and a missing test fail."""
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_real():\n    pass\n")
    (tmp_path / "docs" / "other.md").write_text("# A heading, here\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "[ok](other.md#a-heading-here) [gone](missing.md) [out](../../shared/DESIGN.md)\n"
        "[bad anchor](other.md#nope) [web](https://example.org) `[in code](nowhere.md)`\n"
        "`tests/test_x.py::test_real` `tests/test_x.py::test_imagined` `api/nowhere.py`\n"
        "The design lives in `../../shared/`.\n"
    )
    assert broken_links(page) == [
        "missing.md (no such file)",
        "../../shared/DESIGN.md (outside the repository)",
        "other.md#nope (no heading #nope)",
        "../../shared/ (outside the repository)",
    ]
    assert missing_tests(page) == ["tests/test_x.py::test_imagined"]
    assert missing_paths(page) == ["api/nowhere.py"]
