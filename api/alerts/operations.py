"""Raising alerts from rule hits, exactly once per (check-in, rule) or dedupe key."""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import Alert, AlertEvent, Patient
from ..models.base import new_uuid, utcnow

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
            "escalate_at": _first_escalation(patient, hit.priority, now),
        }
        insert = _insert_for_dialect()(Alert).values(**values)
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


def _first_escalation(patient: Patient, priority: str, now: datetime):
    from datetime import timedelta

    clinic = patient.clinic
    if priority == "imminent":
        return now + timedelta(minutes=clinic.escalate_imminent_minutes)
    if priority == "urgent":
        return now + timedelta(minutes=clinic.escalate_urgent_minutes)
    return None


def _insert_for_dialect():
    name = db.session.get_bind().dialect.name
    return postgresql.insert if name == "postgresql" else sqlite.insert
