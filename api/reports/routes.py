"""Clinic reports: outcome rates for the clinic's aggregate review."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import policy, require_principal
from .operations import outcomes_csv

blp = Blueprint(
    "reports", __name__, url_prefix="/api/v1/reports", description="Clinic-level reports."
)


@blp.route("/outcomes.csv")
class Outcomes(MethodView):
    @policy("staff")
    @blp.response(200, content_type="text/csv", description="Aggregate rates; no patient rows.")
    def get(self):
        """Response and remission rates per instrument and route, and check-in completion."""
        principal = require_principal()
        text, rows = outcomes_csv(principal.clinic_id)
        record("report.outcomes", object_type="clinic", object_id=principal.clinic_id, rows=rows)
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="waypoint-outcomes.csv"'},
        )
