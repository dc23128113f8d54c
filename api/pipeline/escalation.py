"""Escalation when nobody acknowledges an alert (who hears of it: ``notify``)."""

import logging
from datetime import datetime

from ..extensions import db
from ..models import Alert, AlertEvent, Clinic
from .notify import escalation_deadline, fan_out

log = logging.getLogger("waypoint.pipeline")

#: Alerts one escalation task handles (escalation fans out in batches of this size).
ESCALATION_BATCH = 200


def escalate_due(now: datetime, alert_ids) -> list[tuple[Alert, list[int]]]:
    """Escalate those of ``alert_ids`` still open past their deadline by one level.

    Returns each escalated alert with its new deliveries. Rows are locked with SKIP LOCKED
    and re-checked, so two runs at once (or a clinician acknowledging at that moment) never
    escalate one alert twice for one deadline.
    """
    alerts = db.session.scalars(
        db.select(Alert)
        .where(
            Alert.id.in_(alert_ids),
            Alert.status == "open",
            Alert.escalate_at.is_not(None),
            Alert.escalate_at <= now,
        )
        .with_for_update(skip_locked=True)
    ).all()
    results = []
    for alert in alerts:
        clinic = db.session.get(Clinic, alert.clinic_id)
        level = alert.escalation_level + 1
        audience, created = fan_out(alert, level, now)
        deadline = escalation_deadline(clinic, alert.priority)
        alert.escalation_level = level
        alert.escalate_at = now + deadline if deadline else None
        db.session.add(
            AlertEvent(
                alert_id=alert.id,
                kind="escalated",
                at=now,
                detail={"level": level, "to": audience, "deliveries": len(created)},
            )
        )
        log.warning("alert %s escalated to level %s (%s)", alert.id, level, audience)
        results.append((alert, created))
    db.session.flush()
    return results
