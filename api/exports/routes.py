"""A patient's record for the chart: CSV and FHIR R4."""

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy
from .operations import (
    answers_csv,
    checkins_csv,
    courses_csv,
    doses_csv,
    fhir_export,
    readings_csv,
    sessions_csv,
)
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
        """Check-ins (every item, total, band); ``part=answers`` one row per answer with its
        LOINC codes; ``part=sessions`` the monitored sessions,
        ``part=readings`` every timed reading, ``part=courses`` each course's baseline (and
        its kind), response, remission and status; ``part=doses`` the pre-dose checks and doses
        at home."""
        patient = clinic_patient_or_404(patient_id)
        builders = {
            "answers": answers_csv,
            "sessions": sessions_csv,
            "readings": readings_csv,
            "courses": courses_csv,
            "doses": doses_csv,
        }
        builder = builders.get(args["part"], checkins_csv)
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
        """A FHIR R4 Bundle shaped for US Core: questionnaires and responses, screening
        assessments (panel, answers, total), sessions (MedicationAdministration) with their
        vital signs and scores."""
        patient = clinic_patient_or_404(patient_id)
        # Sent as gzip, without inflating anything here, to a client that takes it: some
        # 0.9 MB instead of 9 MB for 500 check-ins (api/exports/stored.py).
        gzip = request.accept_encodings.quality("gzip") > 0
        text, counts = fhir_export(patient, gzip)
        record(
            "patient.export", object_type="patient", object_id=patient.id, format="fhir", **counts
        )
        # A name a chart's import dialog recognises, not the URL's last segment ("fhir").
        filename = f"waypoint-{patient.ref}-fhir.json"
        response = Response(
            text,
            mimetype="application/fhir+json",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
        response.vary.add("Accept-Encoding")
        if gzip:
            response.content_encoding = "gzip"
        return response
