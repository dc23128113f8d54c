"""Notices to a staff member's email when their account's sign-in changed.

A stolen session that changes the password or the second factor must not go unseen: the
owner hears of it at once, from the address the account is known by. The notice names no
patient and nothing clinical: what changed, when, and what to do if it was not them.

Queued after the commit (``after_commit``) as a task by name; the worker sends it over the
email channel (worker/tasks/notices.py). A broker down at that moment loses the notice,
not the change: the audit trail keeps the change (there is no outbox row for notices).
"""

from datetime import datetime

from flask import current_app

from ..boundary import after_commit
from ..models import StaffUser
from ..models.base import utcnow
from ..pipeline.routing import SEND_ACCOUNT_NOTICE
from ..queue import publish

NOTICE_QUEUE = "default"

#: What each change is called in the notice: (subject, sentence).
CHANGES = {
    "password_changed": (
        "Your Waypoint password was changed",
        "The password of your Waypoint account was changed",
    ),
    "two_step_enrolled": (
        "Two-step sign-in was turned on for your Waypoint account",
        "Two-step sign-in was turned on for your Waypoint account, with a new authenticator app",
    ),
}


def queue_notice(staff: StaffUser, change: str) -> None:
    """Once this request has committed, have the worker email ``staff`` that ``change`` happened."""
    if change not in CHANGES:
        raise ValueError(f"unknown account change {change!r}")
    app = current_app._get_current_object()
    args = [staff.id, change, utcnow().isoformat()]
    after_commit(lambda: publish(app, [(SEND_ACCOUNT_NOTICE, args, NOTICE_QUEUE)]))


def notice_email(change: str, at: str, public_url: str) -> tuple[str, str]:
    """(subject, text) of the notice that ``change`` happened at ``at`` (ISO, UTC)."""
    subject, sentence = CHANGES[change]
    when = datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        "Hello,\n\n"
        f"{sentence} on {when}.\n\n"
        "If that was you, there is nothing more to do.\n\n"
        "If it was not you, someone else may be signed in to your account. Sign in at "
        f"{public_url}/clinic/ now, change your password, and sign out every device you do "
        "not recognise under My account. If you cannot sign in, ask your clinic's "
        "administrator to sign your account out everywhere and reset it.\n\n"
        "This message was sent by Waypoint to the address of your account.\n"
    )
    return subject, text
