"""Shared fixtures: a real PostgreSQL database built by the migrations, real Redis.

Each pytest run creates its own database (``<base>_<pid>``) next to the one named by
WAYPOINT_TEST_DATABASE_URL, so that two runs on one machine never collide, builds it
with ``upgrade`` once, and tears it down with ``downgrade`` at the end (which is the
test of the migrations in both directions). As in production, two roles of the run's own
(dropped at the end) split the work: the owner runs the migrations and ``grant-runtime``,
and the app, its workers and its servers connect as the runtime role, so that the app's
refusal to run as the owner (api/database_roles.py) is exercised by every start. Each test
runs inside a transaction that is rolled back; tests that need committed rows (other
processes, threads) use ``committed_db``.
"""

import contextvars
import os
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import flask
import pyotp
import pytest
import redis
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

BASE_DB_URL = os.environ.get("WAYPOINT_TEST_DATABASE_URL", "postgresql://localhost/test")
REDIS_URL = os.environ.get("WAYPOINT_TEST_REDIS_URL", "redis://localhost:6379/0")
TEST_PASSWORD = "correct horse battery staple"


def _driver_url(url: str):
    return make_url(url).set(drivername="postgresql+psycopg")


@dataclass(frozen=True)
class RunDatabase:
    """The run's database: URLs of its owner role, of the app's runtime role and of the
    administrator (the role of WAYPOINT_TEST_DATABASE_URL) who made them."""

    admin_url: str
    owner_url: str
    runtime_url: str
    owner_role: str
    runtime_role: str


@pytest.fixture(scope="session")
def run_database():
    """A fresh PostgreSQL database for this run owned by an owner role, plus a runtime role
    with no rights yet; the database and both roles are dropped at the end."""
    base = _driver_url(BASE_DB_URL)
    name = f"{base.database}_{os.getpid()}"
    roles = {f"{name}_owner": secrets.token_hex(16), f"{name}_app": secrets.token_hex(16)}
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        _drop_run_database(conn, name, roles)  # what a killed run of the same pid left
        for role, password in roles.items():  # hex passwords: safe to inline in the DDL
            conn.execute(sa.text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
        owner, runtime = roles
        # The public schema of a new database belongs to its owner (pg_database_owner,
        # PostgreSQL 15+), so the owner role may create the tables.
        conn.execute(sa.text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))

    def url(role):
        return base.set(database=name, username=role, password=roles[role]).render_as_string(
            hide_password=False
        )

    admin_url = base.set(database=name).render_as_string(hide_password=False)
    yield RunDatabase(admin_url, url(owner), url(runtime), owner, runtime)
    with admin.connect() as conn:
        _drop_run_database(conn, name, roles)
    admin.dispose()


def _drop_run_database(conn, name, roles):
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for role in roles:  # the privileges they held lived in the dropped database
        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))


@pytest.fixture(scope="session")
def database_url(run_database):
    """The URL the app, its workers and its servers use: the runtime role's."""
    return run_database.runtime_url


@pytest.fixture(scope="session")
def redis_url():
    """The test Redis database, emptied once per run."""
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def app(run_database, database_url, redis_url, tmp_path_factory):
    """The app on the run's database as the runtime role, schema built by the migrations as
    the owner (and torn down by them), the runtime role's rights granted by ``grant-runtime``."""
    from flask_migrate import downgrade, upgrade

    from api.app import create_app
    from api.cli import grant_runtime
    from api.database_roles import check_database_role

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MIGRATIONS_DATABASE_URI": run_database.owner_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "PUBLIC_URL": "https://waypoint.test",
            "RATELIMIT_STORAGE_URI": redis_url,
            "CELERY": {"broker_url": redis_url, "task_ignore_result": True},
            # The webhook and push receivers of tests/worker/ listen on loopback, any port.
            "OUTBOUND_ALLOW_HOSTS": ("127.0.0.1",),
        }
    )
    with app.app_context():
        upgrade()
    granted = app.test_cli_runner().invoke(grant_runtime)  # the role of DATABASE_URL
    assert granted.exit_code == 0, granted.output
    check_database_role(app)  # now that audit_events exists and has an owner
    yield app
    with app.app_context():
        from api.extensions import db

        db.session.remove()
        db.engine.dispose()
        downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """The app's session bound to one connection whose transaction is rolled back after."""
    from api.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy session bound to the test's connection (Flask-SQLAlchemy's own
        # would pick the engine again), scoped like Flask-SQLAlchemy's: one per app context.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_context_id,
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


def _app_context_id() -> int:
    """The current app context's identity (each request of IsolatedClient has its own)."""
    return id(flask.globals.app_ctx._get_current_object())


