"""The panel's arguments and pages."""

from marshmallow import Schema, fields, validate

from ..trend.schemas import TREND_STATUSES
from .operations import SORTS


class PanelArgsSchema(Schema):
    sort = fields.String(load_default="risk", validate=validate.OneOf(SORTS))
    status = fields.String(validate=validate.OneOf(TREND_STATUSES))
    overdue = fields.Boolean()
    has_open_alerts = fields.Boolean()
    include_discharged = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(validate=validate.Length(max=1000))


class PanelSearchSchema(PanelArgsSchema):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Part of a name or ref (in the body: names stay out of URLs)."},
    )


class PanelRiskSchema(Schema):
    tier = fields.Integer()
    label = fields.String()


class RiskFlagSchema(Schema):
    """A safety flag (kind "safety") or a worsening against the lowest score ("relapse")."""

    kind = fields.String(metadata={"description": "safety or relapse"})
    label = fields.String(metadata={"description": 'Words of the flag: "Item 9 positive".'})
    at = fields.DateTime(metadata={"description": "When the patient gave the answer."})
    open = fields.Boolean(
        metadata={"description": "safety: an alert not resolved; relapse: not dismissed."}
    )
    rule = fields.String()
    resolved_at = fields.DateTime(allow_none=True)
    until = fields.DateTime(
        allow_none=True, metadata={"description": "A resolved safety flag shows until then."}
    )
    id = fields.Integer()
    instrument = fields.String()
    lowest = fields.Integer()
    lowest_at = fields.DateTime()
    latest = fields.Integer()
    rise = fields.Integer()
    raised_at = fields.DateTime()


class RiskFlagListSchema(Schema):
    items = fields.List(fields.Nested(RiskFlagSchema))


class DismissFlagSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class PanelTreatmentSchema(Schema):
    """The current course (the latest session's) and the latest session of a row."""

    course_id = fields.Integer()
    course_label = fields.String()
    session_number = fields.Integer(
        metadata={"description": "The latest session's number in its course."}
    )
    last_session_at = fields.DateTime()
    days_since_last_session = fields.Integer()
    modality = fields.String()


class PanelRowSchema(Schema):
    id = fields.UUID()
    ref = fields.String()
    display_name = fields.String()
    status = fields.String()
    trend_status = fields.String(allow_none=True)
    instruments = fields.Dict()
    last_checkin_at = fields.DateTime(allow_none=True)
    next_due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    open_alerts = fields.Dict(keys=fields.String(), values=fields.Integer())
    oldest_open_alert_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the oldest open alert was raised."}
    )
    risk = fields.Nested(PanelRiskSchema)
    risk_flags = fields.List(fields.Nested(RiskFlagSchema))
    treatment = fields.Nested(
        PanelTreatmentSchema,
        allow_none=True,
        metadata={"description": "None before any session is recorded."},
    )


class PanelPageSchema(Schema):
    items = fields.List(fields.Nested(PanelRowSchema))
    next_cursor = fields.String(allow_none=True)
