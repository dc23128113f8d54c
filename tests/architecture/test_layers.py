"""The layout tells the architecture: what may import what, and no import cycles.

Read from the source with ``ast`` (module-level imports only: an import inside a function
is how a module defers a dependency on purpose, and cannot form a cycle at import time).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "worker", "surveys")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _top_level_imports(module: str) -> set[str]:
    """Every module (of ours or not) that ``module`` imports when it is imported."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, path, node)
            if target != module:  # a package's ``from . import submodule``
                names.add(target)
            # ``from package import module`` imports the submodule too.
            names.update(
                f"{target}.{alias.name}"
                for alias in node.names
                if f"{target}.{alias.name}" in MODULES
            )
    return names


def _ours(names: set[str]) -> set[str]:
    return {name for name in names if name in MODULES}


GRAPH = {module: _ours(_top_level_imports(module)) for module in MODULES}


def test_the_graph_is_read():
    """A broken reader would make every rule below pass vacuously."""
    assert len(MODULES) > 60
    assert "api.pipeline.alerts" in GRAPH["api.pipeline.evaluate"]
    assert "surveys.trend" in GRAPH["surveys.summary"]


def test_no_import_cycles():
    cycles, state = [], {}

    def visit(module, stack):
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target) :] + [target])
            elif target not in state:
                visit(target, [*stack, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("surveys")))
def test_surveys_is_pure(module):
    """No Flask, no database, nothing of the app: the clinical core runs anywhere."""
    imported = _top_level_imports(module)
    forbidden = {"flask", "sqlalchemy", "celery", "api", "worker", "flask_sqlalchemy"}
    assert {name.split(".")[0] for name in imported} & forbidden == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("api")))
def test_the_api_never_imports_the_worker(module):
    """The API publishes tasks by name (api.pipeline.routing); it never imports worker code."""
    assert {name for name in _top_level_imports(module) if name.split(".")[0] == "worker"} == set()


@pytest.mark.parametrize(
    "module",
    sorted(m for m in MODULES if m.endswith(".operations") or m.startswith("api.pipeline.")),
)
def test_operations_speak_the_domain_not_http(module):
    """Operations raise domain errors (api.errors); the status is chosen at the web boundary."""
    source = MODULES[module].read_text()
    assert "flask_smorest" not in source and "abort(" not in source
    assert "werkzeug.exceptions" not in source


TESTS = ROOT / "tests"


@pytest.mark.parametrize(
    "path",
    sorted(TESTS.rglob("test_*.py")),
    ids=lambda p: str(p.relative_to(TESTS)),
)
def test_a_test_module_imports_no_other_test_module(path):
    """Shared helpers live in tests/support/; fixtures come from conftest by name, never import."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            relative = node.level > 0
            assert not relative, f"{path.name}: relative import of {module!r}"
            if module.startswith("tests."):
                assert module.startswith("tests.support."), f"{path.name} imports {module}"
