"""A patient's intake before a course: read it, answer the screen, record trials, override.

Every read and write is audited against the patient (so the patient's access log shows it);
details name items and fields, never the notes or the reason, which may hold PHI.
"""

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from ..models import IntakeTrial, Patient
from .operations import (
    add_trial,
    delete_trial,
    intake_view,
    override_item,
    record_answers,
    trial_or_none,
    update_trial,
)
from .schemas import (
    IntakeSchema,
    OverrideInSchema,
    ScreenInSchema,
    TrialInSchema,
    TrialPatchSchema,
)

blp = Blueprint(
    "intake",
    __name__,
    url_prefix="/api/v1/patients",
    description="The intake before a course: trials, the screen, overrides.",
)


def _audit(action: str, patient: Patient, **detail) -> None:
    record(action, object_type="patient", object_id=patient.id, **detail)


def _trial_or_404(patient: Patient, trial_id: int) -> IntakeTrial:
    row = trial_or_none(patient, trial_id)
    if row is None:
        _audit("intake.trial.read", patient, outcome="denied", trial_id=trial_id)
        abort(404, message="No such trial.")
    return row


@blp.route("/<uuid:patient_id>/intake")
class Intake(MethodView):
    @policy("staff")
    @blp.response(200, IntakeSchema)
    def get(self, patient_id):
        """The intake: trials with the treatment-resistance count, the signed screen, and the
        contraindications that block a new course."""
        patient = clinic_patient_or_404(patient_id)
        view = intake_view(patient)
        _audit("intake.read", patient, trials=len(view["trials"]))
        return view


@blp.route("/<uuid:patient_id>/intake/screen")
class IntakeScreen(MethodView):
    @policy("staff")
    @blp.arguments(ScreenInSchema)
    @blp.response(200, IntakeSchema)
    def patch(self, body, patient_id):
        """Answer screen items (yes, no or unknown), each signed by the caller now; an answer
        sent unchanged keeps its sign-off, a changed one ends any override made against it."""
        patient = clinic_patient_or_404(patient_id)
        changed = record_answers(patient, body["answers"], require_principal().staff)
        _audit("intake.screen", patient, items=changed)
        return intake_view(patient)


@blp.route("/<uuid:patient_id>/intake/trials")
class IntakeTrials(MethodView):
    @policy("staff")
    @blp.arguments(TrialInSchema)
    @blp.response(201, IntakeSchema)
    def post(self, body, patient_id):
        """Record an antidepressant trial of the depression history."""
        patient = clinic_patient_or_404(patient_id)
        row = add_trial(patient, body, require_principal().staff)
        _audit("intake.trial.create", patient, trial_id=row.id)
        return intake_view(patient)


@blp.route("/<uuid:patient_id>/intake/trials/<int:trial_id>")
class IntakeTrialDetail(MethodView):
    @policy("staff")
    @blp.arguments(TrialPatchSchema)
    @blp.response(200, IntakeSchema)
    def patch(self, body, patient_id, trial_id):
        """Correct a trial; audited with the names of the fields changed."""
        patient = clinic_patient_or_404(patient_id)
        row = _trial_or_404(patient, trial_id)
        changed = update_trial(patient, row, body)
        _audit("intake.trial.update", patient, trial_id=row.id, fields=changed)
        return intake_view(patient)

    @policy("staff")
    @blp.response(200, IntakeSchema)
    def delete(self, patient_id, trial_id):
        """Remove a trial from the history and the count; the row stays for the audit trail."""
        patient = clinic_patient_or_404(patient_id)
        row = _trial_or_404(patient, trial_id)
        delete_trial(patient, row, require_principal().staff)
        _audit("intake.trial.delete", patient, trial_id=row.id)
        return intake_view(patient)


@blp.route("/<uuid:patient_id>/intake/overrides")
class IntakeOverrides(MethodView):
    @policy("staff")
    @blp.arguments(OverrideInSchema)
    @blp.response(201, IntakeSchema)
    @blp.alt_response(409, description="Not answered yet, answered no, or overridden already.")
    def post(self, body, patient_id):
        """Record a reasoned override of an open contraindication: a new course may then
        start. It stands for the answer as it is now; a changed answer needs a new one."""
        patient = clinic_patient_or_404(patient_id)
        row = override_item(
            patient, body["item"], body["reason"].strip(), require_principal().staff
        )
        _audit("intake.override", patient, item=row.item, answer=row.answer, override_id=row.id)
        return intake_view(patient)
