"""The clinic's alert inbox: list, detail with timeline and deliveries, acknowledge, resolve."""

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from surveys.rules import SAFETY_RULES

from ..audit import record
from ..auth.policy import policy, require_principal
from ..checkins.followups import alert_asq_results
from ..extensions import db
from ..models import Alert, AlertEvent, Delivery, Patient, StaffUser
from .inbox import inbox_page
from .operations import acknowledge_alert, lock_alert, resolve_alert
from .schemas import (
    OFFLINE_AFTER_MINUTES,
    AlertActionSchema,
    AlertDetailSchema,
    AlertListSchema,
    AlertQuerySchema,
)

blp = Blueprint("alerts", __name__, url_prefix="/api/v1/alerts", description="Alerts.")


@blp.route("")
class Alerts(MethodView):
    @policy("staff")
    # webargs ignores unknown query parameters by default; a misspelt filter must be an error.
    @blp.arguments(AlertQuerySchema, location="query", unknown=RAISE)
    @blp.response(200, AlertListSchema)
    @blp.alt_response(400, description="The cursor was not issued for this inbox.")
    def get(self, query):
        """The clinic's alerts, most pressing priority first, then longest waiting, a page at
        a time (``next_cursor``), with the total and the open alerts by priority."""
        principal = require_principal()
        page = inbox_page(principal.clinic_id, query)
        rows = page.pop("rows")
        filters = {k: str(v) for k, v in query.items() if v and k not in ("cursor", "limit")}
        record("alert.list", count=len(rows), paged=bool(query.get("cursor")), **filters)
        return {"items": _bodies(rows), **page}


@blp.route("/<uuid:alert_id>")
class AlertDetail(MethodView):
    @policy("staff")
    @blp.response(200, AlertDetailSchema)
    def get(self, alert_id):
        """One alert with its timeline and every notification delivery."""
        alert = _alert_or_404(alert_id)
        record("alert.read", object_type="alert", object_id=alert.id)
        return _detail(alert)


@blp.route("/<uuid:alert_id>/acknowledge")
class AlertAcknowledge(MethodView):
    @policy("staff")
    @blp.arguments(AlertActionSchema)
    @blp.response(200, AlertDetailSchema)
    @blp.alt_response(409, description="The alert is no longer open.")
    def post(self, body, alert_id):
        """Acknowledge an open alert (stops its escalation), with an optional note."""
        principal = require_principal()
        alert = _alert_or_404(alert_id, lock=True)
        acknowledge_alert(alert, principal.staff, body["note"])
        record("alert.acknowledge", object_type="alert", object_id=alert.id)
        return _detail(alert)


@blp.route("/<uuid:alert_id>/resolve")
class AlertResolve(MethodView):
    @policy("staff")
    @blp.arguments(AlertActionSchema)
    @blp.response(200, AlertDetailSchema)
    @blp.alt_response(409, description="The alert is already resolved.")
    def post(self, body, alert_id):
        """Resolve an alert; an open one counts as acknowledged too."""
        principal = require_principal()
        alert = _alert_or_404(alert_id, lock=True)
        resolve_alert(alert, principal.staff, body["note"])
        record("alert.resolve", object_type="alert", object_id=alert.id)
        return _detail(alert)


def sat_offline(alert: Alert) -> bool:
    """True if the alert's answer reached the server long after it was given."""
    if alert.answered_at is None or alert.received_at is None:
        return False
    return alert.received_at - alert.answered_at > timedelta(minutes=OFFLINE_AFTER_MINUTES)


def _alert_or_404(alert_id, lock: bool = False) -> Alert:
    principal = require_principal()
    if lock:
        alert = lock_alert(alert_id, principal.clinic_id)
    else:
        alert = db.session.scalar(
            db.select(Alert).where(Alert.id == alert_id, Alert.clinic_id == principal.clinic_id)
        )
    if alert is None:
        record("alert.read", object_type="alert", object_id=alert_id, outcome="denied")
        abort(404, message="No such alert.")
    return alert


def _staff_refs(ids) -> dict[int, dict]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(db.select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
    return {row.id: {"id": row.id, "name": row.name} for row in rows}


def _bodies(rows) -> list[dict]:
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
    staff = _staff_refs(alert.acknowledged_by for alert, _ in rows)
    asq = alert_asq_results(alert.checkin_id for alert, _ in rows)
    return [_body(alert, patient, counts.get(alert.id, {}), staff, asq) for alert, patient in rows]


def _body(alert: Alert, patient: Patient, counts: dict, staff: dict, asq: dict) -> dict:
    return {
        "id": alert.id,
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


def _detail(alert: Alert) -> dict:
    patient = db.session.get(Patient, alert.patient_id)
    deliveries = db.session.scalars(
        db.select(Delivery).where(Delivery.alert_id == alert.id).order_by(Delivery.id)
    ).all()
    events = db.session.scalars(
        db.select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
    ).all()
    staff = _staff_refs([alert.acknowledged_by, *(e.actor_id for e in events)])
    counts: dict = {}
    for delivery in deliveries:
        counts[delivery.status] = counts.get(delivery.status, 0) + 1
    body = _body(alert, patient, counts, staff, alert_asq_results([alert.checkin_id]))
    body["timeline"] = [
        {"at": e.at, "kind": e.kind, "actor": staff.get(e.actor_id), "detail": e.detail or {}}
        for e in events
    ]
    body["delivery_list"] = deliveries
    return body
