"""Liveness and readiness."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..auth.policy import policy
from .checks import check_broker, check_consumers, check_database, check_evaluations

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
        """The database and the broker answer (else 503); ``degraded`` while a queue has no
        live consumer or evaluations are overdue (no counts).

        A missing worker degrades, never fails, readiness: this web process still stores
        every check-in (and raises safety alerts in the POST), which a 503 would stop.
        """
        checks = {"database": check_database(), "broker": check_broker()}
        ok = all(check["ok"] for check in checks.values())
        if checks["broker"]["ok"] and (live := check_consumers()) is not None:
            checks["consumers"] = live
        if checks["database"]["ok"]:
            checks["evaluations"] = check_evaluations()
        body = {"status": "ok" if ok else "unavailable", "checks": checks}
        degraded = [name for name in ("consumers", "evaluations") if name in checks]
        if ok and not all(checks[name]["ok"] for name in degraded):
            body["status"] = "degraded"
        return body, (200 if ok else 503)
