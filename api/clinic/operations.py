"""Changing clinic settings. Flushes only."""

from ..channels.urls import SMS_KINDS, read
from ..extensions import db
from ..models import Clinic, Patient
from ..outbound import allow_list
from ..pipeline.settings import clinic_rule_settings
from ..pipeline.summary import refresh
from ..sealed import seal
from .resources import check_crisis_resources

SETTINGS = (
    "webhook_url",
    "webhook_secret",
    "escalate_urgent_minutes",
    "escalate_imminent_minutes",
    "crisis_resources",
    "monitoring_hours",
    "rule_settings",
    "reminder_channels",
    "reminder_names_clinic",
    "quiet_hours_start",
    "quiet_hours_end",
)


def update_settings(clinic: Clinic, changes: dict) -> Clinic:
    """Apply a validated partial update of the clinic's settings."""
    if "crisis_resources" in changes:
        check_crisis_resources(changes["crisis_resources"])
    before = clinic_rule_settings(clinic).thresholds()
    for name in SETTINGS:
        if name in changes:
            setattr(clinic, name, changes[name])
    if "reminder_sms_url" in changes:
        _set_sms_url(clinic, changes["reminder_sms_url"])
    if "rule_settings" in changes:
        # Store only what differs from "use the default", so later defaults still apply.
        clinic.rule_settings = {k: v for k, v in changes["rule_settings"].items() if v is not None}
        if clinic_rule_settings(clinic).thresholds() != before:
            _restate_statuses(clinic)
    db.session.flush()
    return clinic


def _restate_statuses(clinic: Clinic) -> None:
    """Every patient's stored status again under the clinic's new change thresholds, in the
    same transaction: the panel must not keep an old status while the chart shows the new."""
    ids = db.session.scalars(db.select(Patient.id).where(Patient.clinic_id == clinic.id)).all()
    refresh(*ids)


def _set_sms_url(clinic: Clinic, url: str | None) -> None:
    """Keep the reminders' SMS URL sealed, and its mask to show (validated already)."""
    if not url:
        clinic.reminder_sms_sealed = clinic.reminder_sms_masked = None
        return
    clinic.reminder_sms_sealed = seal(url.strip())
    clinic.reminder_sms_masked = read(url, allow_list(), kinds=SMS_KINDS).masked
