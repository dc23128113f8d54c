"""Intake bodies: trials, the screen's answers, overrides, and the intake as the clinic sees it."""

from marshmallow import Schema, ValidationError, fields, validate

from surveys.intake import (
    ANSWERS,
    CONTRAINDICATIONS,
    MIN_ADEQUATE_WEEKS,
    NOT_COUNTED,
    SCREEN,
    TRD_THRESHOLD,
    TRIAL_OUTCOMES,
)
from surveys.plausibility import round_to_places

from ..alerts.schemas import StaffRefSchema
from ..models import IntakeTrial
from ..schemas import PatchSchema

NOTE = validate.Length(max=2000)
DOSE_PLACES = IntakeTrial.__table__.c.dose_mg_per_day.type.scale
#: Above any antidepressant's daily dose (lithium and quetiapine stay under 2000 mg).
MAX_DOSE_MG_PER_DAY = 3000
MAX_WEEKS = 520


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def _reason(value: str) -> None:
    if len(value.strip()) < 10:
        raise ValidationError("Say why the course may go ahead, in at least 10 characters.")


class DailyDose(fields.Float):
    """mg a day, rounded to the places its column keeps before it is checked."""

    def _deserialize(self, value, attr, data, **kwargs):
        return round_to_places(super()._deserialize(value, attr, data, **kwargs), DOSE_PLACES)


class TrialInSchema(Schema):
    drug = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=100), _not_blank],
        metadata={"description": "The antidepressant, e.g. sertraline."},
    )
    dose_mg_per_day = DailyDose(
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=MAX_DOSE_MG_PER_DAY, min_inclusive=False),
        metadata={"description": f"mg a day, kept to {DOSE_PLACES} decimals; null if unknown."},
    )
    duration_weeks = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(0, MAX_WEEKS),
        metadata={
            "description": f"Weeks at that dose; an adequate trial is {MIN_ADEQUATE_WEEKS}+."
        },
    )
    adequate = fields.Boolean(
        required=True,
        metadata={"description": "The clinician judges the dose (and adherence) adequate."},
    )
    outcome = fields.String(required=True, validate=validate.OneOf(TRIAL_OUTCOMES))
    current_episode = fields.Boolean(
        load_default=True, metadata={"description": "Taken in the current depressive episode."}
    )
    note = fields.String(load_default=None, allow_none=True, validate=NOTE)


class TrialPatchSchema(TrialInSchema, PatchSchema):
    drug = fields.String(validate=[validate.Length(min=1, max=100), _not_blank])
    dose_mg_per_day = DailyDose(
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_DOSE_MG_PER_DAY, min_inclusive=False),
    )
    duration_weeks = fields.Integer(strict=True, validate=validate.Range(0, MAX_WEEKS))
    adequate = fields.Boolean()
    outcome = fields.String(validate=validate.OneOf(TRIAL_OUTCOMES))
    current_episode = fields.Boolean()
    note = fields.String(allow_none=True, validate=NOTE)


class AnswerInSchema(Schema):
    answer = fields.String(required=True, validate=validate.OneOf(ANSWERS))
    note = fields.String(
        allow_none=True,
        validate=NOTE,
        metadata={"description": "Left out: the note stays as it is; null clears it."},
    )


#: One optional field per screen item: a misspelt item is refused by name (unknown=RAISE).
ScreenAnswersSchema = type(
    "ScreenAnswersSchema",
    (PatchSchema,),
    {
        item.code: fields.Nested(AnswerInSchema, metadata={"description": item.label})
        for item in SCREEN
    },
)


class ScreenInSchema(Schema):
    answers = fields.Nested(
        ScreenAnswersSchema,
        required=True,
        metadata={"description": "The items to answer now, each signed by the caller."},
    )


class OverrideInSchema(Schema):
    item = fields.String(
        required=True,
        validate=validate.OneOf(
            CONTRAINDICATIONS,
            error="Only a contraindication blocks a course; choose one of: {choices}.",
        ),
    )
    reason = fields.String(
        required=True,
        validate=[validate.Length(max=2000), _reason],
        metadata={"description": "Why the course may go ahead despite this item."},
    )


class TrialOutSchema(Schema):
    id = fields.Integer(attribute="trial.id")
    drug = fields.String(attribute="trial.drug")
    dose_mg_per_day = fields.Float(attribute="trial.dose_mg_per_day", allow_none=True)
    duration_weeks = fields.Integer(attribute="trial.duration_weeks")
    adequate = fields.Boolean(attribute="trial.adequate")
    outcome = fields.String(attribute="trial.outcome")
    current_episode = fields.Boolean(attribute="trial.current_episode")
    note = fields.String(attribute="trial.note", allow_none=True)
    recorded_at = fields.DateTime(attribute="trial.recorded_at")
    counted = fields.Boolean(metadata={"description": "Counts towards treatment resistance."})
    not_counted = fields.String(allow_none=True, metadata={"description": "Why not, as a code."})
    not_counted_text = fields.Function(
        lambda row: NOT_COUNTED.get(row["not_counted"]) if row["not_counted"] else None
    )


class ResistanceSchema(Schema):
    count = fields.Integer(
        metadata={"description": "Different antidepressants that failed an adequate trial."}
    )
    treatment_resistant = fields.Boolean()
    definition = fields.String()
    threshold = fields.Constant(TRD_THRESHOLD)
    min_weeks = fields.Constant(MIN_ADEQUATE_WEEKS)


class OverrideOutSchema(Schema):
    reason = fields.String()
    answer = fields.String()
    by = fields.Nested(StaffRefSchema, attribute="clinician")
    at = fields.DateTime()


class ScreenItemOutSchema(Schema):
    item = fields.String(attribute="item.code")
    kind = fields.String(attribute="item.kind")
    label = fields.String(attribute="item.label")
    source = fields.String(attribute="item.source")
    answer = fields.String(attribute="answer.answer", allow_none=True)
    note = fields.String(attribute="answer.note", allow_none=True)
    signed_by = fields.Nested(StaffRefSchema, attribute="answer.signer", allow_none=True)
    signed_at = fields.DateTime(attribute="answer.signed_at", allow_none=True)
    open = fields.Boolean(metadata={"description": "A contraindication not answered no."})
    override = fields.Nested(OverrideOutSchema, allow_none=True)
    blocking = fields.Boolean(metadata={"description": "Open and not overridden."})


class IntakeSchema(Schema):
    trials = fields.List(fields.Nested(TrialOutSchema))
    resistance = fields.Nested(ResistanceSchema)
    screen = fields.List(fields.Nested(ScreenItemOutSchema))
    blocking = fields.List(
        fields.String(), metadata={"description": "The items that block a new course."}
    )
    course_may_start = fields.Boolean()
