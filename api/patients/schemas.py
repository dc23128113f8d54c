"""Patient bodies for the clinician API: enrolment, detail, edits, check-ins."""

from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from surveys.slots import MIN_SPACING_DAYS

from ..checkins.followups import ASQ_RESULT_VALUES
from ..checkins.schemas import LANGUAGE
from ..models import Patient
from ..models.patients import PATIENT_STATUSES
from ..reminders.operations import phone_hint, phone_of
from ..reminders.schemas import Phone
from ..schemas import SCHEDULE_INSTRUMENTS, PatchSchema

#: An IANA time zone; the refusal gives an example rather than listing all six hundred.
TIMEZONE = validate.OneOf(
    sorted(available_timezones()), error="Not a time zone name, e.g. America/New_York."
)


#: The patient's mobile number as the clinic types it: for the invite by text message, and
#: the patient's own for reminders by text (they can change it in the app). Stored sealed,
#: shown back as its last two digits.
MOBILE = {
    "allow_none": True,
    "metadata": {
        "description": "With its country code, e.g. +1 202 555 0123; null: none.",
        "maxLength": Phone.MAX_LENGTH,  # checked as typed, before it is parsed
    },
}


class PatientInSchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))
    mobile = Phone(load_default=None, **MOBILE)
    timezone = fields.String(load_default=None, allow_none=True, validate=TIMEZONE)
    language = fields.String(
        load_default=None,
        allow_none=True,
        validate=LANGUAGE,
        metadata={"description": "The app's language (en, es); null: the phone's language."},
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
    mobile_hint = fields.Function(
        lambda patient: (
            phone_hint(phone_of(patient))
            if isinstance(patient, Patient)
            else patient.get("mobile_hint")
        ),
        allow_none=True,
        metadata={"description": "The last two digits of the mobile number on file, or null."},
    )
    timezone = fields.String()
    language = fields.String(allow_none=True)
    status = fields.String()
    schedule = fields.Dict()
    care_team = fields.Function(lambda p: [s.id for s in p.care_team])
    created_at = fields.DateTime()


class InviteSchema(Schema):
    invite_url = fields.String(metadata={"description": "Shown once: only its hash is kept."})
    invite_qr_svg = fields.String(metadata={"description": "The link as a QR code (SVG)."})
    invite_expires_at = fields.DateTime(allow_none=True)


class EnrolledSchema(InviteSchema):
    patient = fields.Nested(PatientOutSchema)


class InviteEmailInSchema(Schema):
    invite_url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "The live invite link to send (in the body, never a URL)."},
    )


class InviteEmailedSchema(Schema):
    sent_to = fields.String(metadata={"description": "The patient's address it goes to."})


class InviteTextedSchema(Schema):
    sent_to = fields.String(metadata={"description": "The number it goes to, e.g. •••• 23."})


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

    @validates_schema
    def _spaced(self, data, **_):
        # The PHQ-9 and GAD-7 are never planned less than 7 days apart (surveys.slots):
        # a shorter cadence would be thinned silently, so it is refused instead.
        if data.get("cadence_instruments") and data.get("cadence_days", MIN_SPACING_DAYS) < (
            MIN_SPACING_DAYS
        ):
            raise ValidationError(
                f"The PHQ-9 and GAD-7 are due at most every {MIN_SPACING_DAYS} days: their "
                "recall is 2 weeks and they are not validated for use less than 7 days apart.",
                "cadence_days",
            )


class PatientPatchSchema(PatchSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    mobile = Phone(**MOBILE)
    timezone = fields.String(validate=TIMEZONE)
    language = fields.String(allow_none=True, validate=LANGUAGE)
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


class CheckinArgsSchema(Schema):
    instrument = fields.String(validate=validate.Length(min=1, max=32))
    limit = fields.Integer(load_default=200, validate=validate.Range(1, 1000))


class CheckinAnswerSchema(Schema):
    link_id = fields.String()
    text = fields.String()
    value = fields.Raw(allow_none=True)
    label = fields.String(allow_none=True)


class CheckinSignalSchema(Schema):
    answered_at = fields.DateTime(metadata={"description": "When the safety answer was given."})
    changed_answers = fields.List(
        fields.Nested(CheckinAnswerSchema),
        allow_none=True,
        metadata={
            "description": "The answers sent with the safety signal, when the patient "
            "changed one of them before finishing; null when unchanged."
        },
    )


class PatientCheckinSchema(Schema):
    id = fields.UUID()
    status = fields.String(
        metadata={
            "description": "complete, or unfinished: abandoned after a safety answer, "
            "with the answers that were given",
            "enum": ["complete", "unfinished"],
        }
    )
    instrument = fields.String()
    instrument_title = fields.String()
    completed_at = fields.DateTime(allow_none=True, metadata={"description": "Null if unfinished."})
    answered_at = fields.DateTime(metadata={"description": "When the patient answered."})
    received_at = fields.DateTime()
    total = fields.Integer(allow_none=True)
    severity = fields.String(allow_none=True)
    severity_label = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    safety_endorsed = fields.Boolean()
    safety_level = fields.String()
    asq_result = fields.String(
        allow_none=True,
        metadata={
            "description": "The ASQ's result (its own, or of the ASQ that followed item 9)",
            "enum": list(ASQ_RESULT_VALUES),
        },
    )
    prorated = fields.Boolean()
    answers = fields.List(fields.Nested(CheckinAnswerSchema))
    signal = fields.Nested(
        CheckinSignalSchema,
        metadata={"description": "Present when the check-in began as a safety signal."},
    )


class PatientCheckinListSchema(Schema):
    items = fields.List(fields.Nested(PatientCheckinSchema))
