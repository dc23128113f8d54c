"""Helpers of the worker tests: the webhook secret, waiting, an HTTPS test client, a care team."""

import contextvars
import os
import signal
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyotp

WEBHOOK_SECRET = "test-webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=20.0, interval=0.1, what="condition"):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def https_client(flask_app):
    """A test client over HTTPS whose every request runs in a context of its own."""
    from flask.testing import FlaskClient

    class Isolated(FlaskClient):
        def open(self, *args, **kwargs):
            return contextvars.Context().run(super().open, *args, **kwargs)

    flask_app.test_client_class = Isolated
    client = flask_app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    client.environ_base["HTTP_HOST"] = "localhost"
    return client


@dataclass
class Team:
    clinic: object
    clinician: object
    on_call: object
    admin: object
    patient: object


def build_team(session, webhook_url=None):
    """A clinic with a care-team clinician, an on-call clinician, an admin and a patient."""
    from api.auth.passwords import hash_password
    from api.models import Clinic, StaffUser
    from api.patients.operations import enrol_patient

    tag = uuid.uuid4().hex[:8]
    clinic = Clinic(
        name=f"Worker clinic {tag}",
        webhook_url=webhook_url,
        webhook_secret=WEBHOOK_SECRET if webhook_url else None,
    )
    session.add(clinic)
    session.flush()
    password = hash_password("correct horse battery staple")

    def staff(name, role="clinician", **fields):
        member = StaffUser(
            clinic_id=clinic.id,
            email=f"{name}-{tag}@example.org",
            name=name.title(),
            role=role,
            password_hash=password,
            **fields,
        )
        session.add(member)
        return member

    clinician = staff("carer")
    on_call = staff("oncall", on_call=True)
    # Admins must use TOTP (the login fixture answers with a fresh code).
    admin = staff("admin", role="admin", totp_secret=pyotp.random_base32(), totp_enabled=True)
    session.flush()
    patient = enrol_patient(clinic, display_name="Worker Patient", care_team=[clinician])
    return Team(clinic, clinician, on_call, admin, patient)


ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """A started ``celery worker`` process and its log."""

    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def log(self):
        return self.log_path.read_text(errors="replace")

    def pool_children(self):
        """Pids of the worker's pool processes (its direct children)."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def spawn_worker(
    database_url, broker_url, directory, beat=False, queues=None, concurrency=1, chatty=False,
    **env,
):  # fmt: skip
    """Start a real ``celery worker`` process (with beat when asked) on the run's database and
    ``broker_url``, its log and beat schedule in ``directory``; returns it once it is ready.
    ``chatty``: with gossip, mingle and heartbeats, as production runs (more channels);
    ``env`` sets or overrides settings (``SCHEDULE_SECONDS="1"``)."""
    from api.queue import QUEUES

    tag = uuid.uuid4().hex[:8]
    command = [
        str(ROOT / ".venv/bin/celery"),
        "-A", "worker.celery_app",
        "worker",
        "-Q", ",".join(queues or QUEUES),
        "--concurrency", str(concurrency),
        "--pool", "prefork",
        "--loglevel", "INFO",
        "--hostname", f"test-{tag}@%h",
    ]  # fmt: skip
    if not chatty:
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    if beat:
        command += ["--beat", "--schedule", str(Path(directory) / f"beat-{tag}")]
        # A beat another test killed may still hold the leader lock (worker/beat.py) on a
        # shared Redis: this test is a deployment of its own, whose beat leads at once.
        _clear_beat_lock(broker_url)
    return _spawn(command, database_url, broker_url, directory, tag, " ready.", env)


def spawn_beat(database_url, broker_url, directory, **env):
    """Start a real standalone ``celery beat`` process (logging at INFO, so each task it sends
    is in its log); returns it once it runs. Several may run on one broker (worker/beat.py)."""
    tag = uuid.uuid4().hex[:8]
    command = [
        str(ROOT / ".venv/bin/celery"),
        "-A", "worker.celery_app",
        "beat",
        "--loglevel", "INFO",
        "--schedule", str(Path(directory) / f"beat-{tag}"),
    ]  # fmt: skip
    return _spawn(command, database_url, broker_url, directory, tag, "beat: Starting...", env)


def _clear_beat_lock(broker_url):
    """Drop the leader lock (worker/beat.py) on a Redis broker, if it can be reached."""
    import redis

    from worker.beat import BEAT_LOCK_KEY

    if not broker_url.startswith(("redis://", "rediss://")):
        return
    client = redis.Redis.from_url(broker_url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.delete(BEAT_LOCK_KEY)
    except redis.RedisError:
        pass  # a test that starts its worker with Redis down: no lock to clear either
    finally:
        client.close()


def _spawn(command, database_url, broker_url, directory, tag, ready, env):
    log_path = Path(directory) / f"{command[3]}-{tag}.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "PUBLIC_URL": "https://waypoint.test",
        "SECRET_KEY": "worker-test-secret",
        "WAYPOINT_INSTANCE": str(directory),
        **env,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    handle = WorkerProcess(process, log_path)
    try:
        wait_for(
            lambda: ready in handle.log() or process.poll() is not None,
            timeout=60,
            what=f"{command[3]} to start",
        )
        assert process.poll() is None, handle.log()
    except BaseException:
        handle.stop()
        raise
    return handle


@contextmanager
def celery_worker(database_url, broker_url, directory, beat=False, **env):
    """A real worker (``spawn_worker``) for tests outside tests/worker (whose conftest's
    ``start_worker`` fixture starts them on its SMTP sink), stopped at the end of the block.
    Yields the path of its log."""
    # Nothing listens here: a notification email fails and is retried, which these tests do
    # not look at.
    env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(free_port()), **env}
    handle = spawn_worker(database_url, broker_url, directory, beat=beat, **env)
    try:
        yield handle.log_path
    finally:
        handle.stop()
