"""Staff accounts: invites, roles, deactivation. They flush; the request (or task) commits.

An invite makes the account (inactive, no usable password) and an invite row; the worker
that emails the link makes its token and keeps only the hash (``issue_token``), so the raw
token is never in the database, the broker or a log. Accepting checks the password first,
then spends the invite in one UPDATE ... RETURNING (two tabs racing on one link cannot both
win), and only then sets the password. A clinic always keeps an active admin: the rows of
its admins are locked before the count, so two admins demoting each other cannot both win.
"""

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..auth.passwords import hash_password, password_problem
from ..auth.principal import hash_token, revoke_sessions
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Clinic, StaffInvite, StaffUser
from ..models.base import utcnow

#: The password hash of an account whose owner has not set one: argon2 can verify nothing
#: against it, so nobody signs in with it (api/auth/passwords.py answers False).
UNUSABLE_HASH = "!invited"  # noqa: S105 (not a password: a hash nothing matches)
EMAIL_TAKEN = "That email address already has a Waypoint account."


def clinic_staff(clinic_id: int) -> list[StaffUser]:
    """The clinic's staff accounts, by name."""
    return db.session.scalars(
        db.select(StaffUser)
        .where(StaffUser.clinic_id == clinic_id)
        .order_by(StaffUser.name, StaffUser.id)
    ).all()


def pending_invites(staff_ids) -> dict[int, StaffInvite]:
    """The live (unused, not replaced) invite of each of these accounts that has one."""
    rows = db.session.scalars(
        db.select(StaffInvite).where(
            StaffInvite.staff_id.in_(list(staff_ids)),
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
        )
    ).all()
    return {row.staff_id: row for row in rows}


def invite_staff(admin: StaffUser, email: str, name: str, role: str) -> StaffUser:
    """Invite someone to the admin's clinic; re-inviting a pending address replaces its invite.

    An address with an account that has signed in (here or at another clinic) is refused
    with one message for both, so that the answer says nothing about other clinics.
    """
    email = email.strip().lower()
    staff = db.session.scalar(db.select(StaffUser).where(StaffUser.email == email))
    if staff is not None and (staff.clinic_id != admin.clinic_id or not staff.invite_pending):
        raise Conflict(EMAIL_TAKEN, {"email": [EMAIL_TAKEN]}, reason="email_taken")
    if staff is None:
        staff = StaffUser(
            clinic_id=admin.clinic_id,
            email=email,
            name=name.strip(),
            role=role,
            password_hash=UNUSABLE_HASH,
            active=False,
            invite_pending=True,
        )
        try:
            with db.session.begin_nested():  # another admin inviting the address right now
                db.session.add(staff)
        except IntegrityError:
            raise Conflict(EMAIL_TAKEN, {"email": [EMAIL_TAKEN]}, reason="email_taken") from None
    staff.name, staff.role = name.strip(), role
    db.session.flush()
    new_invite(staff, admin)
    return staff


def new_invite(staff: StaffUser, admin: StaffUser) -> StaffInvite:
    """A fresh invite of a pending account; every older one of it stops working."""
    if not staff.invite_pending:
        raise Conflict("This person has already set up their account.", reason="already_joined")
    now = utcnow()
    revoke_invites(staff, now)
    invite = StaffInvite(
        staff_id=staff.id,
        created_by=admin.id,
        created_at=now,
        expires_at=now + current_app.config["STAFF_INVITE_LIFETIME"],
    )
    db.session.add(invite)
    staff.active = False  # a cancelled invite sent again
    db.session.flush()
    return invite


