"""What notifications say: a priority, the patient's opaque reference and a link. No PHI.

No name, no rule, no score, no answer and no diagnosis leaves Waypoint in a notification;
the reader follows the link and signs in to see why.
"""

import hashlib
import hmac

from api.reminders import messages

PRIORITY_LABELS = {
    "imminent": "Imminent-risk",
    "urgent": "Urgent",
    "high": "High-priority",
    "routine": "Routine",
}
AUDIENCE_NOTES = {
    "on_call": "You are told because you are on call and nobody has acknowledged it yet.",
    "admins": "You are told because you are a clinic admin and nobody has acknowledged it yet.",
}


def alert_url(public_url: str, alert_id) -> str:
    """The link into the clinician views for one alert."""
    return f"{public_url}/clinic/alerts/{alert_id}"


def _article(word: str) -> str:
    """ "An" before a vowel ("An urgent alert", "An imminent..."), else "A"."""
    return "An" if word[:1].lower() in "aeiou" else "A"


def alert_email(priority: str, patient_ref: str, url: str, level: int) -> tuple[str, str]:
    """Subject and plain-text body of an alert email."""
    label = PRIORITY_LABELS[priority]
    subject = f"[Waypoint] {label} alert waiting ({patient_ref})"
    if level:
        subject = f"[Waypoint] Escalated: {label.lower()} alert not acknowledged ({patient_ref})"
    lines = [
        f"{_article(label)} {label.lower()} alert for patient {patient_ref} is waiting in "
        "Waypoint.",
        "",
        f"Open it: {url}",
        "",
    ]
    if level:
        audience = "on_call" if level == 1 else "admins"
        lines += [AUDIENCE_NOTES[audience], ""]
    lines.append("This message carries no clinical details by design; sign in to see them.")
    return subject, "\n".join(lines) + "\n"


def alert_payload(alert, patient_ref: str, url: str, level: int, delivery_id: int) -> dict:
    """The webhook's JSON body: enough for a chat or paging bridge to route, nothing more."""
    return {
        "type": "alert",
        "alert_id": str(alert.id),
        "priority": alert.priority,
        "patient_ref": patient_ref,
        "escalation_level": level,
        "url": url,
        "created_at": alert.created_at.isoformat(),
        "delivery_id": delivery_id,
    }


def alert_chat(priority: str, patient_ref: str, url: str, level: int) -> tuple[str, str]:
    """Title and text of an alert in a chat, a pager or an SMS (Apprise channels): as short
    as a page needs, the same facts as the email and nothing more."""
    label = PRIORITY_LABELS[priority]
    title = f"Waypoint: {label.lower()} alert ({patient_ref})"
    if level:
        title = f"Waypoint: escalated {label.lower()} alert, not acknowledged ({patient_ref})"
    body = (
        f"{_article(label)} {label.lower()} alert for patient {patient_ref} is waiting. "
        f"Open it: {url} (no clinical details by design; sign in to see them)"
    )
    return title, body


def alert_push(priority: str, patient_ref: str, url: str, alert_id, delivery_id=None) -> dict:
    """A Web Push notification for a clinician's browser.

    Its ``tag`` names the delivery: a repeat of the same send (a retry after a crash between
    the send and its commit) replaces the notification on show instead of adding one, while
    an escalation round (another delivery) is shown, and rings, anew.
    """
    label = PRIORITY_LABELS[priority]
    return {
        "title": f"Waypoint: {label.lower()} alert",
        "body": f"Patient {patient_ref}: open Waypoint to review.",
        "url": url,
        "tag": f"alert-{alert_id}" + (f"-{delivery_id}" if delivery_id is not None else ""),
    }


def push_topic(delivery_id) -> str:
    """The Web Push ``Topic`` of a delivery (RFC 8030 5.4: at most 32 characters of the URL-safe
    base64 alphabet): a push service holding an undelivered message of the same delivery
    replaces it with the repeat instead of delivering both. An opaque number, no PHI."""
    return f"waypoint-delivery-{int(delivery_id)}"


def message_id(delivery_id, secret: str, domain: str, kind: str = "delivery") -> str:
    """The ``Message-ID`` of a delivery's email: the same on every retry of that delivery, so
    that mail gateways and clients collapse a repeat; unique to this installation (keyed by
    its secret); an opaque number and digest, no PHI."""
    digest = hmac.new(secret.encode(), f"{kind}:{int(delivery_id)}".encode(), hashlib.sha256)
    return f"<{kind}.{int(delivery_id)}.{digest.hexdigest()[:16]}@{domain}>"


def reminder_email(app_url: str, stop_url: str, clinic_name: str | None = None) -> tuple[str, str]:
    """A patient's check-in reminder by email: kind, short, silent about why they are in care
    (the words: ``api/reminders/messages.py``, in the language the caller set)."""
    return messages.email(app_url, stop_url, clinic_name)


def reminder_sms(app_url: str, stop_url: str, clinic_name: str | None = None) -> tuple[str, str]:
    """A patient's check-in reminder by text: title (some services show it) and body."""
    return messages.sms(app_url, stop_url, clinic_name)


def reminder_push(public_url: str) -> dict:
    """A patient's check-in reminder by Web Push."""
    return {**messages.push(), "url": f"{public_url}/", "tag": messages.PUSH_TAG}
