"""The panel's arguments and pages."""

from marshmallow import Schema, fields, validate

from ..trend.schemas import TREND_STATUSES
from .operations import SORTS


class PanelArgsSchema(Schema):
    sort = fields.String(load_default="risk", validate=validate.OneOf(SORTS))
    status = fields.String(validate=validate.OneOf(TREND_STATUSES))
    overdue = fields.Boolean()
    has_open_alerts = fields.Boolean()
    booster_due_within_days = fields.Integer(
        validate=validate.Range(0, 56),
        metadata={"description": "Only patients whose booster forecast is due by then."},
    )
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
    phase = fields.String(
        allow_none=True,
        metadata={"description": "induction | continuation | maintenance; null: no plan."},
    )
    next_session_due_on = fields.Date(
        allow_none=True, metadata={"description": "From the course's plan (clinic's date)."}
    )
    next_session_overdue_days = fields.Integer(allow_none=True)


class PanelFollowUpSchema(Schema):
    """The latest contact logged on one of the patient's cases, and the next one planned."""

    last_contact_at = fields.DateTime(allow_none=True)
    last_contact_result = fields.String(
        allow_none=True, metadata={"description": "reached | tried | left_message."}
    )
    last_contact_method = fields.String(allow_none=True)
    next_contact_on = fields.Date(
        allow_none=True,
        metadata={"description": "The next contact planned when a case was last resolved."},
    )
    next_contact_overdue = fields.Boolean(
        metadata={
            "description": "The planned day has passed and the patient has not been reached since."
        }
    )


class PanelBoosterSchema(Schema):
    due_at = fields.DateTime(allow_none=True)
    due_low_at = fields.DateTime(allow_none=True)
    due_high_at = fields.DateTime(allow_none=True)
    words = fields.String(
        metadata={"description": "Booster likely due in about N days (range): decision support."}
    )


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
        allow_none=True,
        metadata={
            "description": "Since when the oldest open alert has waited: the time its answer "
            "was given (as the inbox counts it), or when it was raised if no answer raised it."
        },
    )
    risk = fields.Nested(PanelRiskSchema)
    risk_flags = fields.List(fields.Nested(RiskFlagSchema))
    treatment = fields.Nested(
        PanelTreatmentSchema,
        allow_none=True,
        metadata={"description": "None before any session is recorded."},
    )
    booster = fields.Nested(
        PanelBoosterSchema,
        allow_none=True,
        metadata={"description": "The booster forecast (docs/clinical.md); None without one."},
    )
    follow_up = fields.Nested(
        PanelFollowUpSchema,
        allow_none=True,
        metadata={"description": "None before any contact is logged or follow-up planned."},
    )


class PanelPageSchema(Schema):
    items = fields.List(fields.Nested(PanelRowSchema))
    next_cursor = fields.String(allow_none=True)
