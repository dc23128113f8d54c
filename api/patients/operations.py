"""Enrolling patients. Steps flush; the request (or CLI command) commits."""

import secrets

from ..extensions import db
from ..models import Clinic, Patient, StaffUser
from ..models.patients import DEFAULT_SCHEDULE

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
    schedule: dict | None = None,
    care_team: list[StaffUser] | None = None,
) -> Patient:
    """Create a patient in ``clinic`` (flushes; the caller commits)."""
    patient = Patient(
        clinic_id=clinic.id,
        ref=new_ref(clinic.id),
        display_name=display_name,
        email=email,
        timezone=timezone or clinic.timezone,
        schedule=schedule or dict(DEFAULT_SCHEDULE),
        care_team=list(care_team or []),
    )
    db.session.add(patient)
    db.session.flush()
    return patient
