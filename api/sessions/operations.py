"""Treatment sessions: validation of what can be real, courses, edits and soft deletes.

Plausibility bounds (a typo must not become a chart): a dose is positive and at most
``MAX_DOSE_MG`` for its route (IV/IM ketamine 0.5-1 mg/kg, anaesthetic doses up to about
2 mg/kg; esketamine nasal spray 28-84 mg; oral and sublingual ketamine rarely above 300 mg);
mg/kg is recorded for IV and IM only, at most 3 mg/kg. Blood pressure: systolic 50-300,
diastolic 20-200 mmHg, systolic above diastolic, both or neither of a pair. CADSS 0-92.
The time is at most 15 minutes ahead of the server clock and at most 10 years ago.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..errors import Invalid
from ..extensions import db
from ..models import Patient, StaffUser, TreatmentCourse, TreatmentSession
from ..models.base import utcnow
from ..pipeline.summary import refresh

MAX_DOSE_MG = {"iv": 300, "im": 300, "intranasal": 200, "oral": 500, "sublingual": 500}
MAX_MG_PER_KG = 3
PER_KG_MODALITIES = ("iv", "im")
SYSTOLIC = (50, 300)
DIASTOLIC = (20, 200)
#: Decimal places the columns keep: a dose is rounded to them before it is checked, so
#: the value checked is the value stored (0.001 mg would be stored as 0.00 otherwise).
DOSE_MG_PLACES = TreatmentSession.__table__.c.dose_mg.type.scale
MG_PER_KG_PLACES = TreatmentSession.__table__.c.dose_mg_per_kg.type.scale
MAX_FUTURE = timedelta(minutes=15)
MAX_PAST = timedelta(days=3650)
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


def plausibility_errors(values: dict) -> dict[str, list[str]]:
    """Field -> messages for a session that cannot be real (values already typed)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    now, at = utcnow(), values.get("administered_at")
    if at is not None and at > now + MAX_FUTURE:
        add("administered_at", "Is in the future; record a session once it has happened.")
    if at is not None and at < now - MAX_PAST:
        add("administered_at", "Is more than 10 years ago.")
    modality = values.get("modality")
    dose, per_kg = values.get("dose_mg"), values.get("dose_mg_per_kg")
    if dose is None and per_kg is None:
        add("dose_mg", "Give the dose in mg (and mg/kg for IV or IM).")
    if dose is not None and not 0 < dose <= MAX_DOSE_MG.get(modality, 0):
        limit, step = MAX_DOSE_MG.get(modality), _step(DOSE_MG_PLACES)
        add("dose_mg", f"Must be at least {step} and at most {limit} mg for {modality}.")
    if per_kg is not None:
        if modality not in PER_KG_MODALITIES:
            add("dose_mg_per_kg", "mg/kg is recorded for IV and IM sessions only.")
        elif not 0 < per_kg <= MAX_MG_PER_KG:
            step = _step(MG_PER_KG_PLACES)
            add("dose_mg_per_kg", f"Must be at least {step} and at most {MAX_MG_PER_KG} mg/kg.")
    for when in ("pre", "post"):
        systolic, diastolic = values.get(f"bp_{when}_systolic"), values.get(f"bp_{when}_diastolic")
        if (systolic is None) != (diastolic is None):
            add(f"bp_{when}_diastolic", "Give both systolic and diastolic, or neither.")
            continue
        if systolic is None:
            continue
        if not SYSTOLIC[0] <= systolic <= SYSTOLIC[1]:
            add(f"bp_{when}_systolic", f"Must be {SYSTOLIC[0]}-{SYSTOLIC[1]} mmHg.")
        if not DIASTOLIC[0] <= diastolic <= DIASTOLIC[1]:
            add(f"bp_{when}_diastolic", f"Must be {DIASTOLIC[0]}-{DIASTOLIC[1]} mmHg.")
        if systolic <= diastolic:
            add(f"bp_{when}_systolic", "Systolic must be above diastolic.")
    return errors


def round_to_places(value: float, places: int) -> float:
    """``value`` rounded half up to ``places`` decimals, as a NUMERIC column stores it."""
    try:
        return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    except InvalidOperation:  # too many digits to quantize: far out of range, refused later
        return value


def _step(places: int) -> str:
    return f"{Decimal(1).scaleb(-places):f}"


def _refuse_if_implausible(values: dict) -> None:
    errors = plausibility_errors(values)
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
