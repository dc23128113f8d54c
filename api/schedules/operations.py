"""Storing a patient's planned check-in slots and matching check-ins to them.

The planning itself (local dates and wall-clock times, daylight-saving safe) is pure:
``surveys.slots``. The unique (patient, instrument, due_at) constraint makes planning twice
harmless.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa

from surveys.slots import SPACED, Slot, plan_slots, pre_treatment_slots

from ..extensions import db
from ..models import Checkin, CheckinDue, Patient, TreatmentCourse, TreatmentSession
from ..models.base import dialect_insert
from ..models.patients import DEFAULT_SCHEDULE
from ..pipeline.settings import clinic_rule_settings

#: Slots are planned this far ahead (the patient app shows what is next) ...
HORIZON = timedelta(days=8)
#: ... and this far back, so that a planner that was down for a while still catches up.
LOOKBACK = timedelta(days=1)
#: A slot is reminded only while this fresh; an older one waits for the next slot.
REMIND_WINDOW = timedelta(hours=12)
#: A check-in this long before a slot counts for it (a patient who checks in early is done).
EARLY = timedelta(hours=12)


def patient_zone(patient: Patient) -> ZoneInfo:
    """The patient's timezone (the clinic's, then UTC, if the stored name is unknown)."""
    for name in (patient.timezone, patient.clinic.timezone if patient.clinic else None, "UTC"):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            continue
    return ZoneInfo("UTC")


def effective_schedule(patient: Patient) -> dict:
    """The patient's schedule with the defaults filled in."""
    return {**DEFAULT_SCHEDULE, "weekday": None, **(patient.schedule or {})}


def replan_patient(patient: Patient, now: datetime) -> int:
    """Bring the patient's stored slots in line with the schedule; returns slots added."""
    return replan_patients([patient], now)


def replan_patients(patients: list[Patient], now: datetime) -> int:
    """Bring each patient's stored slots in line with their schedule; returns slots added.

    Future slots nobody was reminded of yet and that the schedule no longer has are removed
    (the patient moved the time); past ones stay, they are the record of what was due.
    A batch of patients costs the same handful of statements as one: a read of their
    sessions, of their stored slots, of recent check-ins, one delete and one insert.
    """
    active = [patient for patient in patients if patient.status == "active"]
    if not active:
        return 0
    spacing = {p.id: clinic_rule_settings(p.clinic).validated_interval_days for p in active}
    ids = [patient.id for patient in active]
    # One read of the stored slots decides what to keep, remove and add: a planner that
    # runs for every active patient each period mostly finds nothing to do. It reaches back
    # the widest spacing too: a PHQ-9 slot kept from last week bounds the next one.
    back = max(LOOKBACK, timedelta(days=max(spacing.values())))
    stored = db.session.execute(
        db.select(
            CheckinDue.id,
            CheckinDue.patient_id,
            CheckinDue.instrument,
            CheckinDue.due_at,
            CheckinDue.completed_checkin_id,
            CheckinDue.reminded_at,
        ).where(CheckinDue.patient_id.in_(ids), CheckinDue.due_at >= now - back)
    ).all()
    kept: dict = {}
    for row in stored:
        # What is past, reminded or answered stays as it was planned (a missed slot stays
        # missed); only slots nobody has seen yet follow the rule as it is now.
        if row.due_at <= now or row.reminded_at is not None or row.completed_checkin_id:
            kept.setdefault(row.patient_id, {}).setdefault(row.instrument, []).append(row.due_at)
    plans: dict = {}
    sessions = _recent_sessions(active, now)
    planned = _pre_treatment(active, kept, spacing, now)
    for patient in active:
        schedule = effective_schedule(patient)
        since = _since(patient, schedule, now)
        plans[patient.id] = plan_slots(
            schedule,
            patient_zone(patient),
            patient.created_at,
            [s for s in sessions.get(patient.id, ()) if s[1] >= since - timedelta(days=8)],
            since,
            now + HORIZON,
            spacing_days=spacing[patient.id],
            kept=kept.get(patient.id, {}),
            pre_treatment=planned.get(patient.id, ()),
        )
    wanted = {(pid, s.instrument, s.due_at) for pid, slots in plans.items() for s in slots}
    stale = [
        row.id
        for row in stored
        if row.due_at > now
        and row.completed_checkin_id is None
        and row.reminded_at is None
        and (row.patient_id, row.instrument, row.due_at) not in wanted
    ]
    if stale:
        db.session.execute(db.delete(CheckinDue).where(CheckinDue.id.in_(stale)))
    have = {(row.patient_id, row.instrument, row.due_at) for row in stored}
    missing = [
        (pid, slot)
        for pid, slots in plans.items()
        for slot in slots
        if (pid, slot.instrument, slot.due_at) not in have
    ]
    if not missing:
        db.session.flush()
        return 0
    done_by = _done_by(missing, now)
    # On the table, the rows as parameters: one cached statement, sent in pages of rows
    # (insertmanyvalues), instead of a statement with a thousand rows compiled every batch.
    table = CheckinDue.__table__
    insert = dialect_insert(table).on_conflict_do_nothing().returning(table.c.id)
    added = db.session.execute(
        insert,
        [
            {
                "patient_id": pid,
                "instrument": slot.instrument,
                "due_at": slot.due_at,
                "reason": slot.reason,
                "session_id": slot.session_id,
                "completed_checkin_id": done_by.get((pid, slot.instrument, slot.due_at)),
            }
            for pid, slot in missing
        ],
    ).all()
    db.session.flush()
    return len(added)


