"""Clinic admins: the audit log, ending sessions, and a patient's data rights."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import clinic_patient_or_404, clinic_staff_or_404, policy, require_principal
from ..auth.principal import revoke_sessions
from .operations import (
    audit_csv,
    audit_page,
    erase_patient,
    patient_export,
)
from .schemas import (
    AuditArgsSchema,
    AuditPageArgsSchema,
    AuditPageSchema,
    ErasedSchema,
    EraseInSchema,
    PatientExportSchema,
    RevokedSchema,
)

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Clinic administration.")


def _filters(args: dict) -> dict:
    """The filters as given, for the audit row (ids and codes only)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in args.items() if v}


@blp.route("/audit")
class AuditLog(MethodView):
    @policy("admin")
    @blp.arguments(AuditPageArgsSchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args):
        """The clinic's audit log, newest first, a page at a time."""
        clinic_id = require_principal().clinic_id
        page = audit_page(clinic_id, args)
        record("audit.read", count=len(page["items"]), filters=_filters(args))
        return page


@blp.route("/audit.csv")
class AuditExport(MethodView):
    @policy("admin")
    @blp.arguments(AuditArgsSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/csv", description="With a header.")
    def get(self, args):
        """The clinic's audit log (filtered) as CSV, for archiving and review."""
        clinic_id = require_principal().clinic_id
        text, count = audit_csv(clinic_id, args)
        record("audit.export", format="csv", count=count, filters=_filters(args))
        return Response(
            text,
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="waypoint-audit.csv"'},
        )


@blp.route("/staff/<int:staff_id>/revoke-sessions")
class StaffSessions(MethodView):
    @policy("admin")
    @blp.response(200, RevokedSchema)
    @blp.alt_response(404, description="No such staff member in this clinic.")
    def post(self, staff_id):
        """Sign a staff member out everywhere (a lost laptop, someone leaving)."""
        staff = clinic_staff_or_404(staff_id)
        revoked = revoke_sessions(staff_id=staff.id, reason="revoked_by_admin")
        record("session.revoke", object_type="staff", object_id=staff.id, revoked=revoked)
        return {"revoked": revoked}


@blp.route("/patients/<uuid:patient_id>/revoke-sessions")
class PatientSessions(MethodView):
    @policy("admin")
    @blp.response(200, RevokedSchema)
    @blp.alt_response(404, description="No such patient in this clinic.")
    def post(self, patient_id):
        """Sign a patient's devices out (a lost phone); a fresh invite signs them in again."""
        patient = clinic_patient_or_404(patient_id)
        revoked = revoke_sessions(patient_id=patient.id, reason="revoked_by_admin")
        record("session.revoke", object_type="patient", object_id=patient.id, revoked=revoked)
        return {"revoked": revoked}


@blp.route("/patients/<uuid:patient_id>/export")
class PatientExport(MethodView):
    @policy("admin")
    @blp.response(200, PatientExportSchema)
    @blp.alt_response(404, description="No such patient in this clinic.")
    def get(self, patient_id):
        """Everything held about a patient (their right of access), FHIR Bundle included."""
        patient = clinic_patient_or_404(patient_id)
        body = patient_export(patient)
        record("patient.export", object_type="patient", object_id=patient.id, format="full")
        return body


@blp.route("/patients/<uuid:patient_id>/erase")
class PatientErasure(MethodView):
    @policy("admin")
    @blp.arguments(EraseInSchema)
    @blp.response(200, ErasedSchema)
    @blp.alt_response(404, description="No such patient in this clinic.")
    @blp.alt_response(422, description="confirm_ref is not the patient's ref.")
    def post(self, body, patient_id):
        """Erase a patient and all their data; only audit events (ids only) remain."""
        patient = clinic_patient_or_404(patient_id)
        if body["confirm_ref"] != patient.ref:
            abort(
                422,
                message="Type the patient's reference to confirm.",
                errors={"confirm_ref": ["Not this patient's reference."]},
            )
        patient_id = patient.id
        counts = erase_patient(patient)
        record("patient.erase", object_type="patient", object_id=patient_id, **counts)
        return counts
