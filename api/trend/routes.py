"""A patient's trend chart of one instrument."""

from flask.views import MethodView
from flask_smorest import Blueprint

import surveys

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy
from ..jsonbody import json_response
from .operations import patient_trend
from .schemas import TrendArgsSchema, TrendOutSchema

blp = Blueprint(
    "trend",
    __name__,
    url_prefix="/api/v1/patients",
    description="Trend charts of the clinic's patients.",
)


@blp.route("/<uuid:patient_id>/trend")
class PatientTrend(MethodView):
    @policy("staff")
    @blp.arguments(TrendArgsSchema, location="query")
    @blp.response(200, TrendOutSchema)
    def get(self, args, patient_id):
        """Points, bands, sessions, courses, baseline, nadir, change, response, remission."""
        patient = clinic_patient_or_404(patient_id)
        body = patient_trend(patient, surveys.get_definition(args["instrument"]))
        record(
            "trend.read", object_type="patient", object_id=patient.id, instrument=args["instrument"]
        )
        return json_response(body)
