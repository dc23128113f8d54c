"""The clinic's alert inbox: list, detail with timeline and deliveries, acknowledge, resolve."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from ..audit import record
from ..auth.policy import policy, require_principal
from ..cases.schemas import CaseResolveSchema
from ..extensions import db
from ..models import Alert
from .bodies import alert_bodies, alert_detail
from .inbox import inbox_page
from .operations import acknowledge_alert, lock_alert, resolve_alert
from .schemas import (
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
        return {"items": alert_bodies(rows), **page}


@blp.route("/<uuid:alert_id>")
class AlertDetail(MethodView):
    @policy("staff")
    @blp.response(200, AlertDetailSchema)
    def get(self, alert_id):
        """One alert with its timeline and every notification delivery."""
        alert = _alert_or_404(alert_id)
        record("alert.read", object_type="alert", object_id=alert.id)
        return alert_detail(alert)


@blp.route("/<uuid:alert_id>/acknowledge")
class AlertAcknowledge(MethodView):
    @policy("staff")
    @blp.arguments(AlertActionSchema)
    @blp.response(200, AlertDetailSchema)
    @blp.alt_response(409, description="The alert is no longer open.")
    def post(self, body, alert_id):
        """Acknowledge the alert's case: every open alert in it (stops their escalation),
        with an optional note."""
        principal = require_principal()
        alert = _alert_or_404(alert_id, lock=True)
        acknowledge_alert(alert, principal.staff, body["note"])
        record("alert.acknowledge", object_type="alert", object_id=alert.id)
        return alert_detail(alert)


@blp.route("/<uuid:alert_id>/resolve")
class AlertResolve(MethodView):
    @policy("staff")
    @blp.arguments(CaseResolveSchema)
    @blp.response(200, AlertDetailSchema)
    @blp.alt_response(409, description="The alert is already resolved.")
    @blp.alt_response(422, description="An urgent or imminent case needs its outcome.")
    def post(self, body, alert_id):
        """Resolve the alert's case (every alert in it); an open one counts as acknowledged
        too. An urgent or imminent case needs the outcome (see /cases/{id}/resolve)."""
        principal = require_principal()
        alert = _alert_or_404(alert_id, lock=True)
        resolve_alert(alert, principal.staff, body["note"], body["outcome"], body["seen_alerts"])
        record("alert.resolve", object_type="alert", object_id=alert.id)
        return alert_detail(alert)


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
