"""Treatment sessions: courses, edits and soft deletes, refused when they cannot be real
(``surveys.plausibility``).
"""

from decimal import Decimal

from surveys.plausibility import session_errors

from ..errors import Invalid
from ..extensions import db
from ..models import Patient, StaffUser, TreatmentCourse, TreatmentSession
from ..models.base import utcnow
from ..pipeline.summary import refresh

#: Decimal places the columns keep: a dose is rounded to them before it is checked, so
#: the value checked is the value stored (0.001 mg would be stored as 0.00 otherwise).
DOSE_MG_PLACES = TreatmentSession.__table__.c.dose_mg.type.scale
MG_PER_KG_PLACES = TreatmentSession.__table__.c.dose_mg_per_kg.type.scale
FIELDS = (
    "administered_at",
    "modality",
    "dose_mg",
    "dose_mg_per_kg",
    "bp_pre_systolic",
    "bp_pre_diastolic",
    "bp_post_systolic",
    "bp_post_diastolic",
    "cadss",
    "adverse_events",
    "notes",
)


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
        latest = db.session.scalar(
            db.select(TreatmentCourse)
            .where(TreatmentCourse.patient_id == patient.id)
            .order_by(TreatmentCourse.started_at.desc(), TreatmentCourse.id.desc())
            .limit(1)
        )
        if latest is not None:
            return latest
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
    course.started_at = min(course.started_at, body["administered_at"])
    row = TreatmentSession(
        patient_id=patient.id,
        course_id=course.id,
        created_by=staff.id,
        **{name: body.get(name) for name in FIELDS},
    )
    db.session.add(row)
    refresh(patient.id)
    return row


def update_session(patient: Patient, row: TreatmentSession, body: dict) -> list[str]:
    """Apply a partial edit if the result can still be real; returns the fields it changed."""
    merged = {name: _plain(getattr(row, name)) for name in FIELDS}
    merged.update({name: body[name] for name in FIELDS if name in body})
    _refuse_if_implausible(merged)
    changed = [name for name in FIELDS if name in body and _plain(getattr(row, name)) != body[name]]
    if "course_id" in body and body["course_id"] != row.course_id:
        course = _course_for(patient, {"course_id": body["course_id"]})
        row.course_id = course.id
        changed.append("course_id")
    for name in FIELDS:
        if name in body:
            setattr(row, name, body[name])
    refresh(row.patient_id)
    return changed


def delete_session(row: TreatmentSession, staff: StaffUser) -> None:
    """Soft-delete: the row stays for the audit trail and leaves every view and trend."""
    row.deleted_at = utcnow()
    row.deleted_by = staff.id
    refresh(row.patient_id)


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value
