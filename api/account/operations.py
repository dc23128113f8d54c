"""One's own account: TOTP enrolment, recovery codes, password change, own sessions.

They flush; the request commits.
"""

import secrets

import pyotp

from ..auth.operations import normalise_recovery_code, verify_totp
from ..auth.passwords import hash_password, password_problem, verify_password
from ..auth.principal import Principal, revoke_sessions
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import AuthSession, StaffUser
from ..models.base import utcnow
from ..qr import qr_svg

RECOVERY_CODES = 10
ISSUER = "Waypoint"
#: No 0/1/8/9 look-alikes: the codes are read off paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz234567"


def confirm_current_password(staff: StaffUser, password: str) -> None:
    """Refuse an account change unless ``password`` is the staff member's current one.

    A session alone does not change the password or the second factor: a stolen one would
    otherwise lock the owner out for good. The routes count the refusals as failed sign-ins.
    """
    if not verify_password(staff.password_hash, password):
        raise Invalid(
            "The current password is not right.",
            {"current_password": ["The current password is not right."]},
            reason="wrong_password",
        )


def start_totp_enrolment(staff: StaffUser, current_password: str) -> dict:
    """A fresh TOTP secret (kept, not yet enabled) and its otpauth:// URI for the QR code."""
    confirm_current_password(staff, current_password)
    if staff.totp_enabled:
        raise Conflict("Two-step sign-in is already set up for this account.")
    staff.totp_secret = pyotp.random_base32()
    staff.totp_last_counter = None
    db.session.flush()
    uri = pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.email, issuer_name=ISSUER)
    return {"secret": staff.totp_secret, "otpauth_uri": uri, "otpauth_qr_svg": qr_svg(uri)}


def confirm_totp_enrolment(staff: StaffUser, code: str, current_password: str) -> list[str]:
    """Enable TOTP once the app shows a valid code; the recovery codes, shown this once."""
    confirm_current_password(staff, current_password)
    if staff.totp_enabled:
        raise Conflict("Two-step sign-in is already set up for this account.")
    if not staff.totp_secret:
        raise Conflict("Start the set-up first.")
    if not verify_totp(staff, code.strip().replace(" ", "")):
        raise Invalid(
            "That code is not right. Check the time on your phone.",
            {"code": ["That code is not right. Check the time on your phone."]},
        )
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    staff.recovery_codes = [hash_password(normalise_recovery_code(c)) for c in codes]
    staff.totp_enabled = True
    db.session.flush()
    return codes


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def change_password(principal: Principal, current: str, new: str) -> int:
    """Set a new password and end every other session; how many were ended."""
    staff = principal.staff
    confirm_current_password(staff, current)
    problem = password_problem(new)
    if problem:
        raise Invalid(problem, {"new_password": [problem]})
    if verify_password(staff.password_hash, new):
        raise Invalid(
            "Choose a password you have not used here.",
            {"new_password": ["Choose a password you have not used here."]},
        )
    staff.password_hash = hash_password(new)
    db.session.flush()
    return revoke_sessions(
        staff_id=staff.id, reason="password_changed", keep_id=principal.auth_session.id
    )


def live_sessions(principal: Principal) -> list[AuthSession]:
    """The caller's sessions that still work, newest first."""
    owner = (
        AuthSession.staff_id == principal.staff.id
        if principal.staff
        else AuthSession.patient_id == principal.patient.id
    )
    return db.session.scalars(
        db.select(AuthSession)
        .where(owner, AuthSession.revoked_at.is_(None), AuthSession.expires_at > utcnow())
        .order_by(AuthSession.created_at.desc(), AuthSession.id.desc())
    ).all()


def revoke_own_session(principal: Principal, session_id: int) -> AuthSession | None:
    """Revoke one of the caller's live sessions; None if it is not theirs (or not live)."""
    row = next((s for s in live_sessions(principal) if s.id == session_id), None)
    if row is not None:
        row.revoked_at, row.revoked_reason = utcnow(), "revoked_by_owner"
        db.session.flush()
    return row