def revoke_invites(staff: StaffUser, now: datetime) -> None:
    """Make every unused invite of ``staff`` stop working."""
    db.session.execute(
        db.update(StaffInvite)
        .where(
            StaffInvite.staff_id == staff.id,
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )


def _ensure_another_admin(staff: StaffUser) -> None:
    """Refuse to leave ``staff``'s clinic without an active admin (locks the admins' rows)."""
    admins = db.session.scalars(
        db.select(StaffUser.id)
        .where(
            StaffUser.clinic_id == staff.clinic_id,
            StaffUser.role == "admin",
            StaffUser.active.is_(True),
        )
        .order_by(StaffUser.id)
        .with_for_update()
    ).all()
    if staff.id in admins and len(admins) == 1:
        raise Conflict(
            "The clinic needs an active admin: make someone else an admin first.",
            reason="last_admin",
        )


def change_role(staff: StaffUser, role: str) -> bool:
    """Give ``staff`` another role; True if it changed."""
    if role == staff.role:
        return False
    if staff.role == "admin":
        _ensure_another_admin(staff)
    staff.role = role
    db.session.flush()
    return True


def deactivate(staff: StaffUser) -> int:
    """Stop ``staff`` signing in: end their sessions and invites now; how many sessions ended.

    They also leave the on-call list (escalation skips inactive staff anyway).
    """
    if staff.active and staff.role == "admin":
        _ensure_another_admin(staff)
    staff.active = False
    staff.on_call = False
    revoke_invites(staff, utcnow())
    db.session.flush()
    return revoke_sessions(staff_id=staff.id, reason="deactivated")


def reactivate(staff: StaffUser) -> None:
    """Let a deactivated staff member sign in again (with their own password)."""
    if staff.invite_pending:
        raise Conflict(
            "This person has not set up their account yet: send the invite again.",
            reason="not_joined",
        )
    staff.active = True
    db.session.flush()


def issue_token(invite_id: int) -> tuple[str, StaffInvite] | None:
    """A fresh token for a live, unsent invite (its hash kept; the row locked); else None."""
    invite = db.session.scalar(
        db.select(StaffInvite).where(StaffInvite.id == invite_id).with_for_update()
    )
    if invite is None or not _live(invite) or invite.sent_at is not None:
        return None
    token = secrets.token_urlsafe(32)
    invite.token_hash = hash_token(token)
    db.session.flush()
    return token, invite


def _live(invite: StaffInvite) -> bool:
    return invite.used_at is None and invite.revoked_at is None and invite.expires_at > utcnow()


def find_invite(token: str) -> StaffInvite | None:
    """The live invite of this token, or None (used, replaced, expired or never made)."""
    invite = db.session.scalar(
        db.select(StaffInvite).where(StaffInvite.token_hash == hash_token(token))
    )
    return invite if invite is not None and _live(invite) else None


def accept_invite(token: str, password: str) -> StaffUser | None:
    """Spend the invite and give its account this password; None if the token is not live.

    A password that the rules refuse changes nothing: the invite stays usable.
    """
    problem = password_problem(password)
    if problem:
        raise Invalid(problem, {"password": [problem]}, reason="weak_password")
    now = utcnow()
    staff_id = db.session.scalar(
        db.update(StaffInvite)
        .where(
            StaffInvite.token_hash == hash_token(token),
            StaffInvite.used_at.is_(None),
            StaffInvite.revoked_at.is_(None),
            StaffInvite.expires_at > now,
        )
        .values(used_at=now)
        .returning(StaffInvite.staff_id)
    )
    if staff_id is None:
        return None
    staff = db.session.get(StaffUser, staff_id)
    staff.password_hash = hash_password(password)
    staff.active = True
    staff.invite_pending = False
    db.session.flush()
    return staff


def invite_email(staff: StaffUser, clinic: Clinic, invite: StaffInvite, token: str) -> tuple:
    """(subject, text) of the invite: who invites, the link, and until when it works."""
    base = current_app.config["PUBLIC_URL"]
    until = invite.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    role = "an administrator" if staff.role == "admin" else "a clinician"
    subject = f"You are invited to {clinic.name} on Waypoint"
    text = (
        f"Hello {staff.name},\n\n"
        f"{clinic.name} has invited you to Waypoint as {role}.\n\n"
        "Open this link to choose your password and set up two-step sign-in:\n\n"
        # In the fragment: browsers never send it, so it reaches no server or proxy log.
        f"{base}/clinic/welcome#invite={token}\n\n"
        f"The link works once, until {until}. If it has expired, ask your clinic's "
        "administrator to send a new one.\n\n"
        "If you did not expect this invitation, you can ignore this message.\n"
    )
    return subject, text
