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


class TrendPointList(fields.List):
    """A list of ``TrendPointSchema``, documented as one, dumped without marshmallow's
    per-field dispatch: a chart of 500 check-ins spent about 8 ms there. Gives exactly what
    ``TrendPointSchema(many=True).dump`` gives (tests/clinician/test_sessions_trend.py)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(TrendPointSchema), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return [
            {
                "checkin_id": str(point["checkin_id"]),
                "at": point["at"].isoformat(),
                "total": int(point["total"]),
                "severity": None if point["severity"] is None else str(point["severity"]),
                "severity_label": None
                if point["severity_label"] is None
                else str(point["severity_label"]),
                "safety_endorsed": bool(point["safety_endorsed"]),
            }
            for point in value
        ]


class TrendOutSchema(Schema):
    instrument = fields.String()
    title = fields.String()
    score_min = fields.Integer(allow_none=True)
    score_max = fields.Integer(allow_none=True)
    bands = fields.List(fields.Nested(TrendBandSchema))
    points = TrendPointList()
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
