"""Changing clinic settings and clinicians' push subscriptions. Flushes only."""

from ..extensions import db
from ..models import Clinic, PushSubscription, StaffUser

SETTINGS = (
    "webhook_url",
    "webhook_secret",
    "escalate_urgent_minutes",
    "escalate_imminent_minutes",
    "crisis_resources",
    "monitoring_hours",
    "rule_settings",
)


def update_settings(clinic: Clinic, changes: dict) -> Clinic:
    """Apply a validated partial update of the clinic's settings."""
    for name in SETTINGS:
        if name in changes:
            setattr(clinic, name, changes[name])
    if "rule_settings" in changes:
        # Store only what differs from "use the default", so later defaults still apply.
        clinic.rule_settings = {k: v for k, v in changes["rule_settings"].items() if v is not None}
    db.session.flush()
    return clinic


def save_push_subscription(staff: StaffUser, body: dict) -> PushSubscription:
    """Store a browser's push endpoint for ``staff``, replacing any row with that endpoint."""
    existing = db.session.scalar(
        db.select(PushSubscription).where(PushSubscription.endpoint == body["endpoint"])
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    subscription = PushSubscription(
        staff_id=staff.id,
        endpoint=body["endpoint"],
        p256dh=body["keys"]["p256dh"],
        auth=body["keys"]["auth"],
    )
    db.session.add(subscription)
    db.session.flush()
    return subscription
