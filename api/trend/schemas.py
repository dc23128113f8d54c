"""The trend chart's body: points, bands, sessions, courses, figures."""

from marshmallow import Schema, fields, validate

import surveys

from ..schemas import SCHEDULE_INSTRUMENTS
from ..sessions.schemas import SessionMarkSchema, TreatmentCourseOutSchema

TREND_STATUSES = surveys.STATUSES


#: What the chart draws: the scheduled validated instruments and the daily mood rating (its
#: points only mean something; it has no bands, baseline rules or status of its own).
TREND_INSTRUMENTS = (*SCHEDULE_INSTRUMENTS, "mood")


class TrendArgsSchema(Schema):
    instrument = fields.String(load_default="phq9", validate=validate.OneOf(TREND_INSTRUMENTS))


class TrendBandSchema(Schema):
    code = fields.String()
    label = fields.String()
    min = fields.Integer()
    max = fields.Integer()


class TrendPointSchema(Schema):
    checkin_id = fields.String()
    at = fields.DateTime()
    total = fields.Integer()
    severity = fields.String(allow_none=True)
    severity_label = fields.String(allow_none=True)
    safety_endorsed = fields.Boolean()


class TrendOutSchema(Schema):
    instrument = fields.String()
    title = fields.String()
    score_min = fields.Integer(allow_none=True)
    score_max = fields.Integer(allow_none=True)
    bands = fields.List(fields.Nested(TrendBandSchema))
    points = fields.List(fields.Nested(TrendPointSchema))
    sessions = fields.List(fields.Nested(SessionMarkSchema))
    courses = fields.List(fields.Nested(TreatmentCourseOutSchema))
    trend = fields.Dict(metadata={"description": "surveys.Trend of the current course."})
    response_line = fields.Float(
        allow_none=True, metadata={"description": "None when the baseline is not measurable."}
    )
    remission_below = fields.Integer(
        allow_none=True, metadata={"description": "None when the baseline is not measurable."}
    )
    measurable_above = fields.Integer(
        allow_none=True,
        metadata={"description": "Response and remission count from a baseline above this."},
    )
