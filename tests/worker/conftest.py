"""Worker fixtures: a real SMTP server (aiosmtpd), a real webhook receiver, a private Redis,
real worker processes, committed factories, and a way to call tasks on the test app."""

import base64
import http.server
import json
import shutil
import subprocess
import threading
from dataclasses import dataclass

import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from api.models import Alert, Delivery
from tests.support.answers import checkin_body, phq9, submit  # noqa: F401  (the fixtures use them)
from tests.support.mail import Inbox
from tests.support.worker import build_team, free_port, https_client, spawn_worker, wait_for

# --- calling tasks in the test process ---------------------------------------------------


@pytest.fixture
def run_task(app):
    """Call a registered task synchronously on the test app (its app context, its DB)."""
    import worker.tasks  # noqa: F401  (registers the tasks)

    def run(name, *args, **kwargs):
        return app.extensions["celery"].tasks[name](*args, **kwargs)

    return run


@pytest.fixture
def send_urgent(client, redeem, team, db_session, run_task, smtp):
    """Try the delivery on ``channel`` of one urgent alert of the team's patient, afresh
    (pending again, no attempt yet): the task's outcome and the delivery row after it."""
    deliveries = {}

    def send(channel):
        if not deliveries:
            csrf = redeem(client, team.patient)
            checkin_id = submit(client, csrf, phq9(q9=1))
            alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
            rows = db_session.scalars(sa.select(Delivery).where(Delivery.alert_id == alert.id))
            deliveries.update({row.channel: row for row in rows})
        delivery = deliveries[channel]
        delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, None
        db_session.flush()
        outcome = run_task("waypoint.send_delivery", delivery.id)
        db_session.refresh(delivery)
        return outcome, delivery

    return send


#: What each beat tick's batches return, at zero: ``run_tick`` sums the batches' results.
TICK_TOTALS = {
    "waypoint.reconcile": {"checkins": 0, "deliveries": 0},
    "waypoint.escalate_alerts": {"escalated": 0},
    "waypoint.run_schedules": {"planned": 0, "reminders": [], "missed": 0, "signals": 0},
}
#: Where ticks publish their batches (api/queue.py).
BATCH_QUEUES = ("periodic", "planning")


@pytest.fixture
def run_tick(run_task, redis_url):
    """Run a beat tick, then every batch it published (read back from the broker), here.

    The batches run on the test app like ``run_task``; returns their results summed.
    ``purge=False`` keeps what other ticks left queued (ticks racing in threads).
    """
    client = redis.Redis.from_url(redis_url)

    def next_message():
        for queue in BATCH_QUEUES:
            raw = client.rpop(queue)  # kombu pushes on the left: the oldest is on the right
            if raw is not None:
                return json.loads(raw)
        return None

    def run(name, purge=True, **kwargs):
        if purge:
            client.delete(*BATCH_QUEUES)
        run_task(name, **kwargs)
        totals = {key: type(zero)() for key, zero in TICK_TOTALS[name].items()}
        while (message := next_message()) is not None:
            args, task_kwargs, _ = json.loads(base64.b64decode(message["body"]))
            result = run_task(message["headers"]["task"], *args, **task_kwargs)
            for key, value in result.items():
                # A kind no batch of this tick ran (reminders, mostly) is not in the sum.
                totals[key] = totals.get(key, type(value)()) + value
        return totals

    yield run
    client.close()


# --- SMTP ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def smtp(smtp_server, app, monkeypatch):
    """The SMTP server, emptied, and the test app pointed at it."""
    with smtp_server.lock:
        smtp_server.messages.clear()
    smtp_server.refuse = False
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp_server.port)
    return smtp_server


# --- webhook receiver ---------------------------------------------------------------------


class Hooks:
    def __init__(self):
        self.received = []
        self.status = 204
        self.lock = threading.Lock()


