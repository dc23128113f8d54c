"""A patient's invite as the clinic hands it over: the link, its QR code, and by email.

The link is shown once (only its token's hash is stored). To email that same link, the
clinic's screen sends it back in a POST body; it is checked against the live invites of the
patient and handed to the worker after the commit (worker/tasks/invites.py), which checks it
again before sending. The email names no clinic and nothing clinical: an invitation, the
link, how long it works. A broker down at that moment loses the email, not the invite: the
screen still shows the QR code and the link to copy.
"""

from datetime import datetime

from flask import current_app
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

import surveys

from ..auth.principal import hash_token
from ..boundary import after_commit
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Invite, Patient
from ..models.base import utcnow
from ..pipeline.routing import SEND_PATIENT_INVITE, SEND_PATIENT_INVITE_SMS
from ..qr import qr_svg
from ..queue import publish
from ..reminders.operations import phone_hint, phone_of

INVITE_QUEUE = "default"


def invite_body(invite_url: str) -> dict:
    """The invite as the clinic's screen shows it: the link, its QR code, when it stops working."""
    invite = live_invite_of_url(invite_url)
    return {
        "invite_url": invite_url,
        "invite_qr_svg": qr_svg(invite_url),
        "invite_expires_at": invite.expires_at if invite else None,
    }


def token_of(invite_url: str) -> str | None:
    """The token of one of this server's invite URLs, or None for any other text."""
    prefix = f"{current_app.config['PUBLIC_URL']}/join/"
    if not invite_url.startswith(prefix):
        return None
    token = invite_url[len(prefix) :]
    # /join/{language}/{token} when the patient's language is chosen (create_invite).
    language, _, rest = token.partition("/")
    if rest and language in surveys.LANGUAGES:
        token = rest
    return token if token and "/" not in token and "?" not in token else None


def live_invite_of_url(invite_url: str, patient_id=None) -> Invite | None:
    """The unused, unexpired, unreplaced invite behind ``invite_url`` (of that patient)."""
    token = token_of(invite_url)
    if token is None:
        return None
    query = db.select(Invite).where(
        Invite.token_hash == hash_token(token),
        Invite.used_at.is_(None),
        Invite.revoked_at.is_(None),
        Invite.expires_at > utcnow(),
    )
    if patient_id is not None:
        query = query.where(Invite.patient_id == patient_id)
    return db.session.scalar(query)


def email_invite(patient: Patient, invite_url: str) -> str:
    """Have the worker email ``invite_url`` to the patient once this request commits.

    Returns the address it goes to; refuses a patient without one, a discharged patient,
    and a link that is not this patient's live invite (used, replaced, expired, or not one).
    """
    if patient.status != "active":
        raise Conflict("Re-admit the patient before inviting them.")
    if not patient.email:
        raise Invalid(
            "This patient has no email address.",
            {"email": ["Add the patient's email address first."]},
        )
    _send_after_commit(patient, invite_url, SEND_PATIENT_INVITE)
    return patient.email


def _send_after_commit(patient: Patient, invite_url: str, task: str) -> None:
    """Queue ``task`` (the email or the text) for the patient's live invite ``invite_url``
    once the request commits; Invalid if the link is not that (used, replaced, expired)."""
    invite = live_invite_of_url(invite_url, patient.id)
    if invite is None:
        raise Invalid(
            "This invite link no longer works.",
            {"invite_url": ["Not a live invite of this patient: create a new invite link."]},
        )
    app = current_app._get_current_object()
    args = [str(patient.id), invite.id, token_of(invite_url)]
    after_commit(lambda: publish(app, [(task, args, INVITE_QUEUE)]))


def sms_invite(patient: Patient, invite_url: str) -> str:
    """Have the worker text ``invite_url`` to the patient's mobile once this request commits,
    through the clinic's SMS service; returns the number's hint ("•••• 23"). Refuses as
    ``email_invite`` does, and a clinic with no SMS service (409: an admin sets one)."""
    if patient.status != "active":
        raise Conflict("Re-admit the patient before inviting them.")
    phone = phone_of(patient)
    if not phone:
        raise Invalid(
            "This patient has no mobile number.",
            {"mobile": ["Add the patient's mobile number first."]},
        )
    if not patient.clinic.reminder_sms_sealed:
        raise Conflict(
            "The clinic has no text-message service: an admin sets it in Settings, Reminders."
        )
    _send_after_commit(patient, invite_url, SEND_PATIENT_INVITE_SMS)
    return phone_hint(phone)


def invite_sms(invite_url: str, expires_at: datetime) -> str:
    """The text message that carries a patient's invite link: no clinic, no name."""
    english = get_locale() is None or get_locale().language == "en"
    until = expires_at.strftime("%d %B %Y") if english else format_date(expires_at, "long")
    return (
        _("Your care team invited you to Waypoint, for short check-ins between visits.")
        + " "
        + _("Open on your phone (works once, until %(until)s):", until=until)
        + f" {invite_url} "
        + _("Not expecting this? Ignore it.")
    )


def invite_email(invite_url: str, expires_at: datetime) -> tuple[str, str]:
    """(subject, text) of the email that carries a patient's invite link."""
    # In the patient's language when the caller set it (worker/tasks/invites.py, api.i18n).
    english = get_locale() is None or get_locale().language == "en"
    until = expires_at.strftime("%d %B %Y") if english else format_date(expires_at, "long")
    text = (
        _("Hello,")
        + "\n\n"
        + _(
            "Your care team invited you to Waypoint, the app for your short check-ins "
            "between visits."
        )
        + "\n\n"
        + _("Open this link on your phone to start (it works once, until %(until)s):", until=until)
        + f"\n\n{invite_url}\n\n"
        + _("If the link has stopped working, ask your care team for a new one.")
        + "\n\n"
        + _("If you did not expect this message, you can ignore it.")
        + "\n"
    )
    return _("Your invitation to Waypoint"), text
