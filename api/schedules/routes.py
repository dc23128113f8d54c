"""The patient's own schedule, read and moved from the app."""

from flask.views import MethodView
from flask_smorest import Blueprint

from ..audit import record
from ..auth.policy import current_patient, policy
from ..me.operations import open_dues
from ..models.base import utcnow
from .operations import effective_schedule, replan_patient
from .schemas import MyScheduleInSchema, MyScheduleSchema

blp = Blueprint(
    "schedules", __name__, url_prefix="/api/v1/me", description="The patient's own schedule."
)


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
        "next_due": open_dues(patient, limit=10),
    }
