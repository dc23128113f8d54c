"""Authentication steps: staff login, patient invites. They flush; the request commits."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
from flask import current_app

from ..extensions import db
from ..models import Invite, Patient, StaffUser
from ..models.base import utcnow
from .passwords import verify_password
from .principal import hash_token


class LoginRefused(Exception):
    """Credentials did not check out; ``reason`` is for the audit trail, never the caller."""

    def __init__(self, reason: str, staff: StaffUser | None = None):
        super().__init__(reason)
        self.reason = reason
        self.staff = staff


class MfaRequired(Exception):
    """The password was right but this account needs a TOTP code."""

    def __init__(self, staff: StaffUser):
        super().__init__("totp_required")
        self.staff = staff


def authenticate_staff(email: str, password: str, totp: str | None) -> StaffUser:
    """The staff member these credentials belong to, or LoginRefused / MfaRequired."""
    staff = db.session.scalar(db.select(StaffUser).where(StaffUser.email == email.lower()))
    if not verify_password(staff.password_hash if staff else None, password):
        raise LoginRefused("bad_credentials", staff)
    if not staff.active:
        raise LoginRefused("inactive", staff)
    if staff.totp_enabled:
        if not totp:
            raise MfaRequired(staff)
        if not _check_second_factor(staff, totp):
            raise LoginRefused("bad_totp", staff)
    return staff


def _check_second_factor(staff: StaffUser, code: str) -> bool:
    code = code.strip().replace(" ", "")
    if is_ascii_digits(code):
        return verify_totp(staff, code)
    code = normalise_recovery_code(code)
    lock_second_factor(staff)
    for stored in list(staff.recovery_codes):
        if verify_password(stored, code):
            staff.recovery_codes = [c for c in staff.recovery_codes if c != stored]
            return True
    return False


def is_ascii_digits(code: str) -> bool:
    """True for 0-9 only: ``str.isdigit`` also takes other scripts' digits (``١٢٣``)."""
    return code.isascii() and code.isdigit()


def normalise_recovery_code(code: str) -> str:
    """A recovery code as hashed: lower case, without the dashes it is shown with."""
    return code.strip().lower().replace("-", "").replace(" ", "")


def lock_second_factor(staff: StaffUser) -> None:
    """Re-read the one-time-code state of ``staff`` under a row lock (SELECT ... FOR UPDATE).

    Two sign-ins racing with one code (or one recovery code) would otherwise both read it
    as unused; with the lock the second waits for the first to commit and then sees it used.
    The lock lasts until the request's transaction ends.
    """
    db.session.refresh(
        staff,
        attribute_names=["totp_secret", "totp_last_counter", "recovery_codes"],
        with_for_update=True,
    )


def verify_totp(staff: StaffUser, code: str) -> bool:
    """True if ``code`` is the staff member's TOTP for now (+-30 s), each time step once only."""
    if not staff.totp_secret or not is_ascii_digits(code) or len(code) != 6:
        return False
    lock_second_factor(staff)
    totp = pyotp.TOTP(staff.totp_secret)
    now = totp.timecode(datetime.now(UTC))
    for counter in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            # A code already used (or an older one) is a replay: refuse it.
            if staff.totp_last_counter is not None and counter <= staff.totp_last_counter:
                return False
            staff.totp_last_counter = counter
            return True
    return False


def create_invite(patient: Patient, created_by: StaffUser | None = None) -> str:
    """A fresh one-time invite URL for ``patient``; every older invite stops working."""
    now = utcnow()
    db.session.execute(
        db.update(Invite)
        .where(
            Invite.patient_id == patient.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None)
        )
        .values(revoked_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        Invite(
            patient_id=patient.id,
            token_hash=hash_token(token),
            created_by=created_by.id if created_by else None,
            expires_at=now + current_app.config["INVITE_LIFETIME"],
        )
    )
    db.session.flush()
    return invite_url(token, patient.language)


def invite_url(token: str, language: str | None = None) -> str:
    """The join page's URL for ``token``: ``/join/{language}/{token}`` when the patient's
    language is chosen, so that the page speaks it before anyone has signed in."""
    base = f"{current_app.config['PUBLIC_URL']}/join"
    return f"{base}/{language}/{token}" if language else f"{base}/{token}"


def consume_invite(token: str) -> Patient | None:
    """The invite's patient if the token is valid (then it is used up), else None."""
    now = utcnow()
    # A single UPDATE ... RETURNING so two devices racing on one link cannot both win.
    patient_id = db.session.scalar(
        db.update(Invite)
        .where(
            Invite.token_hash == hash_token(token),
            Invite.used_at.is_(None),
            Invite.revoked_at.is_(None),
            Invite.expires_at > now,
        )
        .values(used_at=now)
        .returning(Invite.patient_id)
    )
    if patient_id is None:
        return None
    patient = db.session.get(Patient, patient_id)
    return patient if patient is not None and patient.status == "active" else None


def token_fingerprint(token: str) -> str:
    """A short, non-reversible tag of a token for audit details."""
    return hashlib.sha256(token.encode()).hexdigest()[:12]
