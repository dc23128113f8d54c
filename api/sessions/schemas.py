"""Treatment session bodies: recording, correcting, listing."""

from marshmallow import Schema, fields, validate

from surveys.plausibility import round_to_places

from ..models.patients import MODALITIES
from ..schemas import PatchSchema
from ..timebounds import BoundedDateTime
from .operations import DOSE_MG_PLACES, MG_PER_KG_PLACES


class Rounded(fields.Float):
    """A number rounded to the decimal places its NUMERIC column keeps, before any check."""

    def __init__(self, places: int, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value, attr, data, **kwargs):
        return round_to_places(super()._deserialize(value, attr, data, **kwargs), self.places)


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
