"""How an alert is shown to the clinic: its body in the inbox and its case, and its detail."""

from datetime import timedelta

from surveys.rules import SAFETY_RULES

from ..checkins.followups import alert_asq_results
from ..extensions import db
from ..models import Alert, AlertEvent, Delivery, Patient, StaffUser
from .schemas import OFFLINE_AFTER_MINUTES


def sat_offline(alert: Alert) -> bool:
    """True if the alert's answer reached the server long after it was given."""
    if alert.answered_at is None or alert.received_at is None:
        return False
    return alert.received_at - alert.answered_at > timedelta(minutes=OFFLINE_AFTER_MINUTES)


def staff_refs(ids) -> dict[int, dict]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(db.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {row.id: {"id": row.id, "name": row.name} for row in rows}


def alert_bodies(rows) -> list[dict]:
    alert_ids = [alert.id for alert, _ in rows]
    counts: dict = {}
    if alert_ids:
        grouped = db.session.execute(
            db.select(Delivery.alert_id, Delivery.status, db.func.count())
            .where(Delivery.alert_id.in_(alert_ids))
            .group_by(Delivery.alert_id, Delivery.status)
        )
        for alert_id, status, n in grouped:
            counts.setdefault(alert_id, {})[status] = n
    staff = staff_refs(alert.acknowledged_by for alert, _ in rows)
    asq = alert_asq_results(alert.checkin_id for alert, _ in rows)
    return [
        alert_body(alert, patient, counts.get(alert.id, {}), staff, asq) for alert, patient in rows
    ]


def alert_body(alert: Alert, patient: Patient, counts: dict, staff: dict, asq: dict) -> dict:
    return {
        "id": alert.id,
        "case_id": alert.case_id,
        "patient": {"id": patient.id, "ref": patient.ref, "display_name": patient.display_name},
        "rule": alert.rule,
        "priority": alert.priority,
        "reason": alert.reason,
        "status": alert.status,
        "created_at": alert.created_at,
        "answered_at": alert.answered_at,
        "received_at": alert.received_at,
        "sat_offline": sat_offline(alert),
        "safety_answers": alert.safety_answers,
        "unfinished": alert.rule in SAFETY_RULES and alert.checkin_id is None,
        "asq_result": asq.get(alert.checkin_id),
        "repeats": alert.repeats,
        "latest_answered_at": alert.latest_answered_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": staff.get(alert.acknowledged_by),
        "ack_note": alert.ack_note,
        "escalation_level": alert.escalation_level,
        "deliveries": {status: counts.get(status, 0) for status in ("sent", "pending", "failed")},
    }


def alert_detail(alert: Alert) -> dict:
    patient = db.session.get(Patient, alert.patient_id)
    deliveries = db.session.scalars(
        db.select(Delivery).where(Delivery.alert_id == alert.id).order_by(Delivery.id)
    ).all()
    events = db.session.scalars(
        db.select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
    ).all()
    staff = staff_refs([alert.acknowledged_by, *(e.actor_id for e in events)])
    counts: dict = {}
    for delivery in deliveries:
        counts[delivery.status] = counts.get(delivery.status, 0) + 1
    body = alert_body(alert, patient, counts, staff, alert_asq_results([alert.checkin_id]))
    body["timeline"] = [
        {"at": e.at, "kind": e.kind, "actor": staff.get(e.actor_id), "detail": e.detail or {}}
        for e in events
    ]
    body["delivery_list"] = deliveries
    return body
