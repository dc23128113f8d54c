"""The signed-in patient's own profile, history and push subscription."""

from zoneinfo import available_timezones

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

import surveys

from ..audit import record
from ..auth.policy import current_patient, policy
from ..checkins.operations import checkin_body
from ..checkins.schemas import CheckinListSchema, ResourceSchema
from ..extensions import db
from ..models import Checkin, CheckinDue
from ..models.base import utcnow
from ..push.operations import save_push_subscription
from ..push.schemas import PushSubscriptionInSchema
from ..schedules.operations import LOOKBACK, effective_schedule, replan_patient

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="The patient's own data.")

HISTORY_LIMIT = 200


class DueSchema(Schema):
    instrument = fields.String()
    due_at = fields.DateTime()


class ClinicPublicSchema(Schema):
    name = fields.String()
    monitoring_hours = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.UUID()
    display_name = fields.String()
    timezone = fields.String()
    clinic = fields.Nested(ClinicPublicSchema)
    crisis_resources = fields.List(fields.Nested(ResourceSchema))
    next_due = fields.List(fields.Nested(DueSchema))
    instruments = fields.List(fields.String())
    vapid_public_key = fields.String(allow_none=True)


@blp.route("")
class Me(MethodView):
    @policy("patient")
    @blp.response(200, MeSchema)
    def get(self):
        """Own profile, the clinic's crisis resources and the check-ins due next."""
        patient = current_patient()
        record("patient.read", object_type="patient", object_id=patient.id, view="me")
        return {
            "id": patient.id,
            "display_name": patient.display_name,
            "timezone": patient.timezone,
            "clinic": patient.clinic,
            "crisis_resources": patient.clinic.effective_crisis_resources(),
            "next_due": _open_dues(patient, limit=5),
            "instruments": list(surveys.all_definitions()),
            "vapid_public_key": current_app.config["VAPID_PUBLIC_KEY"] or None,
        }


@blp.route("/checkins")
class MyCheckins(MethodView):
    @policy("patient")
    @blp.response(200, CheckinListSchema)
    def get(self):
        """Own check-ins, newest first."""
        patient = current_patient()
        rows = db.session.scalars(
            db.select(Checkin)
            .where(Checkin.patient_id == patient.id)
            .order_by(Checkin.completed_at.desc())
            .limit(HISTORY_LIMIT)
        ).all()
        record("checkin.list", object_type="patient", object_id=patient.id, count=len(rows))
        return {"items": [checkin_body(row, patient) for row in rows]}


@blp.route("/push-subscription")
class MyPushSubscription(MethodView):
    @policy("patient")
    @blp.arguments(PushSubscriptionInSchema)
    @blp.response(201)
    def post(self, body):
        """Register this device for check-in reminders by Web Push."""
        save_push_subscription(current_patient(), body)


class MyScheduleSchema(Schema):
    timezone = fields.String()
    local_time = fields.String(metadata={"description": "HH:MM, the patient's local time."})
    weekday = fields.Integer(
        allow_none=True, metadata={"description": "0 = Monday; for weekly check-ins."}
    )
    cadence_days = fields.Integer(allow_none=True)
    cadence_instruments = fields.List(fields.String())
    session_anchored = fields.Boolean()
    next_due = fields.List(fields.Nested(DueSchema))


class MyScheduleInSchema(Schema):
    """What the patient may change: when reminders come (the care team sets what and how often)."""

    timezone = fields.String(validate=validate.OneOf(sorted(available_timezones())))
    local_time = fields.String(
        validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, e.g. 18:00.")
    )
    weekday = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=6))


@blp.route("/schedule")
class MySchedule(MethodView):
    @policy("patient")
    @blp.response(200, MyScheduleSchema)
    def get(self):
        """When my check-ins are due and when reminders come."""
        patient = current_patient()
        record("patient.read", object_type="patient", object_id=patient.id, view="schedule")
        return _schedule_body(patient)

    @policy("patient")
    @blp.arguments(MyScheduleInSchema)
    @blp.response(200, MyScheduleSchema)
    def patch(self, body):
        """Change the time of day, the weekday or the timezone of my check-ins."""
        patient = current_patient()
        now = utcnow()
        if "timezone" in body:
            patient.timezone = body["timezone"]
        schedule = dict(patient.schedule or {})
        schedule.update({k: v for k, v in body.items() if k != "timezone"})
        # Slots before this moment stay as they were planned; only the future moves.
        schedule["since"] = now.isoformat()
        patient.schedule = schedule
        replan_patient(patient, now)
        record(
            "patient.schedule.update",
            object_type="patient",
            object_id=patient.id,
            fields=sorted(body),
        )
        return _schedule_body(patient)


def _schedule_body(patient) -> dict:
    schedule = effective_schedule(patient)
    return {
        "timezone": patient.timezone,
        "local_time": schedule["local_time"],
        "weekday": schedule["weekday"],
        "cadence_days": schedule["cadence_days"],
        "cadence_instruments": schedule["cadence_instruments"],
        "session_anchored": schedule["session_anchored"],
        "next_due": _open_dues(patient, limit=10),
    }


def _open_dues(patient, limit: int) -> list[CheckinDue]:
    """The patient's next open check-ins; slots missed before LOOKBACK are history, not due."""
    return db.session.scalars(
        db.select(CheckinDue)
        .where(CheckinDue.patient_id == patient.id, CheckinDue.completed_checkin_id.is_(None))
        .where(CheckinDue.due_at >= utcnow() - LOOKBACK)
        .order_by(CheckinDue.due_at)
        .limit(limit)
    ).all()
