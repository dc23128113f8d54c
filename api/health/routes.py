"""Liveness and readiness."""

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.exc import SQLAlchemyError

from ..auth.policy import policy
from ..extensions import db
from ..models import Checkin
from ..models.base import utcnow

blp = Blueprint("health", __name__, description="Liveness and readiness probes.")


class HealthSchema(Schema):
    status = fields.String(required=True)
    checks = fields.Dict(keys=fields.String(), values=fields.Dict())


@blp.route("/healthz")
class Liveness(MethodView):
    @policy("public")
    @blp.response(200, HealthSchema)
    def get(self):
        """The process is up (checks nothing else)."""
        return {"status": "ok", "checks": {}}


@blp.route("/readyz")
class Readiness(MethodView):
    @policy("public")
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="A dependency is unreachable.")
    def get(self):
        """The database and the broker answer; reports evaluations that are overdue."""
        checks = {"database": _check_database(), "broker": _check_broker()}
        ok = all(check["ok"] for check in checks.values())
        if checks["database"]["ok"]:
            checks["evaluations"] = _check_evaluations()
        body = {"status": "ok" if ok else "unavailable", "checks": checks}
        if ok and not checks["evaluations"]["ok"]:
            body["status"] = "degraded"
        return body, (200 if ok else 503)


def _check_database() -> dict:
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _check_broker() -> dict:
    celery_app = current_app.extensions["celery"]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # any transport error means "not reachable"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _check_evaluations() -> dict:
    """Urgent check-ins that no worker has evaluated for two minutes mean workers are down."""
    overdue = db.session.scalar(
        db.select(db.func.count())
        .select_from(Checkin)
        .where(
            Checkin.evaluated_at.is_(None),
            Checkin.safety_endorsed.is_(True),
            Checkin.received_at < utcnow() - timedelta(minutes=2),
        )
    )
    return {"ok": overdue == 0, "overdue_urgent": overdue}
