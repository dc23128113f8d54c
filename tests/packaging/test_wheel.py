"""A non-editable install of the built wheel serves the patient app, the clinic views and the API.

Builds the wheel from a copy of what pyproject.toml packages, installs it with its declared
dependencies (resolved by pip, nothing from this checkout or its .venv) into a fresh venv, runs
its migrations and serves it with gunicorn from a directory outside the repository. It proves
that pwa/ and the migrations travel in the wheel and are found beside the installed package,
that the runtime dependencies are enough to start, and that the zero-setup instance/ lands in
the working directory, never in site-packages.
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
#: What the build reads: the project file, its readme and the four packages.
SOURCES = ("pyproject.toml", "README.md", "api", "worker", "surveys", "pwa")
#: Served path -> the repository file it must be byte for byte.
SERVED = {
    "/": "pwa/index.html",
    "/sw.js": "pwa/sw.js",
    "/clinic/": "pwa/clinic.html",
    "/clinic/patients/1": "pwa/clinic.html",
    "/manifest.webmanifest": "pwa/manifest.webmanifest",
    "/pwa/js/app.js": "pwa/js/app.js",
    "/pwa/clinic/app.js": "pwa/clinic/app.js",
    "/pwa/vendor/chart.umd.min.js": "pwa/vendor/chart.umd.min.js",
    "/pwa/icons/icon-192.png": "pwa/icons/icon-192.png",
}
#: Variables that would point the installed app at this checkout's setup instead of its defaults.
UNSET = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "RATELIMIT_STORAGE_URI",
    "WAYPOINT_INSTANCE",
    "PYTHONPATH",
    "PYTHONHOME",
    "VIRTUAL_ENV",
)


def _run(argv, **kwargs):
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{argv[:4]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv holding only the built wheel and its dependencies; its site-packages."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    skip = shutil.ignore_patterns("__pycache__")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=skip)
        else:
            shutil.copy2(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", base / "dist", source])
    (wheel,) = (base / "dist").glob("waypoint-*.whl")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    # This venv's pip installs into the new one; --no-compile: the .pyc files are not the point.
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-compile", wheel])
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    return venv, Path(site.strip())


@pytest.fixture(scope="module")
def served(installed, tmp_path_factory):
    """The installed app, migrated and served by gunicorn from outside the repository: its URL."""
    venv, _ = installed
    workdir = tmp_path_factory.mktemp("elsewhere")
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    _run([venv / "bin" / "waypoint", "db", "upgrade"], cwd=workdir, env=env)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The command api/devserver.py and the README's production section run.
    log = workdir / "gunicorn.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [
                venv / "bin" / "gunicorn",
                "--config",
                "python:api.gunicorn_conf",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "api.app:create_app()",
            ],
            cwd=workdir,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{log.read_text()[-3000:]}"
            try:
                # The socket listens before the worker has loaded the app: wait for an answer.
                urllib.request.urlopen(f"{url}/api/openapi.json", timeout=30).close()
                break
            except OSError:
                assert time.monotonic() < deadline, f"no answer in 60 s:\n{log.read_text()[-3000:]}"
                time.sleep(0.3)
        yield url, workdir
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


#: `revision = "0001"` or `down_revision: str | None = "0001"` in a migration.
ASSIGNED = r"^{name}\b[^=\n]*=\s*['\"](\w+)['\"]"


def _head_revision() -> str:
    """The repository's newest migration: the one no other names as its down_revision."""
    revisions, downs = set(), set()
    for path in (ROOT / "api" / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        revisions.update(re.findall(ASSIGNED.format(name="revision"), text, re.M))
        downs.update(re.findall(ASSIGNED.format(name="down_revision"), text, re.M))
    (head,) = revisions - downs
    return head


def _get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


def test_the_wheel_carries_every_pwa_file_and_the_migrations(installed):
    venv, site = installed
    repository = {p.relative_to(ROOT) for p in (ROOT / "pwa").rglob("*") if p.is_file()}
    shipped = {
        p.relative_to(site)
        for p in (site / "pwa").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert {p for p in repository if "__pycache__" not in p.parts} == shipped
    assert (site / "api" / "migrations" / "env.py").is_file()
    assert list((site / "api" / "migrations" / "versions").glob("0001_*.py"))
    # The app in the venv is the installed one, not this checkout.
    where = _run([venv / "bin" / "python", "-c", "import api; print(api.__file__)"], cwd=venv)
    assert Path(where.strip()).is_relative_to(site)


@pytest.mark.parametrize("path", SERVED)
def test_the_installed_app_serves_the_pwa_and_the_clinic_views(served, path):
    url, _ = served
    status, _, body = _get(url + path)
    assert status == 200
    assert body == (ROOT / SERVED[path]).read_bytes()


def test_the_installed_app_serves_its_openapi_document(served):
    url, _ = served
    status, kind, body = _get(f"{url}/api/openapi.json")
    assert (status, kind) == (200, "application/json")
    document = json.loads(body)
    assert document["info"]["title"] == "Waypoint"
    assert "/api/v1/checkins" in document["paths"]


def test_the_installed_app_keeps_its_instance_in_the_working_directory(installed, served):
    _, site = installed
    _, workdir = served
    with sqlite3.connect(workdir / "instance" / "waypoint.sqlite") as database:
        # Migrated from the wheel's own migrations: the head revision is recorded.
        (revision,) = database.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == _head_revision()
    assert (workdir / "instance" / "secret_key").is_file()
    assert not list(site.glob("instance")) and not list(site.parent.glob("instance"))
