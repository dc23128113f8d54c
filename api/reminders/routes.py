"""Reminder channels: the patient chooses, the clinic sees, a link in each message stops them."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..audit import record
from ..auth.policy import clinic_patient_or_404, current_patient, policy
from ..extensions import db
from ..i18n import in_language
from ..models import PushSubscription, ReminderDelivery
from . import messages
from .operations import (
    ChoiceRefused,
    chosen,
    email_hint,
    offered,
    phone_hint,
    phone_of,
    read_stop_token,
    set_choice,
    stop,
)
from .schemas import MyRemindersInSchema, MyRemindersSchema, PatientRemindersSchema, StoppedSchema

blp = Blueprint(
    "reminders", __name__, url_prefix="/api/v1", description="How reminders reach a patient."
)

#: Reminder deliveries the clinic sees per patient, newest first.
HISTORY = 50


@blp.route("/me/reminders")
class MyReminders(MethodView):
    @policy("patient")
    @blp.response(200, MyRemindersSchema)
    def get(self):
        """The channels my clinic offers and the ones I chose, in order."""
        patient = current_patient()
        record("patient.read", object_type="patient", object_id=patient.id, view="reminders")
        return _mine(patient)

    @policy("patient")
    @blp.arguments(MyRemindersInSchema)
    @blp.response(200, MyRemindersSchema)
    def patch(self, body):
        """Choose how reminders reach me (and the address or number they need)."""
        patient = current_patient()
        try:
            set_choice(patient, body)  # the phone is E.164 already (schemas.Phone)
        except ChoiceRefused as exc:
            abort(422, message=str(exc), errors={"json": {exc.field: [str(exc)]}})
        # Which fields changed, never their values (an address or a number is PHI).
        record(
            "patient.reminders.update",
            object_type="patient",
            object_id=patient.id,
            fields=sorted(body),
            channels=patient.reminder_channels,
        )
        return _mine(patient)


@blp.route("/patients/<uuid:patient_id>/reminders")
class PatientReminders(MethodView):
    @policy("staff")
    @blp.response(200, PatientRemindersSchema)
    def get(self, patient_id):
        """A patient's reminder channels and their latest reminders, each with its state."""
        patient = clinic_patient_or_404(patient_id)
        record("patient.read", object_type="patient", object_id=patient.id, view="reminders")
        deliveries = db.session.scalars(
            db.select(ReminderDelivery)
            .where(ReminderDelivery.patient_id == patient.id)
            .order_by(ReminderDelivery.created_at.desc(), ReminderDelivery.id.desc())
            .limit(HISTORY)
        ).all()
        return {
            "channels": chosen(patient),
            "email_set": bool(patient.email),
            "phone_set": bool(patient.phone_sealed),
            "push_subscribed": _push_subscribed(patient),
            "deliveries": deliveries,
        }


@blp.route("/reminders/stop/<string:token>")
class StopReminders(MethodView):
    # No sign-in: the link in the message is the authority (signed, one delivery's number).
    # No CSRF token either: a mail client's one-click unsubscribe (RFC 8058) posts here too.
    @policy("public", csrf=False)
    @blp.response(200, StoppedSchema)
    def post(self, token):
        """Stop reminders by the channel of the message this link came in, at once."""
        delivery_id = read_stop_token(token)
        channel, patient = stop(delivery_id) if delivery_id is not None else (None, None)
        if channel is None:
            abort(404, message=messages.stop_invalid())
        record(
            "patient.reminders.stop",
            object_type="patient",
            object_id=patient.id,
            channel=channel,
            via="link",
        )
        with in_language(patient.language):  # the patient's words, whoever's browser this is
            message = messages.stopped(channel)
        return {"stopped": True, "channel": channel, "message": message}


def _push_subscribed(patient) -> bool:
    """Whether a reminder by Web Push can reach the patient: a key and a subscribed phone."""
    return bool(
        current_app.config["VAPID_PRIVATE_KEY"]
        and db.session.scalar(
            db.select(PushSubscription.id).where(PushSubscription.patient_id == patient.id)
        )
    )


def _mine(patient) -> dict:
    subscribed = _push_subscribed(patient)
    return {
        "offered": offered(patient.clinic),
        "channels": chosen(patient),
        "email_hint": email_hint(patient.email),
        "phone_hint": phone_hint(phone_of(patient)),
        "push_subscribed": subscribed,
    }
