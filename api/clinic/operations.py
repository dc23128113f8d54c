"""Changing clinic settings. Flushes only."""

from ..extensions import db
from ..models import Clinic
from .resources import check_crisis_resources

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
    if "crisis_resources" in changes:
        check_crisis_resources(changes["crisis_resources"])
    for name in SETTINGS:
        if name in changes:
            setattr(clinic, name, changes[name])
    if "rule_settings" in changes:
        # Store only what differs from "use the default", so later defaults still apply.
        clinic.rule_settings = {k: v for k, v in changes["rule_settings"].items() if v is not None}
    db.session.flush()
    return clinic
