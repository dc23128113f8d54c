"""A patient's treatment sessions: record, read, correct, remove."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

import surveys

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from ..extensions import db
from ..models import Patient, TreatmentSession
from ..pipeline.settings import clinic_rule_settings
from ..trend.operations import active_sessions, course_spans, course_trends, load_points
from .operations import (
    clinic_thresholds,
    create_session,
    delete_session,
    planned_courses,
    update_session,
)
from .schemas import (
    TreatmentSessionInSchema,
    TreatmentSessionListSchema,
    TreatmentSessionOutSchema,
    TreatmentSessionPatchSchema,
)

blp = Blueprint(
    "sessions",
    __name__,
    url_prefix="/api/v1/patients",
    description="Treatment sessions of the clinic's patients.",
)


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
        threshold = clinic_rule_settings(patient.clinic).threshold(definition)
        points = load_points(patient, definition)
        courses = course_trends(definition, points, course_spans(sessions), threshold)
        record("session.list", object_type="patient", object_id=patient.id, count=len(sessions))
        return {
            "items": sessions,
            "courses": courses,
            "planned": planned_courses(patient),
            "thresholds": clinic_thresholds(patient),
        }

    @policy("staff")
    @blp.arguments(TreatmentSessionInSchema)
    @blp.response(201, TreatmentSessionOutSchema)
    def post(self, body, patient_id):
        """Record a monitored session: drug, route, dose, timed readings, sedation,
        dissociation, breathing, monitoring times, concomitant medication, adverse events.
        A reading past the clinic's urgent line alerts the on-site team; an esketamine
        session gets its REMS record, due in 7 days."""
        patient = clinic_patient_or_404(patient_id)
        row = create_session(patient, body, require_principal().staff)
        record(
            "session.create",
            object_type="treatment_session",
            object_id=row.id,
            patient_id=str(patient.id),
            course_id=row.course_id,
        )
        return row


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
        row = _session_or_404(patient, session_id)
        changed = update_session(patient, row, body)
        record(
            "session.update",
            object_type="treatment_session",
            object_id=row.id,
            patient_id=str(patient.id),
            fields=changed,
        )
        return row

    @policy("staff")
    @blp.response(204)
    def delete(self, patient_id, session_id):
        """Remove a session from views and trends; the row stays for the audit trail."""
        patient = clinic_patient_or_404(patient_id)
        row = _session_or_404(patient, session_id)
        delete_session(row, require_principal().staff)
        record(
            "session.delete",
            object_type="treatment_session",
            object_id=row.id,
            patient_id=str(patient.id),
        )
