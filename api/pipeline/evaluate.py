"""The evaluation of one check-in: its history, the trend rules, alerts once each, their
first round of notifications, check-ins it arrived late for, and the panel's summary."""

import logging
import uuid
from datetime import datetime

from sqlalchemy.orm import joinedload

import surveys
from surveys.summary import PatientRecord

from ..extensions import db
from ..models import Checkin, Patient
from ..schedules.operations import complete_slots
from .alerts import raise_checkin_alerts
from .notify import notify_first_round
from .settings import clinic_rule_settings
from .summary import read_record, store_summary

log = logging.getLogger("waypoint.pipeline")

#: Enough history for any course; older check-ins cannot change today's rules.
HISTORY_LIMIT = 500


def evaluate(checkin_id: uuid.UUID, now: datetime) -> dict:
    """The evaluation itself (flushes); the row lock serialises concurrent runs.

    Locks: the check-in FOR NO KEY UPDATE (two runs of one check-in wait for each other, yet
    an alert another evaluation raises on it, whose foreign key takes KEY SHARE, does not),
    then the patient's summary lock (read_record), which orders evaluations of one patient.
    """
    checkin = db.session.scalar(
        db.select(Checkin).where(Checkin.id == checkin_id).with_for_update(key_share=True)
    )
    if checkin is None:
        return {"status": "missing", "deliveries": {}}
    if checkin.evaluated_at is not None:
        return {"status": "already_evaluated", "deliveries": {}}
    patient = db.session.get(Patient, checkin.patient_id, options=[joinedload(Patient.clinic)])
    # The patient's scored history, read once (under the summary's lock) for the rules of
    # this check-in, of the later ones it may change, and for the panel's summary.
    record = read_record(db.session.connection(), checkin.patient_id)
    if patient is None or record is None:  # cannot be while the check-in is locked; be safe
        return {"status": "missing", "deliveries": {}}
    hits = _rule_hits(checkin, patient, record)
    created = raise_checkin_alerts(patient, hits, checkin)
    # Only what this evaluation raised: the safety alerts raised at submit were notified in
    # the same transaction (their pending deliveries are the reconciler's if a send is lost).
    deliveries = notify_first_round(created, now)
    checkin.evaluated_at = now
    complete_slots(checkin)
    late = _reconsider_later(checkin, patient, record, now)
    for queue, ids in late.items():
        deliveries.setdefault(queue, []).extend(ids)
    db.session.flush()
    # The panel's trend columns: the API inserts check-ins without refreshing them.
    thresholds = clinic_rule_settings(patient.clinic).thresholds()
    store_summary(db.session.connection(), patient.id, record, thresholds)
    log.info("check-in %s evaluated: %d new alert(s)", checkin.id, len(created))
    return {"status": "evaluated", "alerts": len(created), "deliveries": deliveries}


#: How many later check-ins a late arrival can change the verdict on.
RECONSIDER_LIMIT = 10


def _reconsider_later(
    checkin: Checkin, patient: Patient, record: PatientRecord, now: datetime
) -> dict:
    """Re-run the rules of check-ins answered after this one but evaluated before it arrived.

    A check-in queued offline can arrive after newer ones: they were judged without it (it
    may be the previous score or the nadir they should be compared with). Alert keys make
    this safe to repeat; it only adds the alerts that the full history warrants.
    """
    later = db.session.scalars(
        db.select(Checkin)
        .where(
            Checkin.patient_id == patient.id,
            Checkin.instrument == checkin.instrument,
            Checkin.completed_at > checkin.completed_at,
            Checkin.evaluated_at.is_not(None),
        )
        .order_by(Checkin.completed_at)
        .limit(RECONSIDER_LIMIT)
    ).all()
    created = []
    for row in later:
        hits = _rule_hits(row, patient, record)
        created += raise_checkin_alerts(patient, hits, row)
    if created:
        log.info("late check-in %s added %d alert(s) to later ones", checkin.id, len(created))
    return notify_first_round(created, now)


def _rule_hits(checkin: Checkin, patient: Patient, record: PatientRecord) -> list:
    try:
        definition = surveys.get_definition(checkin.instrument, checkin.instrument_version)
        score = surveys.score(definition, checkin.answers)
    except surveys.SurveysError:
        # Stored answers that no longer score (a definition changed): the safety alerts were
        # raised at submit; retrying cannot help, so record it and move on.
        log.error("check-in %s no longer scores; history rules skipped", checkin.id)
        return []
    own = str(checkin.id)
    earlier = [
        point
        for point in record.points.get(checkin.instrument, [])
        if point.checkin_id != own and point.at <= checkin.completed_at
    ]
    history = sorted(earlier, key=lambda p: p.at, reverse=True)[:HISTORY_LIMIT]
    course, sessions = record.course_at(checkin.completed_at)
    return surveys.evaluate_checkin(
        definition,
        surveys.CheckinFacts(checkin_id=str(checkin.id), at=checkin.completed_at, score=score),
        history,
        clinic_rule_settings(patient.clinic),
        course_start=course.start if course else None,
        sessions_in_course=sessions,
        # The check-in's own time, so that a replay later gives the same hits.
        now=checkin.completed_at,
    )