@pytest.fixture(scope="session")
def webhook_server():
    hooks = Hooks()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with hooks.lock:
                hooks.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
            self.send_response(hooks.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hooks.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield hooks
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhooks(webhook_server):
    with webhook_server.lock:
        webhook_server.received.clear()
    webhook_server.status = 204
    return webhook_server


# --- a clinic with its people ---------------------------------------------------------------


@pytest.fixture
def team(db_session, webhooks):
    """A rolled-back clinic (see build_team) whose webhook points at the test receiver."""
    return build_team(db_session, webhook_url=webhooks.url)


@pytest.fixture
def committed_team(committed_db, webhooks):
    """The same, committed, for tests with other processes."""
    built = build_team(committed_db, webhook_url=webhooks.url)
    committed_db.commit()
    return built


@pytest.fixture
def patient_client(app):
    """A client signed in as ``patient`` through a committed invite; returns (client, csrf)."""
    from api.auth.operations import create_invite
    from api.extensions import db

    def sign_in(patient, flask_app=None):
        flask_app = flask_app or app
        client = https_client(flask_app)
        with flask_app.test_request_context():
            url = create_invite(patient)
            db.session.commit()
        response = client.post("/api/v1/auth/redeem", json={"token": url.rsplit("/", 1)[1]})
        assert response.status_code == 200, response.json
        return client, response.json["csrf_token"]

    return sign_in


# --- Redis and worker processes ---------------------------------------------------------------


class PrivateRedis:
    """A redis-server of our own (never the shared one): stopped and started by tests."""

    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--maxmemory-policy",
                "noeviction",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=10, what="private redis")
        client.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client):
    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory):
    server = PrivateRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fresh_redis(private_redis):
    """The private Redis, running and empty (it is ours alone)."""
    if private_redis.process is None:
        private_redis.start()
    client = redis.Redis.from_url(private_redis.url)
    client.flushdb()
    client.close()
    return private_redis


@pytest.fixture
def start_worker(app, database_url, smtp, tmp_path):
    """Start real ``celery worker`` processes on the run's database (``spawn_worker``: a broker
    URL, then ``beat``, ``queues``, ``concurrency``, ``chatty`` and settings), on the test SMTP
    server, with short periods and backoffs; stopped after the test."""
    started = []

    def start(broker_url, beat=False, **options):
        settings = {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            # Short periods and backoffs through configuration; production defaults untouched.
            "RECONCILE_SECONDS": "1",
            "DELIVERY_BACKOFF_SECONDS": "0.2",
            "DELIVERY_BACKOFF_MAX_SECONDS": "1",
            "DELIVERY_MAX_ATTEMPTS": "3",
            "OUTBOUND_ALLOW_HOSTS": ",".join(app.config["OUTBOUND_ALLOW_HOSTS"]),
            **options,
        }
        handle = spawn_worker(database_url, broker_url, tmp_path, beat=beat, **settings)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


@pytest.fixture
def app_on_broker(app):
    """A second app on the same database whose publishes go to another broker."""
    from api.app import create_app
    from api.extensions import db

    made = []

    def make(broker_url):
        web = create_app(
            {
                # The limiter is one object per process: keep the run's storage for it.
                **{
                    k: app.config[k]
                    for k in (
                        "SQLALCHEMY_DATABASE_URI",
                        "SECRET_KEY",
                        "PUBLIC_URL",
                        "RATELIMIT_STORAGE_URI",
                    )
                },
                "TESTING": True,
                "CELERY": {"broker_url": broker_url},
            }
        )
        made.append(web)
        return web

    yield make
    for web in made:
        with web.app_context():
            db.session.remove()
            db.engine.dispose()
        web.extensions["celery"].close()


@dataclass
class Live:
    """The web app on a private broker, a signed-in patient, and a way to start workers."""

    web: object
    client: object
    csrf: str
    redis: PrivateRedis
    start_worker: object


@pytest.fixture
def live(committed_team, app_on_broker, fresh_redis, start_worker, patient_client):
    """``committed_team``'s patient signed in to an app publishing to the private Redis."""
    web = app_on_broker(fresh_redis.url)
    client, csrf = patient_client(committed_team.patient, web)
    return Live(
        web,
        client,
        csrf,
        fresh_redis,
        lambda beat=False, **options: start_worker(fresh_redis.url, beat, **options),
    )
