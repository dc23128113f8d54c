"""Brute-force budgets are shared by every web process (#14 finding 7).

They used to be counted in each process's memory (``memory://`` by default), so two gunicorn
workers gave an attacker two budgets. Now the limits count in the broker's Redis unless told
otherwise, and gunicorn refuses to start several workers on ``memory://``.
"""

import subprocess
import uuid

import pytest

from api.auth.passwords import hash_password
from api.config import limit_storage_uri
from api.models import Clinic, StaffUser
from tests.support.servers import ROOT, free_port, gunicorn, gunicorn_command, server_env

PASSWORD = "correct horse battery staple"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def clinician(committed_db):
    """A committed clinician's email (the servers are other processes)."""
    clinic = Clinic(name=f"Shared-limit clinic {uuid.uuid4().hex[:8]}")
    committed_db.add(clinic)
    committed_db.flush()
    staff = StaffUser(
        clinic_id=clinic.id,
        email=f"shared-{uuid.uuid4().hex[:8]}@example.org",
        name="Dr. Shared",
        role="clinician",
        password_hash=hash_password(PASSWORD),
    )
    committed_db.add(staff)
    committed_db.commit()
    return staff.email


@pytest.fixture
def two_servers(app, committed_db, database_url, redis_url, tmp_path):
    """Two gunicorn processes of the app, configured only with the broker's Redis."""
    ports = free_port(), free_port()
    with (
        gunicorn(
            server_env(database_url, tmp_path, ports[0], CELERY_BROKER_URL=redis_url),
            ports[0],
            tmp_path / "a.log",
        ) as first,
        gunicorn(
            server_env(database_url, tmp_path, ports[1], CELERY_BROKER_URL=redis_url),
            ports[1],
            tmp_path / "b.log",
        ) as second,
    ):
        yield first, second


def test_two_processes_share_one_budget_per_account_and_address(clinician, two_servers):
    first, second = (server.frm("127.0.0.21") for server in two_servers)
    for server in (first, second, first, second, first):  # 5 failures, split 3 and 2
        status, body = server.call("POST", LOGIN, {"email": clinician, "password": "wrong"})
        assert status == 401, body
    status, body = second.call("POST", LOGIN, {"email": clinician, "password": "wrong"})
    assert status == 429, body
    assert int(second.headers["Retry-After"]) > 0
    # Throttled means throttled: the right password from that address is refused too,
    status, _ = first.call("POST", LOGIN, {"email": clinician, "password": PASSWORD})
    assert status == 429
    # and the owner elsewhere is not locked out.
    status, body = first.frm("127.0.0.22").call(
        "POST", LOGIN, {"email": clinician, "password": PASSWORD}
    )
    assert status == 200, body


def test_an_address_over_its_limit_is_refused_the_right_password(clinician, two_servers):
    first, second = (server.frm("127.0.0.23") for server in two_servers)
    for n in range(30):  # the per-address limit (30 a minute), spread over both processes
        server = first if n % 2 else second
        status, _ = server.call("POST", LOGIN, {"email": f"nobody{n}@example.org", "password": "x"})
        assert status == 401
    for server in (first, second):
        status, body = server.call("POST", LOGIN, {"email": clinician, "password": PASSWORD})
        assert status == 429, body
    status, body = first.frm("127.0.0.24").call(
        "POST", LOGIN, {"email": clinician, "password": PASSWORD}
    )
    assert status == 200, body


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "memory://"),  # `make run`: a SQLite broker, so one web process (api/devserver.py)
        ({"CELERY_BROKER_URL": "redis://cache:6379/2"}, "redis://cache:6379/2"),
        ({"CELERY_BROKER_URL": "rediss://cache:6380/0"}, "rediss://cache:6380/0"),
        (
            {"CELERY_BROKER_URL": "redis://cache/2", "RATELIMIT_STORAGE_URI": "redis://other/5"},
            "redis://other/5",
        ),
        ({"CELERY_BROKER_URL": "sqla+sqlite:////tmp/broker.sqlite"}, "memory://"),
    ],
)
def test_the_limits_count_in_the_brokers_redis_unless_told_otherwise(environ, expected):
    assert limit_storage_uri(environ) == expected


@pytest.mark.parametrize(
    "extra",
    [{"RATELIMIT_STORAGE_URI": "memory://"}, {}],  # memory:// named, or the SQLite default
)
def test_gunicorn_refuses_several_workers_counting_in_memory(database_url, tmp_path, extra):
    port = free_port()
    env = server_env(database_url, tmp_path, port, **extra)
    done = subprocess.run(
        gunicorn_command(port, workers=2),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in done.stderr and "memory://" in done.stderr, done.stderr
    assert "Booting worker" not in done.stderr


def test_one_worker_may_count_in_memory(database_url, tmp_path):
    """`make run` without Redis: one web process (threads for concurrency) starts and serves."""
    port = free_port()
    env = server_env(database_url, tmp_path, port)  # SQLite broker default: memory://
    with gunicorn(env, port, tmp_path / "one.log") as server:
        assert server.call("GET", "/healthz")[0] == 200
