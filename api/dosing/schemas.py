"""Home-dosing bodies: the plan a clinician sets, a pre-dose check from the phone, the log."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from surveys.dosing import FORMS, MONITOR_NAME_MAX, PLAN_NUMBERS, VITAL_RANGES

from ..timebounds import BoundedDateTime


def _number(name: str):
    """A plan's number with its bounds; required where it has no default (the dose, the
    doses prescribed); left out, the clinic's default (its ``home_*`` rule settings), else
    Waypoint's."""
    default, low, high = PLAN_NUMBERS[name]
    given = {"required": True} if default is None else {"load_default": None}
    described = f", left out: the clinic's default (Waypoint's: {default})" if default else ""
    return fields.Integer(
        strict=True,
        validate=validate.Range(low, high),
        metadata={"description": f"{low}-{high}{described}"},
        **given,
    )


class DosePlanInSchema(Schema):
    form = fields.String(required=True, validate=validate.OneOf(FORMS))
    dose_mg = _number("dose_mg")
    min_interval_hours = _number("min_interval_hours")
    max_per_week = _number("max_per_week")
    doses_prescribed = _number("doses_prescribed")
    systolic_max = _number("systolic_max")
    diastolic_max = _number("diastolic_max")
    heart_rate_max = _number("heart_rate_max")
    monitor_required = fields.Boolean(
        load_default=None,
        metadata={"description": "Left out: the clinic's default (Waypoint's: true)."},
    )
    monitor_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MONITOR_NAME_MAX),
        metadata={
            "description": "The person who stays with the patient during each dose; the "
            "phone asks for them by name. Blank or null: 'your monitor'."
        },
    )
    post_check_minutes = _number("post_check_minutes")
    post_check_missed_minutes = _number("post_check_missed_minutes")
    new_prescription = fields.Boolean(
        load_default=False, metadata={"description": "Count doses again from now."}
    )


class DosePlanOutSchema(Schema):
    plan = fields.Dict(allow_none=True)
    defaults = fields.Dict(
        metadata={"description": "What a field left out of a PUT takes: the clinic's defaults."}
    )
    version = fields.Integer()
    prescription_started_at = fields.DateTime(allow_none=True)
    active = fields.Boolean()
    updated_at = fields.DateTime(allow_none=True)
    doses_taken = fields.List(
        fields.DateTime(),
        metadata={
            "description": "The doses the gate weighs now: those on the current prescription "
            "(from prescription_started_at) and any earlier in the week and interval before now."
        },
    )


def _vital(name: str):
    low, high = VITAL_RANGES[name]
    return fields.Integer(load_default=None, strict=True, metadata={"description": f"{low}-{high}"})


class DoseInSchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "The phone's id: replays are safe."})
    checked_at = BoundedDateTime(required=True)
    systolic = _vital("systolic")
    diastolic = _vital("diastolic")
    heart_rate = _vital("heart_rate")
    monitor_present = fields.Boolean(load_default=None)
    new_symptoms = fields.Boolean(load_default=None)
    dosed_at = BoundedDateTime(
        load_default=None, metadata={"description": "When the dose was taken; null: not taken."}
    )
    outside_app = fields.Boolean(
        load_default=False,
        metadata={"description": "A dose taken without the app's check, reported afterwards."},
    )

    @validates_schema
    def _a_check_has_its_answers(self, data, **kwargs):
        if data.get("outside_app"):
            if data.get("dosed_at") is None:
                raise ValidationError({"dosed_at": ["Say when the dose was taken."]})
            return
        missing = {
            name: ["Required for the pre-dose check."]
            for name in ("systolic", "diastolic", "heart_rate", "monitor_present", "new_symptoms")
            if data.get(name) is None
        }
        if missing:
            raise ValidationError(missing)


class DoseOutSchema(Schema):
    id = fields.UUID()
    checked_at = fields.DateTime()
    received_at = fields.DateTime()
    systolic = fields.Integer(allow_none=True)
    diastolic = fields.Integer(allow_none=True)
    heart_rate = fields.Integer(allow_none=True)
    monitor_present = fields.Boolean(allow_none=True)
    new_symptoms = fields.Boolean(allow_none=True)
    gate_ok = fields.Boolean()
    gate_reasons = fields.List(fields.String())
    dosed_at = fields.DateTime(allow_none=True)
    outside_app = fields.Boolean()
    post_check_due_at = fields.DateTime(allow_none=True)
    post_check_at = fields.DateTime(allow_none=True)
    post_check_missed_at = fields.DateTime(allow_none=True)


class DoseListSchema(Schema):
    items = fields.List(fields.Nested(DoseOutSchema))


class PostCheckInSchema(Schema):
    checkin_id = fields.UUID(required=True)


class UnsafeInSchema(Schema):
    answered_at = BoundedDateTime(required=True)
