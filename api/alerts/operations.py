"""Raising alerts from rule hits, exactly once per (check-in, rule) or dedupe key."""

from datetime import datetime

from ..extensions import db
from ..models import Alert, AlertEvent, Patient
from ..models.base import dialect_insert, new_uuid, utcnow

#: Priorities that page people and escalate when nobody acknowledges.
ESCALATING = ("imminent", "urgent")


def raise_alerts(
    patient: Patient, hits, *, checkin_id=None, answered_at: datetime | None = None
) -> list[Alert]:
    """Insert an alert per rule hit unless its key exists; return the ones inserted now.

    ``hits`` are ``surveys.RuleHit``. Uses INSERT ... ON CONFLICT DO NOTHING so that two
    evaluations racing on the same check-in cannot both create (or fail on) an alert.
    """
    created = []
    now = utcnow()
    for hit in hits:
        values = {
            "id": new_uuid(),
            "clinic_id": patient.clinic_id,
            "patient_id": patient.id,
            "checkin_id": checkin_id,
            "dedupe_key": hit.key,
            "rule": hit.rule,
            "priority": hit.priority,
            "reason": hit.reason[:500],
            "answered_at": answered_at,
            "status": "open",
            "created_at": now,
            "escalation_level": 0,
            "escalate_at": _first_deadline(patient, hit.priority, now),
        }
        insert = dialect_insert(Alert).values(**values)
        result = db.session.execute(insert.on_conflict_do_nothing().returning(Alert.id))
        alert_id = result.scalar()
        if alert_id is None:
            continue
        db.session.add(
            AlertEvent(
                alert_id=alert_id,
                kind="created",
                at=now,
                detail={"rule": hit.rule, "priority": hit.priority},
            )
        )
        created.append(db.session.get(Alert, alert_id))
    db.session.flush()
    return created


def _first_deadline(patient: Patient, priority: str, now: datetime) -> datetime | None:
    from .notify import escalation_deadline  # notify imports this module

    deadline = escalation_deadline(patient.clinic, priority)
    return now + deadline if deadline else None


class AlertStateError(Exception):
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