def _since(patient: Patient, schedule: dict, now: datetime) -> datetime:
    since = max(patient.created_at, now - LOOKBACK)
    if schedule.get("since"):
        since = max(since, datetime.fromisoformat(schedule["since"]))
    return since


def _pre_treatment(patients: list[Patient], kept: dict, spacing: dict, now: datetime) -> dict:
    """The pre-treatment slots of each patient's planned courses (``surveys.slots``), by id.

    A course planned before its first session (``planned_start_at`` ahead, no session yet)
    makes each of the patient's scheduled PHQ-9 / GAD-7 due before it, unless one was
    answered in the 14 days before the planned start: its baseline. Two reads for the batch.
    """
    live = sa.exists().where(
        TreatmentSession.course_id == TreatmentCourse.id, TreatmentSession.deleted_at.is_(None)
    )
    courses = db.session.execute(
        sa.select(
            TreatmentCourse.patient_id, TreatmentCourse.created_at, TreatmentCourse.planned_start_at
        ).where(
            TreatmentCourse.patient_id.in_([p.id for p in patients]),
            TreatmentCourse.planned_start_at > now,
            ~live,
        )
    ).all()
    if not courses:
        return {}
    answered = {
        (row.patient_id, row.instrument): row.at
        for row in db.session.execute(
            sa.select(
                Checkin.patient_id,
                Checkin.instrument,
                sa.func.max(Checkin.completed_at).label("at"),
            )
            .where(
                Checkin.patient_id.in_({c.patient_id for c in courses}),
                Checkin.instrument.in_(SPACED),
                Checkin.total.is_not(None),
            )
            .group_by(Checkin.patient_id, Checkin.instrument)
        )
    }
    schedules = {p.id: effective_schedule(p) for p in patients}
    out: dict = {}
    for course in courses:
        pid = course.patient_id
        wanted = [c for c in SPACED if c in (schedules[pid].get("cadence_instruments") or [])]
        out.setdefault(pid, []).extend(
            pre_treatment_slots(
                wanted or ["phq9"],
                course.created_at,
                course.planned_start_at,
                {code: answered[(pid, code)] for code in SPACED if (pid, code) in answered},
                kept.get(pid, {}),
                spacing[pid],
            )
        )
    return out


def _recent_sessions(patients: list[Patient], now: datetime) -> dict:
    """Session-anchored patients' sessions recent enough to plan from, by patient id."""
    anchored = [p.id for p in patients if effective_schedule(p).get("session_anchored")]
    if not anchored:
        return {}
    rows = db.session.execute(
        db.select(
            TreatmentSession.patient_id, TreatmentSession.id, TreatmentSession.administered_at
        ).where(
            TreatmentSession.patient_id.in_(anchored),
            TreatmentSession.deleted_at.is_(None),
            TreatmentSession.administered_at >= now - LOOKBACK - timedelta(days=8),
        )
    ).all()
    found: dict = {}
    for row in rows:
        found.setdefault(row.patient_id, []).append((row.id, row.administered_at))
    return found


def _done_by(missing: list[tuple[object, Slot]], now: datetime) -> dict:
    """Check-ins that already answer slots planned after them, by slot key: a slot due by now,
    or due within EARLY of a check-in made (as ``complete_slots`` counts an early check-in: a
    patient who checked in this morning is not asked again tonight because the plan that
    put tonight's slot came after the check-in)."""
    answerable = [(pid, slot) for pid, slot in missing if slot.due_at <= now + EARLY]
    if not answerable:
        return {}
    rows = db.session.execute(
        db.select(Checkin.id, Checkin.patient_id, Checkin.instrument, Checkin.completed_at)
        .where(
            Checkin.patient_id.in_({pid for pid, _ in answerable}),
            Checkin.completed_at >= min(slot.due_at for _, slot in answerable) - EARLY,
        )
        .order_by(Checkin.completed_at)
    ).all()
    answers: dict = {}
    for row in rows:  # oldest first, so each list is in completion order
        answers.setdefault((row.patient_id, row.instrument), []).append(row)
    found = {}
    for pid, slot in answerable:
        for row in answers.get((pid, slot.instrument), ()):
            if row.completed_at >= slot.due_at - EARLY:
                found[(pid, slot.instrument, slot.due_at)] = row.id
                break
    return found


def complete_slots(checkin: Checkin) -> int:
    """Mark the open slots this check-in answers (due before it, or within EARLY after)."""
    result = db.session.execute(
        db.update(CheckinDue)
        .where(
            CheckinDue.patient_id == checkin.patient_id,
            CheckinDue.instrument == checkin.instrument,
            CheckinDue.completed_checkin_id.is_(None),
            CheckinDue.due_at <= checkin.completed_at + EARLY,
        )
        .values(completed_checkin_id=checkin.id)
    )
    return result.rowcount
