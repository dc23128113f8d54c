"""Who is calling: server-side sessions behind Flask-Login.

The Flask session cookie carries only a random token (Flask-Login's "alternative
token" pattern); the database keeps its SHA-256 with the session's lifetime, so a
session can be revoked server-side and a stolen database yields no usable token.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from ..extensions import db, login_manager
from ..models import AuthSession, Patient, StaffUser
from ..models.base import utcnow

#: Refresh last_seen_at at most this often, so that reads do not write on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def hash_token(token: str) -> str:
    """SHA-256 hex of a bearer token (the only form tokens are stored in)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Principal:
    """The signed-in staff member or patient, as Flask-Login's user object."""

    token: str
    auth_session: AuthSession
    staff: StaffUser | None = None
    patient: Patient | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.token

    @property
    def kind(self) -> str:
        return "staff" if self.staff else "patient"

    @property
    def role(self) -> str:
        return self.staff.role if self.staff else "patient"

    @property
    def clinic_id(self) -> int:
        return self.staff.clinic_id if self.staff else self.patient.clinic_id

    @property
    def actor_id(self) -> str:
        return str(self.staff.id if self.staff else self.patient.id)

    @property
    def mfa_enrolment_required(self) -> bool:
        """Staff who must use TOTP (admins; clinicians where the clinic says so) but have none."""
        staff = self.staff
        if staff is None or staff.totp_enabled:
            return False
        return staff.role == "admin" or staff.clinic.require_mfa_clinicians


def current_principal() -> Principal | None:
    """The caller's Principal, or None when nobody is signed in."""
    user = current_user._get_current_object() if current_user else None
    return user if isinstance(user, Principal) else None


@login_manager.user_loader
def _load_principal(token: str) -> Principal | None:
    # One query for the session, its owner and the owner's clinic: every request pays it.
    row = db.session.scalar(
        db.select(AuthSession)
        .where(AuthSession.token_hash == hash_token(token))
        .options(
            joinedload(AuthSession.staff).joinedload(StaffUser.clinic),
            joinedload(AuthSession.patient).joinedload(Patient.clinic),
        )
    )
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if now >= row.expires_at:
        return None
    if row.staff_id is not None:
        if now - row.last_seen_at > current_app.config["STAFF_IDLE_TIMEOUT"]:
            return None  # idle too long: dead for good, since last_seen_at no longer moves
        if not row.staff.active:
            return None
    elif row.patient.status != "active":
        return None
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return Principal(token=token, auth_session=row, staff=row.staff, patient=row.patient)


def start_session(*, staff: StaffUser | None = None, patient: Patient | None = None) -> Principal:
    """Open a new server-side session and bind it to a fresh cookie (no fixation)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    if staff is not None:
        lifetime = current_app.config["STAFF_ABSOLUTE_TIMEOUT"]
    else:
        lifetime = current_app.config["PATIENT_SESSION_LIFETIME"]
        session.permanent = True  # the patient stays signed in on this device
    row = AuthSession(
        token_hash=hash_token(token),
        staff=staff,
        patient=patient,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(row)
    db.session.flush()
    principal = Principal(token=token, auth_session=row, staff=staff, patient=patient)
    login_user(principal)
    return principal


def end_session(reason: str = "logout") -> None:
    """Revoke the caller's server-side session and clear the cookie."""
    principal = current_principal()
    if principal is not None:
        principal.auth_session.revoked_at = utcnow()
        principal.auth_session.revoked_reason = reason
    logout_user()
    session.clear()


def revoke_sessions(
    *, staff_id: int | None = None, patient_id=None, reason: str, keep_id: int | None = None
) -> int:
    """Revoke every live session of a staff member or a patient but ``keep_id``; how many."""
    if (staff_id is None) == (patient_id is None):
        raise ValueError("name exactly one of staff_id and patient_id")
    query = db.update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if keep_id is not None:
        query = query.where(AuthSession.id != keep_id)
    if staff_id is not None:
        query = query.where(AuthSession.staff_id == staff_id)
    else:
        query = query.where(AuthSession.patient_id == patient_id)
    result = db.session.execute(query.values(revoked_at=utcnow(), revoked_reason=reason))
    return result.rowcount
