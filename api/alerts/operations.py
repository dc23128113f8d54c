"""A clinician's changes to an alert: acknowledge and resolve (raising them: api.pipeline)."""

from datetime import datetime

from ..errors import Conflict
from ..extensions import db
from ..models import Alert, AlertEvent
from ..models.base import utcnow


class AlertStateError(Conflict):
    """The alert is not in a state that allows the change (e.g. already acknowledged)."""


def lock_alert(alert_id, clinic_id: int) -> Alert | None:
    """The clinic's alert, row-locked so that acknowledging and escalating never interleave."""
    return db.session.scalar(
        db.select(Alert).where(Alert.id == alert_id, Alert.clinic_id == clinic_id).with_for_update()
    )


def acknowledge_alert(alert: Alert, staff, note: str | None, now: datetime | None = None) -> Alert:
    """Mark an open alert acknowledged by ``staff``; this stops its escalation."""
    if alert.status != "open":
        raise AlertStateError(f"This alert is already {alert.status}.")
    now = now or utcnow()
    alert.status = "acknowledged"
    alert.acknowledged_at = now
    alert.acknowledged_by = staff.id
    alert.ack_note = note
    alert.escalate_at = None
    return _staff_event(alert, "acknowledged", staff, note, now)


def resolve_alert(alert: Alert, staff, note: str | None, now: datetime | None = None) -> Alert:
    """Close an open or acknowledged alert; resolving an open one also acknowledges it."""
    if alert.status == "resolved":
        raise AlertStateError("This alert is already resolved.")
    now = now or utcnow()
    if alert.status == "open":
        alert.acknowledged_at = now
        alert.acknowledged_by = staff.id
    alert.status = "resolved"
    alert.resolved_at = now
    alert.resolved_by = staff.id
    alert.escalate_at = None
    return _staff_event(alert, "resolved", staff, note, now)


def _staff_event(alert: Alert, kind: str, staff, note: str | None, now: datetime) -> Alert:
    """Add a staff member's change to the alert's timeline, with their note if any."""
    db.session.add(
        AlertEvent(
            alert_id=alert.id,
            kind=kind,
            at=now,
            actor_id=staff.id,
            detail={"note": note} if note else {},
        )
    )
    db.session.flush()
    return alert
