"""Beat's tasks: each a tick that fans the period's work out as batch tasks.

A tick only reads ids, in keyset pages each read in its own short transaction, and publishes
one batch task per page; each batch does its part in one short transaction of its own. Ticks
and batches are safe to run twice, or twice at once: rows are claimed with SKIP LOCKED and
every insert has a unique key. A batch that fails or is lost costs only its own ids, and the
next tick finds them again. Production runs one beat all the same (celery#2856).

Queues (``api/pipeline/routing.py``): the ticks, reconciliation and escalation on ``periodic``, the
schedule batches on ``planning`` behind them.
"""

import logging
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from api.extensions import db
from api.models import Alert, Checkin, Delivery, Patient
from api.pipeline.escalation import ESCALATION_BATCH, escalate_due
from api.pipeline.routing import (
    ESCALATE_ALERTS,
    ESCALATE_BATCH,
    EVALUATE_CHECKIN,
    PLAN_SCHEDULES,
    RECONCILE,
    REQUEUE_CHECKINS,
    REQUEUE_DELIVERIES,
    RUN_SCHEDULES,
    delivery_queue,
    evaluation_queue,
)

from .common import clock, enqueue, enqueue_deliveries

log = logging.getLogger("waypoint.worker")

#: Patients one schedule batch plans (its transaction stays well under a second).
SCHEDULE_BATCH = 500
#: Check-ins or deliveries one reconciler batch re-enqueues.
RECONCILE_BATCH = 500
#: Check-ins and deliveries the reconciler re-enqueues per tick: enough that the backlog of
#: an outage (1,000 check-ins in the benchmark) goes out in one tick, few enough that a long
#: backlog is not re-published whole every period while the workers work through it.
RECONCILE_LIMIT = 5000


def keyset_pages(query, columns, size: int, limit: int | None = None):
    """Yield ``query``'s rows ordered by ``columns`` in pages of ``size``, up to ``limit`` rows.

    Each page is one short read that ends its transaction: a tick never holds one open.
    The columns must end with a unique one (the id), so that no row is skipped or repeated.
    """
    key = sa.tuple_(*columns) if len(columns) > 1 else columns[0]
    after, seen = None, 0
    while limit is None or seen < limit:
        page = query.order_by(*columns).limit(size if limit is None else min(size, limit - seen))
        if after is not None:
            page = page.where(key > (after if len(columns) > 1 else after[0]))
        rows = db.session.execute(page).all()
        db.session.commit()
        if not rows:
            return
        yield rows
        seen += len(rows)
        if len(rows) < size:
            return
        after = tuple(getattr(rows[-1], column.key) for column in columns)


def _fan_out(task_name: str, pages, queue: str, now: str | None, expires: float) -> dict:
    """Publish one ``task_name(ids, now)`` per page; stop at the first refused publish."""
    batches = ids = 0
    for rows in pages:
        batch = [str(row.id) for row in rows]
        # Expiring after one period: a batch still queued then is redone by the next tick.
        if not enqueue(task_name, [batch, now], queue, expires=expires):
            log.warning("%s: the broker refused; the next tick redoes the rest", task_name)
            break
        batches, ids = batches + 1, ids + len(batch)
    return {"batches": batches, "ids": ids}


# --- the reconciler -----------------------------------------------------------------------


@shared_task(name=RECONCILE, acks_late=True, soft_time_limit=60, time_limit=90)
def reconcile(now: str | None = None) -> dict:
    """Fan out batches that re-enqueue check-ins and deliveries stuck longer than the period."""
    period = current_app.config["RECONCILE_SECONDS"]
    stale = clock(now) - timedelta(seconds=period)
    checkins = {"batches": 0, "ids": 0}
    # Safety first: the urgent evaluations go out ahead of the backlog.
    for endorsed in (True, False):
        query = db.select(Checkin.id, Checkin.received_at).where(
            Checkin.evaluated_at.is_(None),
            Checkin.received_at <= stale,
            Checkin.safety_endorsed.is_(endorsed),
        )
        pages = keyset_pages(
            query,
            [Checkin.received_at, Checkin.id],
            RECONCILE_BATCH,
            RECONCILE_LIMIT - checkins["ids"],
        )
        published = _fan_out(REQUEUE_CHECKINS, pages, "periodic", now, period)
        checkins = {k: checkins[k] + published[k] for k in checkins}
    deliveries = _fan_out(
        REQUEUE_DELIVERIES,
        keyset_pages(
            db.select(Delivery.id, Delivery.next_attempt_at).where(
                Delivery.status == "pending", Delivery.next_attempt_at <= stale
            ),
            [Delivery.next_attempt_at, Delivery.id],
            RECONCILE_BATCH,
            RECONCILE_LIMIT,
        ),
        "periodic",
        now,
        period,
    )
    return {"checkins": checkins, "deliveries": deliveries}


