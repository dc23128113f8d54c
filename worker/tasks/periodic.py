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
from datetime import datetime, timedelta

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

from api.extensions import db
from api.models import Alert, Checkin, Delivery, Patient
from api.models.base import utcnow
from api.panel.ranks import refresh_ranks
from api.pipeline.escalation import ESCALATION_BATCH, escalate_due
from api.pipeline.fairness import paced
from api.pipeline.outbox import (
    republish_due,
    republish_stamp,
    stamp_deliveries,
    unstamp,
    urgent_evaluation,
)
from api.pipeline.routing import (
    ESCALATE_ALERTS,
    ESCALATE_BATCH,
    ESCALATING,
    EVALUATE_CHECKIN,
    PLAN_SCHEDULES,
    RECONCILE,
    REFRESH_PANEL_RANKS,
    REQUEUE_CHECKINS,
    REQUEUE_DELIVERIES,
    REQUEUE_REMINDERS,
    RUN_SCHEDULES,
    delivery_queue,
)

from .common import broker_view, clock, enqueue, enqueue_deliveries, publish_sends
from .reminders import QUEUE as REMINDER_QUEUE
from .reminders import reminders_columns, stale_reminders

log = logging.getLogger("waypoint.worker")

#: Patients one schedule batch plans (its transaction stays well under a second).
SCHEDULE_BATCH = 500
#: Check-ins or deliveries one reconciler batch re-enqueues.
RECONCILE_BATCH = 500
#: Check-ins, deliveries, and reminders, the reconciler re-enqueues per tick at most, urgent
#: ones first: enough that the backlog of an outage (1,000 check-ins in the benchmark) goes
#: out in one tick and that a tick publishes faster than the workers evaluate (5,000 per
#: 30 s), bounded so that a tick is short. What a tick leaves is due at the next one; what it
#: published waits out its backoff, and is not due at all while its message is still queued
#: (``api/pipeline/outbox.py``), so a long backlog is not copied again.
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


def _fan_out(task_name: str, pages, queue: str, now: str | None, expires: float, *extra) -> dict:
    """Publish one ``task_name(ids, now, *extra)`` per page; stop at the first refused publish
    (``refused`` is then True)."""
    batches = ids = 0
    for rows in pages:
        batch = [str(row.id) for row in rows]
        # Expiring after one period: a batch still queued then is redone by the next tick.
        if not enqueue(task_name, [batch, now, *extra], queue, expires=expires):
            log.warning("%s: the broker refused; the next tick redoes the rest", task_name)
            return {"batches": batches, "ids": ids, "refused": True}
        batches, ids = batches + 1, ids + len(batch)
    return {"batches": batches, "ids": ids, "refused": False}


# --- the reconciler -----------------------------------------------------------------------


def _stale_checkins(at: datetime, lost_before: datetime | None, queued_since=None):
    """Unevaluated check-ins received over a period ago whose backoff is over and whose
    message is not still queued (behind the oldest message of their queue, published at
    ``queued_since``)."""
    period = current_app.config["RECONCILE_SECONDS"]
    return (
        Checkin.evaluated_at.is_(None),
        Checkin.received_at <= at - timedelta(seconds=period),
        republish_due(
            Checkin.enqueue_count, Checkin.last_published_at, at, lost_before, queued_since
        ),
    )


