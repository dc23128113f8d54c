"""Patient bodies for the clinician API: enrolment, the panel, detail, edits, check-ins."""

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models.patients import MODALITIES, PATIENT_STATUSES
from ..timebounds import BoundedDateTime
from .panel import SORTS
from .sessions import DOSE_MG_PLACES, MG_PER_KG_PLACES, round_to_places


class Rounded(fields.Float):
    """A number rounded to the decimal places its NUMERIC column keeps, before any check."""

    def __init__(self, places: int, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value, attr, data, **kwargs):
        return round_to_places(super()._deserialize(value, attr, data, **kwargs), self.places)


class PatchSchema(Schema):
    """A partial update: only the fields sent change, and an empty one is refused."""

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Send at least one field to change.")


TREND_STATUSES = ("worsening", "remission", "response", "improving", "no_change")
SCHEDULE_INSTRUMENTS = ("phq9", "gad7")


class PatientInSchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    timezone = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(available_timezones()))
    )
    care_team = fields.List(
        fields.Integer(validate=validate.Range(1, 2**31 - 1)),
        load_default=list,
        validate=validate.Length(max=50),
    )


class PatientOutSchema(Schema):
    id = fields.UUID()
    ref = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    timezone = fields.String()
    status = fields.String()
    schedule = fields.Dict()
    care_team = fields.Function(lambda p: [s.id for s in p.care_team])
    created_at = fields.DateTime()


class EnrolledSchema(Schema):
    patient = fields.Nested(PatientOutSchema)
    invite_url = fields.String()


class InviteSchema(Schema):
    invite_url = fields.String()


class ScheduleSchema(Schema):
    cadence_days = fields.Integer(required=True, strict=True, validate=validate.Range(1, 90))
    cadence_instruments = fields.List(
        fields.String(validate=validate.OneOf(SCHEDULE_INSTRUMENTS)),
        required=True,
        validate=validate.Length(max=len(SCHEDULE_INSTRUMENTS)),
    )
    session_anchored = fields.Boolean(required=True)
    local_time = fields.String(
        required=True,
        validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, 24-hour."),
    )


class PatientPatchSchema(PatchSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    timezone = fields.String(validate=validate.OneOf(sorted(available_timezones())))
    schedule = fields.Nested(ScheduleSchema)
    care_team = fields.List(
        fields.Integer(strict=True, validate=validate.Range(1, 2**31 - 1)),
        validate=validate.Length(max=50),
    )
    status = fields.String(
        validate=validate.OneOf(PATIENT_STATUSES),
        metadata={"description": "discharged ends check-ins and sign-in; active re-admits."},
    )


class PatientDueSchema(Schema):
    instrument = fields.String()
    due_at = fields.DateTime()
    reason = fields.String()


class CareTeamMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class PatientDetailSchema(PatientOutSchema):
    care_team = fields.List(fields.Nested(CareTeamMemberSchema))
    discharged_at = fields.DateTime(allow_none=True)
    trend_status = fields.String(allow_none=True)
    instruments = fields.Dict()
    next_due = fields.List(fields.Nested(PatientDueSchema))
    overdue = fields.Boolean()
    course_start = fields.DateTime(allow_none=True)


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
    risk = fields.Nested(PanelRiskSchema)


class PanelPageSchema(Schema):
    items = fields.List(fields.Nested(PanelRowSchema))
    next_cursor = fields.String(allow_none=True)


class CheckinArgsSchema(Schema):
    instrument = fields.String(validate=validate.Length(min=1, max=32))
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class CheckinAnswerSchema(Schema):
    link_id = fields.String()
    text = fields.String()
    value = fields.Raw(allow_none=True)
    label = fields.String(allow_none=True)


class PatientCheckinSchema(Schema):
    id = fields.UUID()
    instrument = fields.String()
    instrument_title = fields.String()
    completed_at = fields.DateTime()
    received_at = fields.DateTime()
    total = fields.Integer(allow_none=True)
    severity = fields.String(allow_none=True)
    severity_label = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    safety_endorsed = fields.Boolean()
    safety_level = fields.String()
    prorated = fields.Boolean()
    answers = fields.List(fields.Nested(CheckinAnswerSchema))


class PatientCheckinListSchema(Schema):
    items = fields.List(fields.Nested(PatientCheckinSchema))


class TreatmentSessionInSchema(Schema):
    administered_at = BoundedDateTime(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    dose_mg = Rounded(
        DOSE_MG_PLACES,
        allow_none=True,
        metadata={"description": f"Total dose in mg, kept to {DOSE_MG_PLACES} decimals."},
    )
    dose_mg_per_kg = Rounded(
        MG_PER_KG_PLACES,
        allow_none=True,
        metadata={"description": f"IV and IM only, kept to {MG_PER_KG_PLACES} decimals."},
    )
    bp_pre_systolic = fields.Integer(allow_none=True, strict=True)
    bp_pre_diastolic = fields.Integer(allow_none=True, strict=True)
    bp_post_systolic = fields.Integer(
        allow_none=True, strict=True, metadata={"description": "About 40 minutes after dosing."}
    )
    bp_post_diastolic = fields.Integer(allow_none=True, strict=True)
    cadss = fields.Integer(allow_none=True, strict=True, validate=validate.Range(0, 92))
    adverse_events = fields.String(allow_none=True, validate=validate.Length(max=2000))
    notes = fields.String(allow_none=True, validate=validate.Length(max=5000))
    course_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(1, 2**31 - 1))
    new_course_label = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Start a new course (resets the trend's baseline)."},
    )


class TreatmentSessionPatchSchema(TreatmentSessionInSchema, PatchSchema):
    class Meta:
        exclude = ("new_course_label",)

    administered_at = BoundedDateTime()
    modality = fields.String(validate=validate.OneOf(MODALITIES))


class TreatmentSessionOutSchema(Schema):
    id = fields.UUID()
    course_id = fields.Integer()
    course_label = fields.Function(lambda s: s.course.label)
    administered_at = fields.DateTime()
    modality = fields.String()
    dose_mg = fields.Float(allow_none=True)
    dose_mg_per_kg = fields.Float(allow_none=True)
    bp_pre_systolic = fields.Integer(allow_none=True)
    bp_pre_diastolic = fields.Integer(allow_none=True)
    bp_post_systolic = fields.Integer(allow_none=True)
    bp_post_diastolic = fields.Integer(allow_none=True)
    cadss = fields.Integer(allow_none=True)
    adverse_events = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class TreatmentCourseOutSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    start = fields.DateTime()
    end = fields.DateTime(allow_none=True)
    sessions = fields.Integer()
    trend = fields.Dict()


class TreatmentSessionListSchema(Schema):
    items = fields.List(fields.Nested(TreatmentSessionOutSchema))
    courses = fields.List(fields.Nested(TreatmentCourseOutSchema))


class TrendArgsSchema(Schema):
    instrument = fields.String(load_default="phq9", validate=validate.OneOf(SCHEDULE_INSTRUMENTS))


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
    sessions = fields.List(fields.Nested(TreatmentSessionOutSchema))
    courses = fields.List(fields.Nested(TreatmentCourseOutSchema))
    trend = fields.Dict(metadata={"description": "surveys.Trend of the current course."})
    response_line = fields.Float(allow_none=True)
    remission_below = fields.Integer(allow_none=True)


class ExportArgsSchema(Schema):
    part = fields.String(load_default="checkins", validate=validate.OneOf(("checkins", "sessions")))
