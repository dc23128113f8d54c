"""One batch of a schedule tick: plan the patients' slots, remind, raise missed check-ins and
the course plans' signals (induction not completed, booster overdue) and the post-dose checks
of home doses gone unanswered.

The tick (``periodic.run_schedules``) hands each batch the ids of up to ``SCHEDULE_BATCH``
active patients; the batch does all three steps for them in one short transaction.
"""

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

from celery import shared_task
from sqlalchemy.orm import selectinload

import surveys
from api.courses.operations import raise_course_signals
from api.dosing.operations import raise_missed_post_checks
from api.extensions import db
from api.models import Alert, CheckinDue, Patient
from api.pipeline.alerts import raise_alerts
from api.pipeline.notify import notify_first_round
from api.pipeline.routing import PLAN_SCHEDULES, SEND_REMINDER
from api.pipeline.settings import clinic_rule_settings
from api.reminders.operations import held
from api.schedules.operations import REMIND_WINDOW, replan_patients

from .common import clock, enqueue, enqueue_deliveries

log = logging.getLogger("waypoint.worker")


@shared_task(name=PLAN_SCHEDULES, acks_late=True, soft_time_limit=60, time_limit=90)
def plan_schedules(patient_ids: list[str], now: str | None = None) -> dict:
    """Plan slots, publish due reminders and raise ``missed_checkins`` and the course
    signals for these patients."""
    moment = clock(now)
    started = time.monotonic()
    # Each patient is handled by one batch at a time: a batch run twice at once skips the
    # patients the other holds (their slots must not be split between two missed-alert runs).
    patients = db.session.scalars(
        db.select(Patient)
        .where(Patient.id.in_([uuid.UUID(i) for i in patient_ids]), Patient.status == "active")
        .order_by(Patient.id)
        .options(selectinload(Patient.clinic))
        .with_for_update(of=Patient, key_share=True, skip_locked=True)
    ).all()
    planned = replan_patients(patients, moment)
    remind = _due_reminders(patients, moment)
    missed, deliveries = _raise_missed(patients, moment)
    signals = raise_course_signals(patients, moment) + raise_missed_post_checks(patients, moment)
    deliveries += [i for ids in notify_first_round(signals, moment).values() for i in ids]
    db.session.commit()
    log.info(
        "schedule batch: %d patient(s), %d slot(s) planned, transaction %.3f s",
        len(patients),
        planned,
        time.monotonic() - started,
    )
    for patient_id in remind:
        enqueue(SEND_REMINDER, [str(patient_id)], "bulk")
    enqueue_deliveries(deliveries, "default", moment)
    db.session.commit()  # the record of those publishes
    return {
        "planned": planned,
        "reminders": [str(p) for p in remind],
        "missed": missed,
        "signals": len(signals),
    }


def _due_reminders(patients: list[Patient], now: datetime) -> list:
    """The patients among these with a slot due now that nobody reminded them of, and whose
    quiet hours do not hold it back (``api.reminders.operations.held``)."""
    by_id = {patient.id: patient for patient in patients}
    if not by_id:
        return []
    rows = db.session.execute(
        db.select(CheckinDue.patient_id, CheckinDue.due_at).where(
            CheckinDue.patient_id.in_(list(by_id)),
            CheckinDue.completed_checkin_id.is_(None),
            CheckinDue.reminded_at.is_(None),
            CheckinDue.due_at <= now,
            CheckinDue.due_at > now - REMIND_WINDOW,
        )
    ).all()
    due: dict = {}
    for row in rows:
        due.setdefault(row.patient_id, []).append(row)
    return [pid for pid, slots in due.items() if not held(by_id[pid], slots, now)]


def _raise_missed(patients: list[Patient], now: datetime) -> tuple[int, list[int]]:
    """One routine alert per patient for check-ins late by the clinic's threshold."""
    by_id = {patient.id: patient for patient in patients}
    if not by_id:
        return 0, []
    rows = db.session.scalars(
        db.select(CheckinDue)
        .where(
            CheckinDue.patient_id.in_(list(by_id)),
            CheckinDue.completed_checkin_id.is_(None),
            CheckinDue.missed_alerted_at.is_(None),
            # One day is the smallest threshold a clinic can set.
            CheckinDue.due_at < now - timedelta(days=1),
        )
        .order_by(CheckinDue.patient_id, CheckinDue.due_at, CheckinDue.id)
        .with_for_update(skip_locked=True)
    ).all()
    # Read once for the batch: who already has an open alert saying they are not checking
    # in, and each clinic's settings (not a query and a parse per late slot).
    alerted = set(
        db.session.scalars(
            db.select(Alert.patient_id).where(
                Alert.patient_id.in_(list(by_id)),
                Alert.rule == "missed_checkins",
                Alert.status == "open",
            )
        )
    )
    settings = {p.clinic_id: clinic_rule_settings(p.clinic) for p in patients}
    created: list[Alert] = []
    for row in rows:
        patient = by_id[row.patient_id]
        new = _raise_one_missed(patient, row, now, settings[patient.clinic_id], alerted)
        if new:
            alerted.add(patient.id)
            created += new
    db.session.flush()
    deliveries = [i for ids in notify_first_round(created, now).values() for i in ids]
    return len(created), deliveries


def _raise_one_missed(patient: Patient, row: CheckinDue, now: datetime, settings, alerted: set):
    """The missed-check-in alert this late slot raises (none if the clinic does not want
    them, it is not late enough yet, or the patient's open alert already says so)."""
    if not settings.missed_checkins:
        row.missed_alerted_at = now  # the clinic does not want these: settle the row
        return []
    hit = surveys.missed_checkin(str(patient.id), row.due_at.astimezone(UTC), now, settings)
    if hit is None:
        return []  # not late enough for this clinic yet
    row.missed_alerted_at = now
    if patient.id in alerted:
        return []  # the open alert already says this patient is not checking in
    return raise_alerts(patient, [hit], answered_at=None)
