"""Clinicians enrol patients and send invites."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.operations import create_invite
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from ..extensions import db
from ..models import StaffUser
from .operations import enrol_patient
from .schemas import EnrolledSchema, InviteSchema, PatientInSchema

blp = Blueprint(
    "patients", __name__, url_prefix="/api/v1/patients", description="The clinic's patients."
)


@blp.route("")
class Patients(MethodView):
    @policy("staff")
    @blp.arguments(PatientInSchema)
    @blp.response(201, EnrolledSchema)
    def post(self, body):
        """Enrol a patient; the answer carries a one-time invite URL for them."""
        principal = require_principal()
        team = []
        if body["care_team"]:
            team = db.session.scalars(
                db.select(StaffUser).where(
                    StaffUser.id.in_(body["care_team"]), StaffUser.clinic_id == principal.clinic_id
                )
            ).all()
            if len(team) != len(set(body["care_team"])):
                abort(
                    422,
                    message="Unknown care team member.",
                    errors={"care_team": ["Not a member of this clinic."]},
                )
        patient = enrol_patient(
            principal.staff.clinic,
            display_name=body["display_name"],
            timezone=body["timezone"],
            email=body["email"],
            care_team=team,
        )
        invite_url = create_invite(patient, principal.staff)
        record("patient.create", object_type="patient", object_id=patient.id)
        return {"patient": patient, "invite_url": invite_url}


@blp.route("/<uuid:patient_id>/invite")
class PatientInvite(MethodView):
    @policy("staff")
    @blp.response(201, InviteSchema)
    def post(self, patient_id):
        """A fresh invite URL; every older one stops working."""
        principal = require_principal()
        patient = clinic_patient_or_404(patient_id)
        invite_url = create_invite(patient, principal.staff)
        record("patient.invite", object_type="patient", object_id=patient.id)
        return {"invite_url": invite_url}