@shared_task(name=REQUEUE_CHECKINS, acks_late=True, soft_time_limit=60, time_limit=90)
def requeue_checkins(checkin_ids: list[str], now: str | None = None) -> dict:
    """Re-enqueue the evaluation of each of these check-ins still unevaluated and stale."""
    stale = clock(now) - timedelta(seconds=current_app.config["RECONCILE_SECONDS"])
    rows = db.session.execute(
        db.select(Checkin.id, Checkin.safety_endorsed)
        .where(
            Checkin.id.in_([uuid.UUID(i) for i in checkin_ids]),
            Checkin.evaluated_at.is_(None),
            Checkin.received_at <= stale,
        )
        .order_by(Checkin.received_at)  # the tick sends safety-endorsed batches first
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        db.session.execute(
            db.update(Checkin)
            .where(Checkin.id.in_([row.id for row in rows]))
            .values(enqueue_count=Checkin.enqueue_count + 1)
        )
    db.session.commit()
    # Stop at the first refused publish: the broker is down again, the next tick retries.
    for row in rows:
        if not enqueue(EVALUATE_CHECKIN, [str(row.id)], evaluation_queue(row)):
            break
    if rows:
        log.warning("reconciler re-enqueued %d check-in(s)", len(rows))
    return {"checkins": len(rows)}


@shared_task(name=REQUEUE_DELIVERIES, acks_late=True, soft_time_limit=60, time_limit=90)
def requeue_deliveries(delivery_ids: list[int], now: str | None = None) -> dict:
    """Re-enqueue each of these deliveries still pending since before the period."""
    stale = clock(now) - timedelta(seconds=current_app.config["RECONCILE_SECONDS"])
    rows = db.session.execute(
        db.select(Delivery.id, Alert.priority)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(
            Delivery.id.in_([int(i) for i in delivery_ids]),
            Delivery.status == "pending",
            Delivery.next_attempt_at <= stale,
        )
        .order_by(Delivery.next_attempt_at)
    ).all()
    db.session.commit()
    by_queue: dict[str, list[int]] = {}
    for row in rows:
        by_queue.setdefault(delivery_queue(row.priority), []).append(row.id)
    # Paced per clinic like every other publish of sends: a sweep after an outage must not
    # put one clinic's backlog ahead of every other clinic's next send.
    for queue, ids in sorted(by_queue.items(), key=lambda item: item[0] != "urgent"):
        if not enqueue_deliveries(ids, queue):
            break
    if rows:
        log.warning("reconciler re-enqueued %d delivery(ies)", len(rows))
    return {"deliveries": len(rows)}


# --- escalation ----------------------------------------------------------------------------


@shared_task(name=ESCALATE_ALERTS, acks_late=True, soft_time_limit=60, time_limit=90)
def escalate_alerts(now: str | None = None) -> dict:
    """Fan out escalation batches over the open alerts whose deadline has passed."""
    query = db.select(Alert.id, Alert.escalate_at).where(
        Alert.status == "open", Alert.escalate_at.is_not(None), Alert.escalate_at <= clock(now)
    )
    pages = keyset_pages(query, [Alert.escalate_at, Alert.id], ESCALATION_BATCH)
    period = current_app.config["RECONCILE_SECONDS"]
    return _fan_out(ESCALATE_BATCH, pages, "periodic", now, period)


@shared_task(name=ESCALATE_BATCH, acks_late=True, soft_time_limit=60, time_limit=90)
def escalate_batch(alert_ids: list[str], now: str | None = None) -> dict:
    """Escalate each of these alerts still open past its deadline, one level."""
    results = escalate_due(clock(now), [uuid.UUID(i) for i in alert_ids])
    db.session.commit()
    by_queue: dict[str, list[int]] = {}
    for alert, delivery_ids in results:
        by_queue.setdefault(delivery_queue(alert.priority), []).extend(delivery_ids)
    for queue, delivery_ids in by_queue.items():  # one pacing read per queue, not per alert
        enqueue_deliveries(delivery_ids, queue)
    return {"escalated": len(results)}


# --- check-in schedules ----------------------------------------------------------------------


@shared_task(name=RUN_SCHEDULES, acks_late=True, soft_time_limit=60, time_limit=90)
def run_schedules(now: str | None = None) -> dict:
    """Fan out schedule batches (plan, remind, missed check-ins) over the active patients."""
    started = time.monotonic()
    pages = keyset_pages(
        db.select(Patient.id).where(Patient.status == "active"), [Patient.id], SCHEDULE_BATCH
    )
    period = current_app.config["SCHEDULE_SECONDS"]
    published = _fan_out(PLAN_SCHEDULES, pages, "planning", now, period)
    log.info(
        "schedule tick: %d patient(s) in %d batch(es), published in %.3f s",
        published["ids"],
        published["batches"],
        time.monotonic() - started,
    )
    return published