@pytest.fixture
def committed_db(app):
    """Real commits (for threads and other processes); every row but the audit's removed after."""
    from api.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()
        # A request the browser sent last (a safety signal) may still be writing: a deadlock
        # with it rolls one side back, and this side simply tries again.
        for attempt in range(3):
            try:
                with db.engine.begin() as conn:
                    for table in reversed(db.metadata.sorted_tables):
                        if table.name != "audit_events":
                            conn.execute(table.delete())
                break
            except sa.exc.OperationalError:
                if attempt == 2:
                    raise
                time.sleep(0.5)


@pytest.fixture
def client(app, db_session):
    """A test client over HTTPS (cookies are Secure) inside the rolled-back transaction."""
    return _client(app)


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, so it gets its own app context, ``g`` and
    session (as in production) even while the test holds an app context of its own."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


def _client(app):
    app.test_client_class = IsolatedClient
    test_client = app.test_client()
    test_client.environ_base["wsgi.url_scheme"] = "https"
    test_client.environ_base["HTTP_HOST"] = "localhost"
    return test_client


@pytest.fixture
def client_for():
    """A client of another app instance (for example one configured with a dead broker)."""
    return _client


@pytest.fixture
def make_client(app):
    """A factory of extra clients (other devices, other users)."""
    return lambda: _client(app)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Each test that has the app starts with empty rate-limit counters: every test client is
    127.0.0.1, so one test's failed sign-ins must not throttle the next test's."""
    if "app" not in request.fixturenames:
        yield
        return
    from api.extensions import limiter

    app = request.getfixturevalue("app")
    with app.app_context():
        limiter.reset()
    yield


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch):
    """Refuse connections to anything but this machine."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        inet = sock.family in (socket.AF_INET, socket.AF_INET6)
        if inet and isinstance(host, str) and not _is_loopback(host):
            raise OSError(f"outbound network blocked in tests: {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def _is_loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


# --- factories -------------------------------------------------------------------------


@pytest.fixture
def create_clinic(db_session):
    """Make a clinic."""
    from api.models import Clinic

    def make(name=None, **fields):
        clinic = Clinic(name=name or f"Clinic {uuid.uuid4().hex[:8]}", **fields)
        db_session.add(clinic)
        db_session.flush()
        return clinic

    return make


@pytest.fixture
def create_clinician(db_session, create_clinic):
    """Make a staff member (clinician by default) whose password is TEST_PASSWORD."""
    from api.auth.passwords import hash_password
    from api.models import StaffUser

    hashed = hash_password(TEST_PASSWORD)

    def make(clinic=None, role="clinician", email=None, **fields):
        if role == "admin":  # admins must use TOTP; pass totp_enabled=False for one who has not
            fields.setdefault("totp_secret", pyotp.random_base32())
            fields.setdefault("totp_enabled", True)
        staff = StaffUser(
            clinic_id=(clinic or create_clinic()).id,
            email=email or f"staff-{uuid.uuid4().hex[:8]}@example.org",
            name=fields.pop("name", "Dr. Test"),
            role=role,
            password_hash=hashed,
            **fields,
        )
        db_session.add(staff)
        db_session.flush()
        return staff

    return make


@pytest.fixture
def create_patient(db_session, create_clinic):
    """Make a patient of a clinic."""
    from api.patients.operations import enrol_patient

    def make(clinic=None, display_name="Test Patient", **fields):
        return enrol_patient(clinic or create_clinic(), display_name=display_name, **fields)

    return make


@pytest.fixture
def login():
    """Sign a staff member in on a client; returns the CSRF token to send back."""

    def do(client, staff, password=TEST_PASSWORD):
        body = {"email": staff.email, "password": password}
        if staff.totp_enabled:
            body["totp"] = unused_totp(staff)
        response = client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 200, response.json
        return response.json["csrf_token"]

    return do


def unused_totp(staff) -> str:
    """A valid TOTP code of ``staff`` that no sign-in has used yet (codes are single-use)."""
    from api.extensions import db
    from api.models import StaffUser

    last = db.session.scalar(sa.select(StaffUser.totp_last_counter).where(StaffUser.id == staff.id))
    totp = pyotp.TOTP(staff.totp_secret)
    counter = totp.timecode(datetime.now(UTC))
    if last is not None and last >= counter:
        counter = last + 1
    # The server accepts the current step and the next; beyond that, wait for time to catch up.
    while counter > totp.timecode(datetime.now(UTC)) + 1:
        time.sleep(0.5)
    return totp.generate_otp(counter)


@pytest.fixture
def redeem(app):
    """Sign a patient in on a client through a fresh invite; returns the CSRF token."""
    from api.auth.operations import create_invite

    def do(client, patient):
        with app.test_request_context():
            url = create_invite(patient)
        token = url.rsplit("/", 1)[1]
        response = client.post("/api/v1/auth/redeem", json={"token": token})
        assert response.status_code == 200, response.json
        return response.json["csrf_token"]

    return do
