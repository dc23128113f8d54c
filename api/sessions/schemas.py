"""Treatment session bodies: recording, correcting, listing."""

from marshmallow import Schema, fields, validate

from surveys.monitoring import CONCOMITANT_CLASSES, MAX_DEVICES, READING_KINDS
from surveys.plausibility import round_to_places

from ..models.patients import CADSS_FORMS, DRUGS, MODALITIES
from ..schemas import PatchSchema
from ..timebounds import BoundedDateTime
from .operations import DOSE_MG_PLACES, MG_PER_KG_PLACES, session_flags


class Rounded(fields.Float):
    """A number rounded to the decimal places its NUMERIC column keeps, before any check."""

    def __init__(self, places: int, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value, attr, data, **kwargs):
        return round_to_places(super()._deserialize(value, attr, data, **kwargs), self.places)


#: What a lot number may hold: letters, digits and the separators printed on a carton.
LOT_NUMBER = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,39}$", error="Letters, digits, . / -")
#: Whole numbers a reading holds, bounded loosely here (a 40-digit number is not a reading)
#: and by their physiology in ``surveys.monitoring``.
READING_NUMBER = validate.Range(-(10**6), 10**6)
#: Far more than any session's readings (one every five minutes for four hours is 48).
MAX_READINGS = 60


def _whole(**kwargs):
    return fields.Integer(allow_none=True, strict=True, validate=READING_NUMBER, **kwargs)


def _text(limit: int, **kwargs):
    return fields.String(allow_none=True, validate=validate.Length(max=limit), **kwargs)


class ReadingInSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(READING_KINDS),
        metadata={"description": "pre_dose, post_40 (about 40 minutes after), discharge, further"},
    )
    taken_at = BoundedDateTime(required=True)
    systolic = _whole(metadata={"description": "mmHg, 50-300"})
    diastolic = _whole(metadata={"description": "mmHg, 20-200"})
    heart_rate = _whole(metadata={"description": "beats per minute, 20-250"})
    spo2 = _whole(metadata={"description": "pulse oximetry, %, 50-100"})


