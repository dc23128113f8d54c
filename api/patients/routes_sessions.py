"""Treatment sessions of a patient, and the trend chart's data."""

from flask.views import MethodView
from flask_smorest import abort

import surveys

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from ..extensions import db
from ..models import Patient, TreatmentSession
from .blueprint import blp
from .schemas import (
    TreatmentSessionInSchema,
    TreatmentSessionListSchema,
    TreatmentSessionOutSchema,
    TreatmentSessionPatchSchema,
    TrendArgsSchema,
    TrendOutSchema,
)
from .sessions import create_session, delete_session, update_session
from .trend import active_sessions, course_trends, load_points, patient_trend


def _session_or_404(patient: Patient, session_id) -> TreatmentSession:
    row = db.session.scalar(
        db.select(TreatmentSession).where(
            TreatmentSession.id == session_id,
            TreatmentSession.patient_id == patient.id,
            TreatmentSession.deleted_at.is_(None),
        )
    )
    if row is None:
        record(
            "session.read", object_type="treatment_session", object_id=session_id, outcome="denied"
        )
        abort(404, message="No such session.")
    return row


@blp.route("/<uuid:patient_id>/sessions")
class PatientSessions(MethodView):
    @policy("staff")
    @blp.response(200, TreatmentSessionListSchema)
    def get(self, patient_id):
        """The patient's sessions (oldest first) and courses with their PHQ-9 trends."""
        patient = clinic_patient_or_404(patient_id)
        sessions = active_sessions(patient)
        definition = surveys.get_definition("phq9")
        courses = course_trends(definition, load_points(patient, definition), sessions)
        record("session.list", object_type="patient", object_id=patient.id, count=len(sessions))
        return {"items": sessions, "courses": courses}

    @policy("staff")
    @blp.arguments(TreatmentSessionInSchema)
    @blp.response(201, TreatmentSessionOutSchema)
    def post(self, body, patient_id):
        """Record a session: time, route, dose, blood pressure, dissociation, notes, course."""
        patient = clinic_patient_or_404(patient_id)
        return create_session(patient, body, require_principal().staff)


@blp.route("/<uuid:patient_id>/sessions/<uuid:session_id>")
class PatientSession(MethodView):
    @policy("staff")
    @blp.response(200, TreatmentSessionOutSchema)
    def get(self, patient_id, session_id):
        """One session."""
        patient = clinic_patient_or_404(patient_id)
        row = _session_or_404(patient, session_id)
        record("session.read", object_type="treatment_session", object_id=row.id)
        return row

    @policy("staff")
    @blp.arguments(TreatmentSessionPatchSchema)
    @blp.response(200, TreatmentSessionOutSchema)
    def patch(self, body, patient_id, session_id):
        """Correct a session; the result must still be plausible. Audited with field names."""
        patient = clinic_patient_or_404(patient_id)
        return update_session(patient, _session_or_404(patient, session_id), body)

    @policy("staff")
    @blp.response(204)
    def delete(self, patient_id, session_id):
        """Remove a session from views and trends; the row stays for the audit trail."""
        patient = clinic_patient_or_404(patient_id)
        delete_session(_session_or_404(patient, session_id), require_principal().staff)


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
        return body
