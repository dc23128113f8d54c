"""Beat's tasks: the reconciler, escalation and the check-in schedules.

Each is safe to run twice, or twice at once: rows are claimed with SKIP LOCKED and every
insert has a unique key. Production runs one beat all the same (celery#2856).
"""

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from celery import shared_task
from flask import current_app

import surveys
from api.extensions import db
from api.models import Alert, Checkin, CheckinDue, Delivery, Patient
from api.pipeline.alerts import raise_alerts
from api.pipeline.escalation import escalate_due
from api.pipeline.notify import notify_first_round
from api.pipeline.routing import (
    ESCALATE_ALERTS,
    EVALUATE_CHECKIN,
    RECONCILE,
    RUN_SCHEDULES,
    SEND_DELIVERY,
    SEND_REMINDER,
    delivery_queue,
    evaluation_queue,
)
from api.pipeline.settings import clinic_rule_settings
from api.schedules.operations import REMIND_WINDOW, replan_patient

from .common import clock, enqueue, enqueue_deliveries

log = logging.getLogger("waypoint.worker")

#: Rows handled per run; more wait for the next run, seconds later.
BATCH = 500
#: Check-ins and deliveries the reconciler re-enqueues per run: enough that the backlog of an
#: outage (1,000 check-ins in the benchmark) goes out in one run, not one batch per period.
RECONCILE_BATCH = 5000


@shared_task(name=RECONCILE, acks_late=True, soft_time_limit=60, time_limit=90)
def reconcile(now: str | None = None) -> dict:
    """Re-enqueue check-ins unevaluated and deliveries pending for longer than the period."""
    moment = clock(now)
    stale = moment - timedelta(seconds=current_app.config["RECONCILE_SECONDS"])
    checkins = db.session.execute(
        db.select(Checkin.id, Checkin.safety_endorsed)
        .where(Checkin.evaluated_at.is_(None), Checkin.received_at <= stale)
        # Safety first: the urgent evaluations go out ahead of the backlog.
        .order_by(Checkin.safety_endorsed.desc(), Checkin.received_at)
        .limit(RECONCILE_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    if checkins:
        db.session.execute(
            db.update(Checkin)
            .where(Checkin.id.in_([row.id for row in checkins]))
            .values(enqueue_count=Checkin.enqueue_count + 1)
        )
    deliveries = db.session.execute(
        db.select(Delivery.id, Alert.priority)
        .join(Alert, Alert.id == Delivery.alert_id)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= stale)
        .order_by(Delivery.next_attempt_at)
        .limit(RECONCILE_BATCH)
    ).all()
    db.session.commit()
    # Stop at the first refused publish: the broker is down again, the next run retries.
    sent = all(
        enqueue(EVALUATE_CHECKIN, [str(row.id)], evaluation_queue(row)) for row in checkins
    ) and all(enqueue(SEND_DELIVERY, [row.id], delivery_queue(row.priority)) for row in deliveries)
    if not sent:
        log.warning("reconciler stopped publishing: the broker refused")
    if checkins or deliveries:
        log.warning(
            "reconciler re-enqueued %d check-in(s), %d delivery(ies)",
            len(checkins),
            len(deliveries),
        )
    return {"checkins": len(checkins), "deliveries": len(deliveries)}


@shared_task(name=ESCALATE_ALERTS, acks_late=True, soft_time_limit=60, time_limit=90)
def escalate_alerts(now: str | None = None) -> dict:
    """Escalate each open urgent or imminent alert whose deadline has passed, one level."""
    results = escalate_due(clock(now))
    db.session.commit()
    for _alert, delivery_ids in results:
        enqueue_deliveries(delivery_ids, "urgent")
    return {"escalated": len(results)}


@shared_task(name=RUN_SCHEDULES, acks_late=True, soft_time_limit=240, time_limit=290)
def run_schedules(now: str | None = None) -> dict:
    """Plan slots, publish due reminders and raise ``missed_checkins`` for late ones."""
    moment = clock(now)
    patients = db.session.scalars(db.select(Patient).where(Patient.status == "active")).all()
    planned = sum(replan_patient(patient, moment) for patient in patients)
    remind = db.session.scalars(
        db.select(CheckinDue.patient_id)
        .join(Patient, Patient.id == CheckinDue.patient_id)
        .where(
            Patient.status == "active",
            CheckinDue.completed_checkin_id.is_(None),
            CheckinDue.reminded_at.is_(None),
            CheckinDue.due_at <= moment,
            CheckinDue.due_at > moment - REMIND_WINDOW,
        )
        .distinct()
    ).all()
    missed, deliveries = _raise_missed(moment)
    db.session.commit()
    for patient_id in remind:
        enqueue(SEND_REMINDER, [str(patient_id)], "bulk")
    enqueue_deliveries(deliveries, "default")
    return {
        "planned": planned,
        "reminders": [str(p) for p in remind],
        "missed": missed,
    }


def _raise_missed(now: datetime) -> tuple[int, list[int]]:
    """One routine alert per patient for check-ins late by the clinic's threshold.

    Walks every candidate in keyset pages, so that rows of a clinic with a long threshold
    (or with the rule off) can never fill a page and starve the rows behind them.
    """
    raised, deliveries = 0, []
    after = (datetime.min.replace(tzinfo=UTC), 0)
    while True:
        rows = db.session.scalars(
            db.select(CheckinDue)
            .join(Patient, Patient.id == CheckinDue.patient_id)
            .where(
                Patient.status == "active",
                CheckinDue.completed_checkin_id.is_(None),
                CheckinDue.missed_alerted_at.is_(None),
                # One day is the smallest threshold a clinic can set.
                CheckinDue.due_at < now - timedelta(days=1),
                sa.tuple_(CheckinDue.due_at, CheckinDue.id) > after,
            )
            .order_by(CheckinDue.due_at, CheckinDue.id)
            .limit(BATCH)
            .with_for_update(of=CheckinDue, skip_locked=True)
        ).all()
        if not rows:
            break
        after = (rows[-1].due_at, rows[-1].id)
        for row in rows:
            created = _raise_one_missed(row, now)
            for new in notify_first_round(created, now).values():
                deliveries.extend(new)
            raised += len(created)
    db.session.flush()
    return raised, deliveries


def _raise_one_missed(row: CheckinDue, now: datetime) -> list[Alert]:
    patient = db.session.get(Patient, row.patient_id)
    settings = clinic_rule_settings(patient.clinic)
    if not settings.missed_checkins:
        row.missed_alerted_at = now  # the clinic does not want these: settle the row
        return []
    hit = surveys.missed_checkin(str(patient.id), row.due_at.astimezone(UTC), now, settings)
    if hit is None:
        return []  # not late enough for this clinic yet
    row.missed_alerted_at = now
    already = db.session.scalar(
        db.select(Alert.id).where(
            Alert.patient_id == patient.id,
            Alert.rule == "missed_checkins",
            Alert.status == "open",
        )
    )
    if already is not None:
        return []  # the open alert already says this patient is not checking in
    return raise_alerts(patient, [hit], answered_at=None)
