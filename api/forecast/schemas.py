"""The stored booster forecast as the clinic views read it (staff only: never the patient)."""

from marshmallow import Schema, fields


class ForecastSchema(Schema):
    reason = fields.String(
        required=True,
        metadata={"description": "forecast, not_computed, or why there is none (docs)."},
    )
    words = fields.String(required=True, metadata={"description": "The basis or the reason."})
    course_id = fields.Integer(allow_none=True)
    due_at = fields.DateTime(
        allow_none=True, metadata={"description": "The day the risk reaches the threshold."}
    )
    due_low_at = fields.DateTime(allow_none=True)
    due_high_at = fields.DateTime(allow_none=True)
    computed_at = fields.DateTime(allow_none=True)
    alarm_risk = fields.Float(allow_none=True)
    median_days = fields.List(
        fields.Float(),
        allow_none=True,
        metadata={"description": "The patient's own median days to loss, and its range."},
    )
    session_at = fields.String(allow_none=True)
    curve = fields.List(
        fields.List(fields.Float()),
        metadata={"description": "[day after the session, risk, low, high], days 0-56."},
    )


class ForecastReportSchema(Schema):
    text = fields.String(metadata={"description": "The report as `waypoint forecast-report`."})
    figures = fields.Dict(metadata={"description": "The same figures as JSON."})
