"""Every word a patient reads of a reminder, by channel, and of the opt-out: in one place.

Marked for the server's catalogs (Flask-Babel, ``api/i18n.py``): each function returns its
words in the language in force (the worker sets the patient's with ``api.i18n.in_language``;
a request has the patient's or the browser's). No PHI, by design: no name, no instrument, no
score, nothing that says what the care is for; the clinic's name only when the clinic chose
to be named (``Clinic.reminder_names_clinic``). Each message carries the link into the app
and, for email and SMS, the opt-out link of its own channel (an SMS reply cannot be read
here, so the text says how to stop instead of "reply STOP").
"""

from flask_babel import gettext as _

#: The notification's tag: a later reminder replaces an earlier one on the phone.
PUSH_TAG = "checkin-reminder"


def push() -> dict:
    """Web Push: the notification shown on the phone."""
    return {"title": "Waypoint", "body": _("A short check-in is ready whenever you are.")}


def _sender(clinic_name: str | None) -> str:
    """Who the message says it is from: the clinic, if it chose to be named, else the care team."""
    return clinic_name or _("your care team")


def email(app_url: str, stop_url: str, clinic_name: str | None) -> tuple[str, str]:
    """Email: subject and plain-text body."""
    sender = _sender(clinic_name)
    body = (
        _("Hello,")
        + "\n\n"
        + _("A short check-in from %(sender)s is ready whenever you are.", sender=sender)
        + " "
        + _("It takes about two minutes.")
        + "\n\n"
        + _("Open Waypoint: %(url)s", url=app_url)
        + "\n\n"
        + _("You can change when these reminders come in the app.")
        + "\n"
        + _("To stop reminders by email: %(url)s", url=stop_url)
        + "\n"
    )
    return _("Your check-in is ready"), body


def sms(app_url: str, stop_url: str, clinic_name: str | None) -> tuple[str, str]:
    """SMS: one short text (a link each to the app and to stop; replies are not read)."""
    body = _(
        "A short check-in from %(sender)s is ready: %(app_url)s "
        "Replies are not read. To stop these texts: %(stop_url)s",
        sender=_sender(clinic_name),
        app_url=app_url,
        stop_url=stop_url,
    )
    return "Waypoint", body


def stopped(channel: str) -> str:
    """What the opt-out answers, by channel stopped."""
    return {
        "email": _(
            "Reminders by email are off. You can turn them on again in the app, under Reminders."
        ),
        "sms": _(
            "Reminders by text message are off. "
            "You can turn them on again in the app, under Reminders."
        ),
        "webpush": _("Reminders on this phone are off. You can turn them on again in the app."),
    }[channel]


def stop_invalid() -> str:
    """A link that is not one of ours (or was mistyped): nothing changed."""
    return _("This link is not valid. Nothing was changed. You can change reminders in the app.")
