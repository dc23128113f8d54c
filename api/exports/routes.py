"""A patient's record for the chart: CSV and FHIR R4."""

import json

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy
from .operations import checkins_csv, fhir_bundle, sessions_csv
from .schemas import ExportArgsSchema

blp = Blueprint(
    "exports", __name__, url_prefix="/api/v1/patients", description="Exports of a patient's record."
)


@blp.route("/<uuid:patient_id>/export.csv")
class PatientCsv(MethodView):
    @policy("staff")
    @blp.arguments(ExportArgsSchema, location="query")
    @blp.response(200, content_type="text/csv", description="CSV with a header row.")
    def get(self, args, patient_id):
        """Check-ins (every item, total, band), or with ``part=sessions`` the sessions."""
        patient = clinic_patient_or_404(patient_id)
        builder = sessions_csv if args["part"] == "sessions" else checkins_csv
        text, rows = builder(patient)
        record(
            "patient.export",
            object_type="patient",
            object_id=patient.id,
            format="csv",
            part=args["part"],
            rows=rows,
        )
        filename = f"waypoint-{patient.ref}-{args['part']}.csv"
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


@blp.route("/<uuid:patient_id>/fhir")
class PatientFhir(MethodView):
    @policy("staff")
    @blp.response(200, content_type="application/fhir+json", description="A FHIR R4 Bundle.")
    def get(self, patient_id):
        """A FHIR R4 Bundle: responses, panels and sessions (as MedicationAdministration)."""
        patient = clinic_patient_or_404(patient_id)
        bundle, counts = fhir_bundle(patient)
        record(
            "patient.export", object_type="patient", object_id=patient.id, format="fhir", **counts
        )
        # A name a chart's import dialog recognises, not the URL's last segment ("fhir").
        filename = f"waypoint-{patient.ref}-fhir.json"
        return Response(
            json.dumps(bundle),
            mimetype="application/fhir+json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
