"""The app as a real gunicorn process, and a tiny JSON client of it, for process-level tests.

The limiter is one object per process (api/extensions.py): a second app object in the test
process would share its storage, so "two instances share one budget" needs two processes.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Http:
    """A JSON client of the server (one connection per call), optionally from another
    loopback address (127.0.0.0/8 is all this machine's), so that tests can be many IPs."""

    def __init__(self, port: int, source: str | None = None):
        self.port, self.source = port, source

    def frm(self, source: str) -> "Http":
        """The same server, called from ``source``."""
        return Http(self.port, source)

    def call(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        """(status, JSON body or None)."""
        conn = http.client.HTTPConnection(
            "127.0.0.1",
            self.port,
            timeout=10,
            source_address=(self.source, 0) if self.source else None,
        )
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            data = response.read()
            self.headers = dict(response.getheaders())
            kind = response.getheader("Content-Type", "")
            return response.status, json.loads(data) if "json" in kind else None
        finally:
            conn.close()


def server_env(database_url: str, tmp_path: Path, port: int, **extra) -> dict:
    """The environment of a gunicorn of the app on this run's database, over plain HTTP."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "process-test-secret",
        "COOKIE_SECURE": "false",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WAYPOINT_INSTANCE": str(tmp_path),
    }
    for name in ("RATELIMIT_STORAGE_URI", "CELERY_BROKER_URL"):
        env.pop(name, None)
    env.update(extra)
    return env


def gunicorn_command(port: int, workers: int = 1) -> list[str]:
    """gunicorn as the README starts it."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:api.gunicorn_conf",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "api.app:create_app()",
    ]


@contextmanager
def gunicorn(env: dict, port: int, log_path: Path, workers: int = 1):
    """A running gunicorn of the app; yields an Http client once /healthz answers."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        gunicorn_command(port, workers), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    client = Http(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, log_path.read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)
        yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()
