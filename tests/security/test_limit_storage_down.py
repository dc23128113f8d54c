"""Rate-limit storage down: sign-in and redemption keep working and keep being throttled.

The app runs as its own gunicorn process with RATELIMIT_STORAGE_URI on a closed port
(the limiter is process-wide state, so an in-process second app would repoint the test
app's limiter too). Flask-Limiter must fall back to counting in memory, never a 500.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from api.auth.operations import create_invite
from api.auth.passwords import hash_password
from api.models import Clinic, StaffUser
from api.patients.operations import enrol_patient

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Http:
    """A tiny JSON client of the server (one connection per call)."""

    def __init__(self, port: int):
        self.port = port

    def call(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Content-Type": "application/json"} if body is not None else {}
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            data = response.read()
            kind = response.getheader("Content-Type", "")
            return response.status, json.loads(data) if "json" in kind else None
        finally:
            conn.close()


@pytest.fixture
def server_without_limit_storage(app, committed_db, database_url, redis_url, tmp_path):
    """The app in a gunicorn process whose limit storage is a closed port."""
    dead, port = _free_port(), _free_port()  # nothing listens on `dead` once it is closed
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "storage-down-test-secret",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{dead}/0",
        "CELERY_BROKER_URL": redis_url,
        "COOKIE_SECURE": "false",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WAYPOINT_INSTANCE": str(tmp_path),
    }
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:api.gunicorn_conf",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
        ]
        + ["api.app:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
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
            assert process.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
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


@pytest.fixture
def accounts(app, committed_db):
    """A committed clinician and a fresh invite token of a committed patient."""
    clinic = Clinic(name=f"Storage-down clinic {uuid.uuid4().hex[:8]}")
    committed_db.add(clinic)
    committed_db.flush()
    staff = StaffUser(
        clinic_id=clinic.id,
        email=f"down-{uuid.uuid4().hex[:8]}@example.org",
        name="Dr. Down",
        role="clinician",
        password_hash=hash_password(PASSWORD),
    )
    committed_db.add(staff)
    patient = enrol_patient(clinic, display_name="Down Patient")
    with app.test_request_context():
        token = create_invite(patient).rsplit("/", 1)[1]
    committed_db.commit()
    return staff.email, token


def test_sign_in_and_redeem_work_and_are_throttled_in_memory(
    accounts, server_without_limit_storage
):
    email, token = accounts
    server = server_without_limit_storage
    login = "/api/v1/auth/login"
    status, body = server.call("POST", login, {"email": email, "password": PASSWORD})
    assert status == 200, body
    assert body["signed_in"] is True
    for _ in range(5):
        status, body = server.call("POST", login, {"email": email, "password": "wrong"})
        assert status == 401, body
    # The limits still hold, counted in the server's memory meanwhile.
    status, body = server.call("POST", login, {"email": email, "password": PASSWORD})
    assert status == 429, body
    status, body = server.call("POST", "/api/v1/auth/redeem", {"token": "x" * 43})
    assert status == 400, body
    status, body = server.call("POST", "/api/v1/auth/redeem", {"token": token})
    assert status == 200, body
    assert body["kind"] == "patient"