def _stale_deliveries(at: datetime, lost_before: datetime | None, queued_since=None):
    """Pending deliveries due over a period ago whose backoff is over and whose message is not
    still queued (a paced send held by its countdown is stamped for its end: not stale)."""
    period = current_app.config["RECONCILE_SECONDS"]
    return (
        Delivery.status == "pending",
        Delivery.next_attempt_at <= at - timedelta(seconds=period),
        republish_due(
            Delivery.enqueue_count, Delivery.last_published_at, at, lost_before, queued_since
        ),
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@shared_task(name=RECONCILE, acks_late=True, soft_time_limit=60, time_limit=90)
def reconcile(now: str | None = None) -> dict:
    """Fan out batches that re-enqueue stale check-ins and deliveries: urgent evaluations, then
    urgent sends, then the routine ones, then patient reminders; up to ``RECONCILE_LIMIT`` of
    each kind per tick.

    The broker is read before the rows: a message taken after this read is only ever counted
    as still queued until the next tick. Reminders are held by the oldest message of their
    own queue (``bulk``), the last a worker drains: the one most likely to be behind."""
    at, period = clock(now), current_app.config["RECONCILE_SECONDS"]
    broker = broker_view()
    lost = _iso(broker.started)
    totals = {kind: {"batches": 0, "ids": 0} for kind in ("checkins", "deliveries", "reminders")}
    urgent_checkin, urgent_alert = urgent_evaluation(), Alert.priority.in_(ESCALATING)
    for urgent in (True, False):
        # The urgent ones' messages wait on "urgent", the others' on "default" (routing).
        oldest = broker.oldest.get("urgent" if urgent else "default")
        checkins = db.select(Checkin.id, Checkin.received_at).where(
            *_stale_checkins(at, broker.started, oldest),
            urgent_checkin if urgent else ~urgent_checkin,
        )
        deliveries = (
            db.select(Delivery.id, Delivery.next_attempt_at)
            .join(Alert, Alert.id == Delivery.alert_id)
            .where(
                *_stale_deliveries(at, broker.started, oldest),
                urgent_alert if urgent else ~urgent_alert,
            )
        )
        for kind, task_name, query, columns in (
            ("checkins", REQUEUE_CHECKINS, checkins, [Checkin.received_at, Checkin.id]),
            ("deliveries", REQUEUE_DELIVERIES, deliveries, [Delivery.next_attempt_at, Delivery.id]),
        ):
            left = RECONCILE_LIMIT - totals[kind]["ids"]
            if left <= 0:
                continue
            pages = keyset_pages(query, columns, RECONCILE_BATCH, left)
            published = _fan_out(task_name, pages, "periodic", now, period, lost, _iso(oldest))
            totals[kind]["batches"] += published["batches"]
            totals[kind]["ids"] += published["ids"]
            if published["refused"]:
                return totals
    oldest = broker.oldest.get(REMINDER_QUEUE)
    reminders = stale_reminders(at, broker.started, oldest)
    pages = keyset_pages(reminders, reminders_columns(), RECONCILE_BATCH, RECONCILE_LIMIT)
    published = _fan_out(REQUEUE_REMINDERS, pages, "periodic", now, period, lost, _iso(oldest))
    totals["reminders"] = {"batches": published["batches"], "ids": published["ids"]}
    return totals


@shared_task(name=REQUEUE_CHECKINS, acks_late=True, soft_time_limit=60, time_limit=90)
def requeue_checkins(
    checkin_ids: list[str],
    now: str | None = None,
    lost_before: str | None = None,
    queued_since: str | None = None,
) -> dict:
    """Re-enqueue the evaluation of each of these check-ins still stale, on the queue its
    submit chose; ``lost_before``: the broker's start (what was published before is lost);
    ``queued_since``: the publish of the oldest message of their queue at the tick (what was
    published after it is still queued)."""
    at, lost = clock(now), _instant(lost_before)
    rows = db.session.execute(
        db.select(Checkin.id, urgent_evaluation().label("urgent"))
        .where(
            Checkin.id.in_([uuid.UUID(i) for i in checkin_ids]),
            *_stale_checkins(at, lost, _instant(queued_since)),
        )
        .order_by(Checkin.received_at)
        .with_for_update(of=Checkin, skip_locked=True)
    ).all()
    if rows:
        # Claimed and stamped in one transaction: a second reconciler racing on these ids
        # skips them while locked and finds them not due after the commit.
        db.session.execute(
            db.update(Checkin)
            .where(Checkin.id.in_([row.id for row in rows]))
            .values(
                enqueue_count=Checkin.enqueue_count + 1,
                last_published_at=republish_stamp(at, lost),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    # Urgent first; stop at the first refused publish: the broker is down again.
    rows.sort(key=lambda row: not row.urgent)
    for n, row in enumerate(rows):
        if not enqueue(EVALUATE_CHECKIN, [str(row.id)], "urgent" if row.urgent else "default"):
            unstamp(Checkin, [later.id for later in rows[n:]])
            db.session.commit()
            break
    if rows:
        log.warning("reconciler re-enqueued %d check-in(s)", len(rows))
    return {"checkins": len(rows)}


@shared_task(name=REQUEUE_DELIVERIES, acks_late=True, soft_time_limit=60, time_limit=90)
def requeue_deliveries(
    delivery_ids: list[int],
    now: str | None = None,
    lost_before: str | None = None,
    queued_since: str | None = None,
) -> dict:
    """Re-enqueue each of these deliveries still stale (``lost_before``, ``queued_since`` as
    for check-ins), paced per clinic like every other publish of sends: a sweep after an
    outage must not put one clinic's backlog ahead of every other clinic's next send."""
    at, lost = clock(now), _instant(lost_before)
    rows = db.session.execute(
        db.select(Delivery.id, Alert.priority)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(
            Delivery.id.in_([int(i) for i in delivery_ids]),
            *_stale_deliveries(at, lost, _instant(queued_since)),
        )
        .order_by(Delivery.next_attempt_at)
        .with_for_update(of=Delivery, skip_locked=True)
    ).all()
    by_queue: dict[str, list[int]] = {}
    for row in rows:
        by_queue.setdefault(delivery_queue(row.priority), []).append(row.id)
    countdowns = paced([row.id for row in rows], utcnow())  # real seconds, as every publish
    stamp_deliveries(
        [row.id for row in rows], republish_stamp(at, lost), countdowns, republished=True
    )
    # Committed before the publish: a send must not find its row locked by this batch (it
    # skips a locked row), and a racing reconciler must find it stamped.
    db.session.commit()
    unpublished: list[int] = []
    for queue, ids in sorted(by_queue.items(), key=lambda item: item[0] != "urgent"):
        # Urgent first; after a refused publish the broker is down: the rest is unstamped.
        published = [] if unpublished else publish_sends(ids, queue, countdowns)
        unpublished += ids[len(published) :]
    if unpublished:
        unstamp(Delivery, unpublished)
        db.session.commit()
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
    at = clock(now)
    results = escalate_due(at, [uuid.UUID(i) for i in alert_ids])
    db.session.commit()
    by_queue: dict[str, list[int]] = {}
    for alert, delivery_ids in results:
        by_queue.setdefault(delivery_queue(alert.priority), []).extend(delivery_ids)
    for queue, delivery_ids in by_queue.items():  # one pacing read per queue, not per alert
        enqueue_deliveries(delivery_ids, queue, at)
    db.session.commit()  # the record of those publishes
    return {"escalated": len(results)}


# --- the panel's ranking inputs ----------------------------------------------------------------


@shared_task(name=REFRESH_PANEL_RANKS, acks_late=True, soft_time_limit=60, time_limit=90)
def refresh_panel_ranks() -> dict:
    """Store the ranking inputs of the patients changed since the last refresh (api/panel/ranks.py).

    Safe to run twice or to miss: a patient not yet refreshed is ranked live by the panel.
    """
    return {"refreshed": refresh_ranks()}


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
