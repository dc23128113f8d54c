"""Enrolling patients. Steps flush; the request (or CLI command) commits."""

import secrets

from ..auth.principal import revoke_sessions
from ..errors import Invalid
from ..extensions import db
from ..models import Clinic, Patient, StaffUser
from ..models.base import utcnow
from ..models.patients import DEFAULT_SCHEDULE
from ..reminders.operations import phone_of
from ..sealed import seal

_REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


def new_ref(clinic_id: int) -> str:
    """A short reference unique in the clinic, e.g. P-7K3Q9C; meaningless outside Waypoint."""
    while True:
        ref = "P-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(6))
        taken = db.session.scalar(
            db.select(Patient.id).where(Patient.clinic_id == clinic_id, Patient.ref == ref)
        )
        if taken is None:
            return ref


def enrol_patient(
    clinic: Clinic,
    *,
    display_name: str,
    timezone: str | None = None,
    email: str | None = None,
    language: str | None = None,
    schedule: dict | None = None,
    care_team: list[StaffUser] | None = None,
    mobile: str | None = None,
) -> Patient:
    """Create a patient in ``clinic`` (flushes; the caller commits); ``mobile`` in E.164."""
    patient = Patient(
        phone_sealed=seal(mobile) if mobile else None,
        clinic_id=clinic.id,
        ref=new_ref(clinic.id),
        display_name=display_name,
        email=email,
        language=language,
        timezone=timezone or clinic.timezone,
        schedule=schedule or dict(DEFAULT_SCHEDULE),
        care_team=list(care_team or []),
    )
    db.session.add(patient)
    db.session.flush()
    return patient


def care_team_members(clinic_id: int, ids: list[int]) -> list[StaffUser]:
    """The staff of ``clinic_id`` with these ids; 422 if any is unknown or of another clinic."""
    if not ids:
        return []
    team = db.session.scalars(
        db.select(StaffUser).where(StaffUser.id.in_(ids), StaffUser.clinic_id == clinic_id)
    ).all()
    if len(team) != len(set(ids)):
        raise Invalid("Unknown care team member.", {"care_team": ["Not a member of this clinic."]})
    return list(team)


def update_patient(patient: Patient, body: dict) -> list[str]:
    """Apply a clinician's edit (schedule, care team, discharge...); return changed fields."""
    changed = []
    for name in ("display_name", "email", "timezone", "language", "schedule"):
        if name in body and getattr(patient, name) != body[name]:
            setattr(patient, name, body[name])
            changed.append(name)
    if "mobile" in body and phone_of(patient) != body["mobile"]:
        patient.phone_sealed = seal(body["mobile"]) if body["mobile"] else None
        changed.append("mobile")
    if "care_team" in body:
        team = care_team_members(patient.clinic_id, body["care_team"])
        if {s.id for s in team} != {s.id for s in patient.care_team}:
            patient.care_team = team
            changed.append("care_team")
    if "status" in body and body["status"] != patient.status:
        patient.status = body["status"]
        patient.discharged_at = utcnow() if body["status"] == "discharged" else None
        if body["status"] == "discharged":
            # A discharged patient's devices are signed out at once, not at their next visit.
            revoke_sessions(patient_id=patient.id, reason="discharged")
        changed.append("status")
    db.session.flush()
    return changed
