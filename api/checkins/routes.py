"""Patients submit check-ins."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import current_patient, policy, require_principal
from ..errors import DomainError
from ..http_errors import status_of
from .operations import checkin_body, submit_checkin
from .partials import partial_body, submit_partial
from .schemas import CheckinInSchema, CheckinOutSchema, PartialInSchema, PartialOutSchema

blp = Blueprint("checkins", __name__, url_prefix="/api/v1/checkins", description="Check-ins.")


@blp.route("")
class Checkins(MethodView):
    @policy("patient")
    @blp.arguments(CheckinInSchema)
    @blp.response(201, CheckinOutSchema)
    @blp.alt_response(200, schema=CheckinOutSchema, description="A replay of a stored check-in.")
    @blp.alt_response(409, description="The id was already used for other answers.")
    @blp.alt_response(422, description="Answers missing or out of range, or a bad time.")
    @blp.alt_response(
        429, description="Too many check-ins without a safety answer; Retry-After says when."
    )
    def post(self, body):
        """Submit a completed questionnaire (idempotent on the client's id)."""
        patient = current_patient()
        device = f"session:{require_principal().auth_session.id}"
        submission = _audited("checkin.create", body, submit_checkin, patient, body, device)
        checkin = submission.checkin
        record(
            "checkin.create" if submission.created else "checkin.replay",
            object_type="checkin",
            object_id=checkin.id,
        )
        return checkin_body(checkin, patient), 201 if submission.created else 200


@blp.route("/partial")
class CheckinPartials(MethodView):
    @policy("patient")
    @blp.arguments(PartialInSchema)
    @blp.response(201, PartialOutSchema)
    @blp.alt_response(200, schema=PartialOutSchema, description="A replay of a stored signal.")
    @blp.alt_response(409, description="The id was already used for other answers.")
    @blp.alt_response(
        422,
        description="Unknown instrument or question, an answer out of range, or answers that "
        "trigger no safety rule (reason `no_safety_rule`). Nothing is stored.",
    )
    def post(self, body):
        """Send a check-in still under way because an answer triggers a safety rule.

        A safety rule: PHQ-9 item 9, the ASQ's acuity question, or an urgent red flag of the
        definition (the post-session check's warning signs of a blood-pressure crisis).

        Raises the urgent or imminent alert and its first notifications at once. Idempotent
        on the check-in's client-made id; the finished check-in, posted later with the same
        id, joins the same alert. Unfinished, it is shown to the clinic with its answers.
        """
        patient = current_patient()
        submission = _audited("checkin.partial", body, submit_partial, patient, body)
        record(
            "checkin.partial" if submission.created else "checkin.partial_replay",
            object_type="checkin",
            object_id=submission.partial.id,
        )
        return partial_body(submission.partial, patient), 201 if submission.created else 200


def _audited(action: str, body: dict, submit, *args):
    """``submit(*args)``, with a failure audit row (and the refusal re-raised) if it refuses."""
    try:
        return submit(*args)
    except DomainError as refused:
        record(
            action,
            object_type="checkin",
            object_id=body["id"],
            outcome="failure",
            status=status_of(refused),
        )
        raise