class TreatmentSessionInSchema(Schema):
    administered_at = BoundedDateTime(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    drug = fields.String(
        required=True,
        validate=validate.OneOf(DRUGS),
        metadata={"description": "ketamine or esketamine (coded with RxNorm in the exports)."},
    )
    dose_mg = Rounded(
        DOSE_MG_PLACES,
        allow_none=True,
        metadata={"description": f"Total dose in mg, kept to {DOSE_MG_PLACES} decimals."},
    )
    dose_mg_per_kg = Rounded(
        MG_PER_KG_PLACES,
        allow_none=True,
        metadata={
            "description": f"IV, IM and subcutaneous only, kept to {MG_PER_KG_PLACES} decimals."
        },
    )
    devices = fields.Integer(
        allow_none=True,
        strict=True,
        validate=READING_NUMBER,
        metadata={"description": f"Esketamine nasal spray: 1-{MAX_DEVICES} devices of 28 mg."},
    )
    lot_number = fields.String(allow_none=True, validate=LOT_NUMBER)
    readings = fields.List(
        fields.Nested(ReadingInSchema),
        validate=validate.Length(max=MAX_READINGS),
        metadata={"description": "Every timed reading; sent in full, it replaces the list."},
    )
    moaas = _whole(metadata={"description": "Lowest MOAA/S, 0 (no response) to 5."})
    cadss = _whole(metadata={"description": "CADSS score: full 0-92, CADSS-6 0-24."})
    cadss_form = fields.String(allow_none=True, validate=validate.OneOf(CADSS_FORMS))
    sedation = fields.Boolean(allow_none=True)
    dissociation = fields.Boolean(allow_none=True)
    respiratory_depression = fields.Boolean(allow_none=True)
    respiratory_note = _text(1000)
    vitals_ok_pre = fields.Boolean(allow_none=True)
    vitals_ok_discharge = fields.Boolean(allow_none=True)
    monitoring_started_at = BoundedDateTime(allow_none=True)
    monitoring_ended_at = BoundedDateTime(allow_none=True)
    ready_to_leave_at = BoundedDateTime(
        allow_none=True,
        metadata={"description": "When the patient would have been ready without the 2 h rule."},
    )
    early_leave_reason = _text(
        1000, metadata={"description": "Required when esketamine monitoring is under 2 hours."}
    )
    concomitant_classes = fields.List(
        fields.String(validate=validate.OneOf(CONCOMITANT_CLASSES)),
        allow_none=True,
        validate=validate.Length(max=len(CONCOMITANT_CLASSES)),
        metadata={"description": "Classes taken; [] for none, null if not asked."},
    )
    serious_adverse_event = fields.Boolean(allow_none=True)
    serious_adverse_event_note = _text(2000)
    adverse_events = _text(2000)
    notes = _text(5000)
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
    drug = fields.String(validate=validate.OneOf(DRUGS))


class ReadingMarkSchema(Schema):
    """What the trend chart's session marker says of a reading: its blood pressure."""

    kind = fields.String()
    taken_at = fields.DateTime(allow_none=True)
    systolic = fields.Integer(allow_none=True)
    diastolic = fields.Integer(allow_none=True)


class ReadingOutSchema(ReadingMarkSchema):
    heart_rate = fields.Integer(allow_none=True)
    spo2 = fields.Integer(allow_none=True)


class FlagSchema(Schema):
    field = fields.String()
    level = fields.String(metadata={"description": "caution or urgent"})
    message = fields.String()


class SessionMarkSchema(Schema):
    """A session as the trend chart marks it: when, route and dose, course, the blood-pressure
    peak and the dissociation and sedation scores. The whole session (its flags, REMS record,
    notes) is ``TreatmentSessionOutSchema``: the chart does not read them, and dumping them for
    every marker was most of the trend GET's serialising."""

    id = fields.UUID()
    course_id = fields.Integer()
    course_label = fields.Function(lambda s: s.course.label)
    administered_at = fields.DateTime()
    modality = fields.String()
    drug = fields.String(allow_none=True)
    dose_mg = fields.Float(allow_none=True)
    dose_mg_per_kg = fields.Float(allow_none=True)
    devices = fields.Integer(allow_none=True)
    bp_post_systolic = fields.Integer(allow_none=True)
    bp_post_diastolic = fields.Integer(allow_none=True)
    readings = fields.List(fields.Nested(ReadingMarkSchema))
    moaas = fields.Integer(allow_none=True)
    cadss = fields.Integer(allow_none=True)
    cadss_form = fields.String(allow_none=True)


class TreatmentSessionOutSchema(SessionMarkSchema):
    lot_number = fields.String(allow_none=True)
    bp_pre_systolic = fields.Integer(allow_none=True)
    bp_pre_diastolic = fields.Integer(allow_none=True)
    readings = fields.List(fields.Nested(ReadingOutSchema))
    sedation = fields.Boolean(allow_none=True)
    dissociation = fields.Boolean(allow_none=True)
    respiratory_depression = fields.Boolean(allow_none=True)
    respiratory_note = fields.String(allow_none=True)
    vitals_ok_pre = fields.Boolean(allow_none=True)
    vitals_ok_discharge = fields.Boolean(allow_none=True)
    monitoring_started_at = fields.DateTime(allow_none=True)
    monitoring_ended_at = fields.DateTime(allow_none=True)
    ready_to_leave_at = fields.DateTime(allow_none=True)
    early_leave_reason = fields.String(allow_none=True)
    concomitant_classes = fields.List(fields.String(), allow_none=True)
    serious_adverse_event = fields.Boolean(allow_none=True)
    serious_adverse_event_note = fields.String(allow_none=True)
    flags = fields.Method(
        "_flags", metadata={"description": "Readings past the clinic's lines (caution, urgent)."}
    )
    rems_record_id = fields.Method("_rems", allow_none=True)
    adverse_events = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()

    def _flags(self, row):
        return session_flags(row)

    def _rems(self, row):
        return str(row.rems_record.id) if row.rems_record else None


class TreatmentCourseOutSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    start = fields.DateTime()
    end = fields.DateTime(allow_none=True)
    sessions = fields.Integer()
    trend = fields.Dict()


class CoursePlanInSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    planned_start = BoundedDateTime(
        required=True,
        metadata={"description": "The first session as planned: after now, within 90 days."},
    )


class PreTreatmentDueSchema(Schema):
    instrument = fields.String()
    due_at = fields.DateTime()
    completed = fields.Boolean()


class PlannedCourseOutSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    planned_start_at = fields.DateTime()
    pre_treatment = fields.List(
        fields.Nested(PreTreatmentDueSchema),
        metadata={"description": "Check-ins due before the first session: the baseline."},
    )


class TreatmentSessionListSchema(Schema):
    items = fields.List(fields.Nested(TreatmentSessionOutSchema))
    courses = fields.List(fields.Nested(TreatmentCourseOutSchema))
    planned = fields.List(
        fields.Nested(PlannedCourseOutSchema),
        metadata={"description": "Courses planned whose first session is not recorded yet."},
    )
    thresholds = fields.Dict(
        metadata={"description": "The clinic's lines the form flags readings against."}
    )
