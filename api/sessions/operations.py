"""Treatment sessions: courses, edits and soft deletes, refused when they cannot be real
(``surveys.plausibility``, ``surveys.monitoring``); a monitored session's readings past the
clinic's urgent lines alert the on-site team, and an esketamine session gets its REMS
record (``api.sessions.rems``).
"""

from datetime import timedelta
from decimal import Decimal

from surveys.monitoring import monitoring_flags, urgent_reason
from surveys.plausibility import session_errors

from ..boundary import after_commit
from ..courses.operations import begun
from ..errors import Invalid
from ..extensions import db
from ..intake.operations import ensure_course_may_start
from ..models import (
    CheckinDue,
    Patient,
    RemsRecord,
    SessionReading,
    StaffUser,
    TreatmentCourse,
    TreatmentSession,
)
from ..models.base import utcnow
from ..pipeline.settings import clinic_rule_settings
from ..pipeline.submit import session_vitals_stored
from ..pipeline.summary import refresh
from ..schedules.operations import replan_patient

#: How far ahead a course may be planned: a first session further out has no baseline yet.
PLAN_AHEAD = timedelta(days=90)

#: Decimal places the columns keep: a dose is rounded to them before it is checked, so
#: the value checked is the value stored (0.001 mg would be stored as 0.00 otherwise).
DOSE_MG_PLACES = TreatmentSession.__table__.c.dose_mg.type.scale
MG_PER_KG_PLACES = TreatmentSession.__table__.c.dose_mg_per_kg.type.scale
#: The session's own columns, in the order the CSV export gives them (readings apart).
FIELDS = (
    "administered_at",
    "modality",
    "drug",
    "dose_mg",
    "dose_mg_per_kg",
    "devices",
    "lot_number",
    "monitoring_started_at",
    "monitoring_ended_at",
    "ready_to_leave_at",
    "early_leave_reason",
    "moaas",
    "cadss",
    "cadss_form",
    "sedation",
    "dissociation",
    "respiratory_depression",
    "respiratory_note",
    "vitals_ok_pre",
    "vitals_ok_discharge",
    "concomitant_classes",
    "serious_adverse_event",
    "serious_adverse_event_note",
    "adverse_events",
    "notes",
)
READING_FIELDS = ("kind", "taken_at", "systolic", "diastolic", "heart_rate", "spo2")
#: The REMS asks for the Patient Monitoring Form within 7 days of the session.
REMS_DUE = timedelta(days=7)


def _reading_values(row: TreatmentSession) -> list[dict]:
    return [{name: getattr(r, name) for name in READING_FIELDS} for r in row.readings]


def _readings_of(body: dict) -> list[dict]:
    """The body's readings with every value named (an omitted one is None), so that an
    unchanged list compares equal to the stored one."""
    return [{name: r.get(name) for name in READING_FIELDS} for r in body.get("readings") or []]


def _refuse_if_implausible(values: dict) -> None:
    errors = session_errors(values, utcnow(), DOSE_MG_PLACES, MG_PER_KG_PLACES)
    if errors:
        raise Invalid("This session cannot be recorded as given.", errors)


def _course_for(patient: Patient, body: dict) -> TreatmentCourse:
    """The course named by the body, a new one, or the patient's latest (created if none)."""
    if body.get("course_id") is not None:
        course = db.session.scalar(
            db.select(TreatmentCourse).where(
                TreatmentCourse.id == body["course_id"], TreatmentCourse.patient_id == patient.id
            )
        )
        if course is None:
            raise Invalid("Unknown course.", {"course_id": ["Not a course of this patient."]})
        return course
    if not body.get("new_course_label"):
        # The course under way; before any session, the course planned for it (its first
        # session starts it). A course planned ahead never takes a session of the current one.
        latest = db.select(TreatmentCourse).where(TreatmentCourse.patient_id == patient.id)
        order = (TreatmentCourse.started_at.desc(), TreatmentCourse.id.desc())
        course = db.session.scalar(latest.where(begun()).order_by(*order).limit(1))
        course = course or db.session.scalar(latest.order_by(*order).limit(1))
        if course is not None:
            return course
    ensure_course_may_start(patient)  # an open contraindication blocks a new course
    course = TreatmentCourse(
        patient_id=patient.id,
        label=body.get("new_course_label") or "Course 1",
        started_at=body["administered_at"],
    )
    db.session.add(course)
    db.session.flush()
    return course


def create_session(patient: Patient, body: dict, staff: StaffUser) -> TreatmentSession:
    """Record a session after checking it can be real (flushes; the request commits)."""
    _refuse_if_implausible(body)
    if body.get("course_id") is not None and body.get("new_course_label"):
        raise Invalid(
            "Choose an existing course or a new one, not both.",
            {"new_course_label": ["Not with course_id."]},
        )
    course = _course_for(patient, body)
    if course.planned_start_at is not None and not _has_sessions(course.id):
        # A planned course starts when its first session is given, not when it was planned.
        course.started_at = body["administered_at"]
    course.started_at = min(course.started_at, body["administered_at"])
    row = TreatmentSession(
        patient_id=patient.id,
        course_id=course.id,
        created_by=staff.id,
        **{name: body.get(name) for name in FIELDS},
    )
    row.readings = [SessionReading(**reading) for reading in _readings_of(body)]
    db.session.add(row)
    db.session.flush()
    _keep_rems_record(patient, row)
    _alert_if_urgent(patient, row)
    refresh(patient.id)
    return row


