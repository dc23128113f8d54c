"""The worker's entry point: ``celery -A worker.celery_app worker`` (and ``beat``: one leads).

The Celery settings shared with the API (JSON only, acks_late, reject on worker loss,
prefetch 1, visibility timeout, bounded publish) live in ``api/queue.py``; here are the
worker's own: its tasks, beat's schedule and leader lock (worker/beat.py), its consumer
heartbeat (worker/heartbeat.py) and how it treats the broker going away (worker/broker.py).
"""

import ssl

from celery.signals import worker_process_init

from api.app import create_app, freeze_start_up_heap
from api.extensions import db
from api.pipeline.routing import (
    ESCALATE_ALERTS,
    RECONCILE,
    REFIT_FORECAST_PRIORS,
    REFRESH_PANEL_RANKS,
    RUN_SCHEDULES,
)
from api.queue import VISIBILITY_TIMEOUT
from worker.beat import check_lock_seconds
from worker.heartbeat import ConsumerHeartbeat

flask_app = create_app()
celery_app = flask_app.extensions["celery"]

import worker.tasks  # noqa: E402, F401  (registers the tasks on celery_app)

_config = flask_app.config
_tick = _config["RECONCILE_SECONDS"]
_DAY_SECONDS = 86400
# A countdown longer than the visibility timeout would be redelivered while it waits.
if _config["DELIVERY_BACKOFF_MAX_SECONDS"] >= VISIBILITY_TIMEOUT:
    raise RuntimeError("DELIVERY_BACKOFF_MAX_SECONDS must stay below the visibility timeout")

# Readiness counts a queue's consumers by these beats: one missed beat must not count.
if _config["CONSUMER_HEARTBEAT_SECONDS"] * 2 > _config["CONSUMER_STALE_SECONDS"]:
    raise RuntimeError("CONSUMER_STALE_SECONDS must be at least twice CONSUMER_HEARTBEAT_SECONDS")
ConsumerHeartbeat.interval = _config["CONSUMER_HEARTBEAT_SECONDS"]
celery_app.steps["consumer"].add(ConsumerHeartbeat)

_scheme = str(celery_app.conf.broker_url).partition("://")[0]
if _scheme in ("redis", "rediss"):
    # kombu's Redis transport with the fix of a worker exiting for good on a Redis outage
    # with a message in flight (worker/broker.py, docs/operations.md).
    celery_app.conf.broker_transport = "worker.broker:Transport"
    # At most one beat sends at a time, however many are started (worker/beat.py).
    # A bad BEAT_LOCK_SECONDS stops the worker and beat here, not at beat's first tick.
    celery_app.conf.waypoint_beat_lock_seconds = check_lock_seconds(_config["BEAT_LOCK_SECONDS"])
    celery_app.conf.beat_scheduler = "worker.beat:SingleBeat"
    if _scheme == "rediss" and not celery_app.conf.broker_use_ssl:
        # Naming a transport bypasses kombu's own rediss:// default (TLS with no certificate
        # check, and a warning); ours verifies the server's certificate against the system's
        # CAs. Set broker_use_ssl (CELERY config) for another CA or a client certificate.
        celery_app.conf.broker_use_ssl = {"ssl_cert_reqs": ssl.CERT_REQUIRED}

celery_app.conf.update(
    # A worker never gives up on the broker: after an outage it reconnects and consumes again.
    broker_connection_max_retries=None,
    # On connection loss, running acks_late tasks are cancelled and come back (idempotent).
    worker_cancel_long_running_tasks_on_connection_loss=True,
    beat_schedule={
        # Messages expire after one period: after an outage beat's backlog does not pile up.
        # Each is a tick on the periodic queue that fans its work out (worker/tasks/periodic.py).
        "reconcile": {
            "task": RECONCILE,
            "schedule": _tick,
            "options": {"queue": "periodic", "expires": _tick},
        },
        "escalate": {
            "task": ESCALATE_ALERTS,
            "schedule": _tick,
            "options": {"queue": "periodic", "expires": _tick},
        },
        "panel_ranks": {
            "task": REFRESH_PANEL_RANKS,
            "schedule": _config["PANEL_RANK_SECONDS"],
            "options": {"queue": "periodic", "expires": _config["PANEL_RANK_SECONDS"]},
        },
        "schedules": {
            "task": RUN_SCHEDULES,
            "schedule": _config["SCHEDULE_SECONDS"],
            "options": {"queue": "periodic", "expires": _config["SCHEDULE_SECONDS"]},
        },
        # Daily, on the planning queue: a fit over a clinic's history never delays escalation.
        "forecast_priors": {
            "task": REFIT_FORECAST_PRIORS,
            "schedule": _DAY_SECONDS,
            "options": {"queue": "planning", "expires": _DAY_SECONDS},
        },
    },
)


@worker_process_init.connect
def _fresh_database_connections(**_):
    """A forked pool process must not share the parent's database connections."""
    with flask_app.app_context():
        db.engine.dispose(close=False)


@worker_process_init.connect
def _freeze_start_up_heap(**_):
    """A pool process's full collections no longer walk the app's start-up objects."""
    freeze_start_up_heap()
