"""Liveness and readiness."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..auth.policy import policy
from .checks import check_broker, check_database, check_evaluations

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
        """The database and the broker answer; evaluations overdue or not (no counts)."""
        checks = {"database": check_database(), "broker": check_broker()}
        ok = all(check["ok"] for check in checks.values())
        if checks["database"]["ok"]:
            checks["evaluations"] = check_evaluations()
        body = {"status": "ok" if ok else "unavailable", "checks": checks}
        if ok and not checks["evaluations"]["ok"]:
            body["status"] = "degraded"
        return body, (200 if ok else 503)
