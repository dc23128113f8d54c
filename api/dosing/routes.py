"""At-home dosing: the clinician's plan and dose log, the patient's plan, checks and doses."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import clinic_patient_or_404, current_patient, policy, require_principal
from ..boundary import after_commit
from ..extensions import db
from ..models import HomeDose
from ..models.base import utcnow
from ..pipeline.settings import clinic_rule_settings
from ..pipeline.submit import alerts_raised
from .operations import (
    gate_doses,
    link_post_check,
    plan_of,
    record_dose,
    record_unsafe,
    set_plan,
    stop_plan,
)
from .schemas import (
    DoseInSchema,
    DoseListSchema,
    DoseOutSchema,
    DosePlanInSchema,
    DosePlanOutSchema,
    PostCheckInSchema,
    UnsafeInSchema,
)

blp = Blueprint("dosing", __name__, url_prefix="/api/v1", description="At-home dosing.")


def _plan_body(patient, row) -> dict:
    defaults = {"defaults": clinic_rule_settings(patient.clinic).home_plan_defaults()}
    if row is None:  # no plan (or stopped): the phone's gate refuses every dose
        return {"plan": None, "version": 0, "active": False, "doses_taken": [], **defaults}
    return {
        **defaults,
        "plan": row.plan,
        "version": row.version,
        "prescription_started_at": row.prescription_started_at,
        "active": row.active,
        "updated_at": row.updated_at,
        "doses_taken": gate_doses(patient, row),
    }


def _own_dose_or_404(dose_id, action: str):
    """The signed-in patient, when ``dose_id`` is one of their doses; another's or none is a
    404 whose refusal is audited under ``action``."""
    patient = current_patient()
    owned = db.session.scalar(
        db.select(HomeDose.id).where(HomeDose.id == dose_id, HomeDose.patient_id == patient.id)
    )
    if owned is None:
        record(action, object_type="home_dose", object_id=dose_id, outcome="denied")
        abort(404, message="No such dose.")
    return patient


@blp.route("/patients/<uuid:patient_id>/home-dosing")
class PatientDosingPlan(MethodView):
    @policy("staff")
    @blp.response(200, DosePlanOutSchema)
    def get(self, patient_id):
        """The patient's home-dosing plan and the doses taken on its prescription (``active``
        false and no plan: none; the patient page reads it for every patient)."""
        patient = clinic_patient_or_404(patient_id)
        record("dosing.plan_read", object_type="patient", object_id=patient.id)
        return _plan_body(patient, plan_of(patient))

    @policy("staff")
    @blp.arguments(DosePlanInSchema)
    @blp.response(200, DosePlanOutSchema)
    def put(self, body, patient_id):
        """Set or change the plan (the phone gets it with its next sync). Audited."""
        patient = clinic_patient_or_404(patient_id)
        row = set_plan(patient, body, require_principal().staff)
        record(
            "dosing.plan_set",
            object_type="patient",
            object_id=patient.id,
            version=row.version,
            new_prescription=bool(body.get("new_prescription")),
        )
        return _plan_body(patient, row)

    @policy("staff")
    @blp.response(200, DosePlanOutSchema)
    def delete(self, patient_id):
        """Stop home dosing: the phone's gate refuses every dose after its next sync."""
        patient = clinic_patient_or_404(patient_id)
        row = stop_plan(patient, require_principal().staff)
        record("dosing.plan_stopped", object_type="patient", object_id=patient.id)
        return _plan_body(patient, row)


@blp.route("/patients/<uuid:patient_id>/home-doses")
class PatientDoses(MethodView):
    @policy("staff")
    @blp.response(200, DoseListSchema)
    def get(self, patient_id):
        """The patient's pre-dose checks and doses, newest first, with their vitals."""
        patient = clinic_patient_or_404(patient_id)
        rows = db.session.scalars(
            db.select(HomeDose)
            .where(HomeDose.patient_id == patient.id)
            .order_by(HomeDose.checked_at.desc())
            .limit(500)
        ).all()
        record("dosing.log_read", object_type="patient", object_id=patient.id, count=len(rows))
        return {"items": rows}


@blp.route("/me/home-dosing")
class MyDosingPlan(MethodView):
    @policy("patient")
    @blp.response(200, DosePlanOutSchema)
    def get(self):
        """Own home-dosing plan, for the phone's offline gate (``active`` false: none)."""
        patient = current_patient()
        record("dosing.plan_read", object_type="patient", object_id=patient.id, view="me")
        return _plan_body(patient, plan_of(patient))


@blp.route("/me/home-doses")
class MyDoses(MethodView):
    @policy("patient")
    @blp.arguments(DoseInSchema)
    @blp.response(201, DoseOutSchema)
    @blp.alt_response(200, schema=DoseOutSchema, description="A replay of a stored check.")
    @blp.alt_response(409, description="No plan, or the id was used for another check.")
    def post(self, body):
        """A pre-dose check, and the dose if it was taken (idempotent on the phone's id)."""
        patient = current_patient()
        row, created, alerts = record_dose(patient, body)
        if alerts:
            alerts_raised(patient, alerts, utcnow(), after_commit)
        record(
            "dosing.check" if created else "dosing.check_replay",
            object_type="home_dose",
            object_id=row.id,
            gate_ok=row.gate_ok,
            dosed=row.dosed_at is not None,
        )
        return row, 201 if created else 200


@blp.route("/me/home-doses/<uuid:dose_id>/post-check")
class MyPostCheck(MethodView):
    @policy("patient")
    @blp.arguments(PostCheckInSchema)
    @blp.response(200, DoseOutSchema)
    def post(self, body, dose_id):
        """The post-dose check answered: the post-session check-in that answers it."""
        patient = _own_dose_or_404(dose_id, "dosing.post_check")
        row = link_post_check(patient, dose_id, body["checkin_id"])
        record("dosing.post_check", object_type="home_dose", object_id=row.id)
        return row


@blp.route("/me/home-doses/<uuid:dose_id>/unsafe")
class MyUnsafeAnswer(MethodView):
    @policy("patient")
    @blp.arguments(UnsafeInSchema)
    @blp.response(200, DoseOutSchema)
    def post(self, body, dose_id):
        """ "Are you safe right now?" answered no after a dose: the care team is told (urgent)."""
        patient = _own_dose_or_404(dose_id, "dosing.unsafe")
        row, alerts = record_unsafe(patient, dose_id, body["answered_at"])
        if alerts:
            alerts_raised(patient, alerts, utcnow(), after_commit)
        record("dosing.unsafe", object_type="home_dose", object_id=row.id, new=bool(alerts))
        return row
