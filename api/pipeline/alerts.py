"""Raising alerts from rule hits, exactly once per (check-in, rule) or dedupe key."""

from datetime import datetime

from ..extensions import db
from ..models import Alert, AlertEvent, Patient
from ..models.base import dialect_insert, new_uuid, utcnow
from .notify import escalation_deadline


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
        deadline = escalation_deadline(patient.clinic, hit.priority)
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
            "escalate_at": now + deadline if deadline else None,
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
