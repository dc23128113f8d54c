"""pyproject.toml's runtime dependencies are what api/, worker/ and surveys/ import, no more.

A package imported at runtime but only installed through another's requirements breaks the day
that other drops it; a dependency nothing imports is weight every install carries. The three
that are loaded by name rather than imported are listed with the reason.
"""

import ast
import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ("api", "worker", "surveys")
#: Needed at runtime without an import statement of ours.
LOADED_BY_NAME = {
    "psycopg": "SQLAlchemy's driver for postgresql+psycopg:// URLs",
    "gunicorn": "the web server api/gunicorn_conf.py configures and make run starts",
}


def _imported_distributions() -> set[str]:
    """The distributions providing every top-level module the runtime packages import."""
    modules = set()
    for package in RUNTIME:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    modules |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules.add(node.module.split(".")[0])
    providers = importlib.metadata.packages_distributions()
    return {
        _normal(dist) for module in modules - set(RUNTIME) for dist in providers.get(module, ())
    }


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    """The distribution names of PEP 508 requirements, normalised."""
    return {_normal(re.split(r"[\[<>=!~;\s]", r, maxsplit=1)[0]) for r in requirements}


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_runtime_dependencies_are_what_runtime_code_imports():
    declared = _names(_project()["dependencies"])
    imported = _imported_distributions()
    assert len(imported) > 10  # the walk found the imports
    assert imported - declared == set(), "imported but not declared"
    assert declared - imported == set(LOADED_BY_NAME), "declared but never imported"


def test_bench_and_test_tools_stay_out_of_the_runtime():
    extras = _project()["optional-dependencies"]
    bench, dev = _names(extras["bench"]), _names(extras["dev"])
    assert {"locust", "psutil"} <= bench and not bench & dev
    assert "pyinstrument" not in bench | dev  # never imported: installed by hand to profile
