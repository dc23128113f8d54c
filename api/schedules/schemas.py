"""The patient's own schedule: when check-ins are due, when reminders come."""

from zoneinfo import available_timezones

from marshmallow import Schema, fields, validate

from ..me.schemas import DueSchema


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
