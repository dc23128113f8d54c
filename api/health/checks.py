"""What readiness checks: the database, the broker, live consumers, evaluations keeping up.

Readiness is public (load balancers call it unauthenticated), so each check says only
ok / not ok, and at most which queue lacks a consumer; the operator's detail (counts, never
ids) goes to the log.
"""

import logging
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Checkin
from ..models.base import utcnow
from ..pipeline.routing import QUEUES
from . import consumers

log = logging.getLogger("waypoint.health")

#: How long one broker answer stands: a probe every second must not open a connection each.
BROKER_TTL_SECONDS = 2.0
#: A check-in no worker has evaluated for this long means the workers are not keeping up.
EVALUATION_GRACE = timedelta(minutes=2)
#: The overdue counts are logged at most this often per process while readiness is degraded.
LOG_EVERY_SECONDS = 60.0

_broker_lock = threading.Lock()
_broker_answer: dict = {}
_consumer_answer: dict = {}
_consumer_clients: dict = {}
_last_logged = [0.0]
_consumers_logged = [0.0]


def check_database() -> dict:
    """The database answers a query."""
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_broker() -> dict:
    """The broker accepts a connection; one answer is reused for ``BROKER_TTL_SECONDS``."""
    celery_app = current_app.extensions["celery"]
    # Keyed on the URL too: a reconfigured broker is checked afresh.
    key = (id(celery_app), celery_app.conf.broker_url)
    with _broker_lock:
        cached = _broker_answer.get(key)
        if cached and time.monotonic() - cached[0] < BROKER_TTL_SECONDS:
            return dict(cached[1])
        answer = _connect(celery_app)
        _broker_answer.clear()
        _broker_answer[key] = (time.monotonic(), answer)
        return dict(answer)


def _connect(celery_app) -> dict:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any transport error means "not reachable"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def check_consumers() -> dict | None:
    """Every queue has a worker whose heartbeat is younger than CONSUMER_STALE_SECONDS.

    None on a broker without the heartbeat (``make run``'s SQLite). One answer stands for
    ``BROKER_TTL_SECONDS``, like the broker's: a queue's last consumer killed shows here
    within CONSUMER_STALE_SECONDS plus that.
    """
    celery_app = current_app.extensions["celery"]
    url = celery_app.conf.broker_url
    if not consumers.is_redis(url):
        return None
    stale = current_app.config["CONSUMER_STALE_SECONDS"]
    key = (id(celery_app), url, stale)
    with _broker_lock:
        cached = _consumer_answer.get(key)
        if cached and time.monotonic() - cached[0] < BROKER_TTL_SECONDS:
            return dict(cached[1])
        answer = _count_consumers(url, stale)
        _consumer_answer.clear()
        _consumer_answer[key] = (time.monotonic(), answer)
        return dict(answer)


def _count_consumers(url: str, stale: float) -> dict:
    conn = _consumer_clients.get(url)
    if conn is None:
        conn = _consumer_clients[url] = consumers.client(url)
    try:
        live = consumers.live_consumers(conn, QUEUES, stale)
    except Exception as exc:  # any Redis error: the broker check says why
        return {"ok": False, "error": type(exc).__name__}
    missing = [queue for queue in QUEUES if not live[queue]]
    if not missing:
        return {"ok": True}
    now = time.monotonic()
    if not _consumers_logged[0] or now - _consumers_logged[0] >= LOG_EVERY_SECONDS:
        _consumers_logged[0] = now
        log.warning("no live consumer of queue(s) %s", ", ".join(missing))
    return {"ok": False, "error": "no live consumer", "queues": missing}


def check_evaluations() -> dict:
    """No check-in waits for its evaluation beyond the grace (workers down or behind).

    Any check-in, not only safety ones: a public answer about those alone would tell anyone
    that a suicidal-ideation answer is waiting.
    """
    cutoff = utcnow() - EVALUATION_GRACE
    waiting = db.select(Checkin.id).where(
        Checkin.evaluated_at.is_(None), Checkin.received_at < cutoff
    )
    overdue = db.session.scalar(db.select(waiting.exists()))
    if overdue:
        _log_overdue(cutoff)
    return {"ok": not overdue}


def _log_overdue(cutoff) -> None:
    now = time.monotonic()
    if now - _last_logged[0] < LOG_EVERY_SECONDS and _last_logged[0]:
        return
    _last_logged[0] = now
    count = db.func.count()
    row = db.session.execute(
        db.select(count, count.filter(Checkin.safety_endorsed.is_(True))).where(
            Checkin.evaluated_at.is_(None), Checkin.received_at < cutoff
        )
    ).one()
    log.warning("evaluations overdue", extra={"overdue": row[0], "overdue_safety": row[1]})