def _has_sessions(course_id: int) -> bool:
    return bool(db.session.scalar(db.select(begun()).where(TreatmentCourse.id == course_id)))


def plan_course(patient: Patient, body: dict) -> TreatmentCourse:
    """A course planned before its first session: its pre-treatment check-ins fall due now
    (``surveys.slots.pre_treatment_slots``), so that it starts with a baseline (flushes)."""
    now = utcnow()
    start = body["planned_start"]
    if not now < start <= now + PLAN_AHEAD:
        raise Invalid(
            "A course is planned for a first session ahead, within 90 days.",
            {"planned_start": [f"Must be after now and at most {PLAN_AHEAD.days} days ahead."]},
        )
    if patient.status != "active":
        raise Invalid(
            "A discharged patient has no check-ins to plan.",
            {"planned_start": ["Re-admit the patient first."]},
        )
    ensure_course_may_start(patient)  # planning is starting a course: the same block
    course = TreatmentCourse(
        patient_id=patient.id, label=body["label"], started_at=start, planned_start_at=start
    )
    db.session.add(course)
    db.session.flush()
    replan_patient(patient, now)
    return course


def planned_courses(patient: Patient) -> list[dict]:
    """The patient's courses planned and not begun, with their pre-treatment check-ins due."""
    live = begun()
    courses = db.session.scalars(
        db.select(TreatmentCourse)
        .where(
            TreatmentCourse.patient_id == patient.id,
            TreatmentCourse.planned_start_at.is_not(None),
            ~live,
        )
        .order_by(TreatmentCourse.planned_start_at)
    ).all()
    if not courses:
        return []
    dues = db.session.execute(
        db.select(CheckinDue.instrument, CheckinDue.due_at, CheckinDue.completed_checkin_id)
        .where(CheckinDue.patient_id == patient.id, CheckinDue.reason == "pre_treatment")
        .order_by(CheckinDue.due_at)
    ).all()
    return [
        {
            "id": course.id,
            "label": course.label,
            "planned_start_at": course.planned_start_at,
            "pre_treatment": [
                {
                    "instrument": due.instrument,
                    "due_at": due.due_at,
                    "completed": due.completed_checkin_id is not None,
                }
                for due in dues
                if due.due_at < course.planned_start_at
            ],
        }
        for course in courses
    ]


def _flags_of(row: TreatmentSession, patient: Patient):
    values = {name: getattr(row, name) for name in FIELDS}
    values["readings"] = _reading_values(row)
    return monitoring_flags(values, clinic_rule_settings(patient.clinic).session_lines())


def session_flags(row: TreatmentSession) -> list[dict]:
    """The session's readings past its clinic's lines, as the form shows them."""
    return [flag.to_dict() for flag in _flags_of(row, row.patient)]


def clinic_thresholds(patient: Patient) -> dict:
    """The lines the form flags readings against: the clinic's settings."""
    return clinic_rule_settings(patient.clinic).session_lines().to_dict()


def _alert_if_urgent(patient: Patient, row: TreatmentSession) -> None:
    reason = urgent_reason(_flags_of(row, patient))
    session_vitals_stored(patient, row.id, reason, utcnow(), after_commit)


def _keep_rems_record(patient: Patient, row: TreatmentSession) -> None:
    """An esketamine session has a REMS record due 7 days after it; one that is no longer
    esketamine loses its record unless staff marked it submitted (then it stays, as sent)."""
    record = db.session.scalar(db.select(RemsRecord).where(RemsRecord.session_id == row.id))
    if row.drug == "esketamine":
        if record is None:
            record = RemsRecord(
                clinic_id=patient.clinic_id, patient_id=patient.id, session_id=row.id
            )
            db.session.add(record)
        if record.submitted_at is None:
            record.due_at = row.administered_at + REMS_DUE
    elif record is not None and record.submitted_at is None:
        db.session.delete(record)
    db.session.flush()
    db.session.expire(row, ["rems_record"])  # read again with the record as it now is


def update_session(patient: Patient, row: TreatmentSession, body: dict) -> list[str]:
    """Apply a partial edit if the result can still be real; returns the fields it changed."""
    merged = {name: _plain(getattr(row, name)) for name in FIELDS}
    merged.update({name: body[name] for name in FIELDS if name in body})
    readings = _readings_of(body) if "readings" in body else _reading_values(row)
    merged["readings"] = readings
    _refuse_if_implausible(merged)
    changed = [name for name in FIELDS if name in body and _plain(getattr(row, name)) != body[name]]
    if readings != _reading_values(row):
        row.readings.clear()
        db.session.flush()  # the old checkpoints go before the new ones take their place
        row.readings = [SessionReading(**reading) for reading in readings]
        changed.append("readings")
    if "course_id" in body and body["course_id"] != row.course_id:
        course = _course_for(patient, {"course_id": body["course_id"]})
        row.course_id = course.id
        changed.append("course_id")
    for name in FIELDS:
        if name in body:
            setattr(row, name, body[name])
    db.session.flush()
    _keep_rems_record(patient, row)
    _alert_if_urgent(patient, row)
    refresh(row.patient_id)
    return changed


def delete_session(row: TreatmentSession, staff: StaffUser) -> None:
    """Soft-delete: the row stays for the audit trail and leaves every view and trend."""
    row.deleted_at = utcnow()
    row.deleted_by = staff.id
    refresh(row.patient_id)


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value
