"""Course bodies: the plan a clinician sets, and a course with where the patient stands."""

from marshmallow import Schema, fields, validate

from surveys.courses import MAX_GRACE_DAYS, MAX_INTERVAL_DAYS, MAX_SESSIONS, PHASE_NAMES, TEMPLATES


class PhaseInSchema(Schema):
    name = fields.String(required=True, validate=validate.OneOf(PHASE_NAMES))
    sessions = fields.Integer(
        required=True,
        allow_none=True,
        strict=True,
        validate=validate.Range(1, MAX_SESSIONS),
        metadata={"description": "null: open-ended (the last phase only: maintenance)."},
    )
    interval_days = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(1, MAX_INTERVAL_DAYS),
        metadata={"description": "At most this many days between two sessions."},
    )


class PlanInSchema(Schema):
    template = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(list(TEMPLATES))
    )
    phases = fields.List(
        fields.Nested(PhaseInSchema),
        load_default=None,
        validate=validate.Length(min=1, max=len(PHASE_NAMES)),
        metadata={"description": "The template's phases if not given."},
    )
    grace_days = fields.Integer(
        load_default=None, strict=True, validate=validate.Range(0, MAX_GRACE_DAYS)
    )


class PhaseSpanSchema(Schema):
    name = fields.String()
    planned = fields.Integer(allow_none=True)
    done = fields.Integer()
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)


class StandingSchema(Schema):
    phase = fields.String(allow_none=True)
    session_in_phase = fields.Integer()
    next_due_on = fields.Date(allow_none=True)
    planned = fields.List(fields.Date())
    spans = fields.List(fields.Nested(PhaseSpanSchema))
    signals = fields.List(fields.String())
    days_overdue = fields.Integer()


class CourseSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    started_at = fields.DateTime()
    plan = fields.Dict(allow_none=True)
    standing = fields.Nested(StandingSchema, allow_none=True)


class CourseListSchema(Schema):
    items = fields.List(fields.Nested(CourseSchema))
    templates = fields.Dict(metadata={"description": "The plan templates, by name."})
