"""Clinic settings, staff and clinician push subscription bodies."""

from marshmallow import Schema, ValidationError, fields, validate, validates

import surveys
from surveys.rules import setting_bounds

from ..channels.urls import SMS_KINDS, BadChannelURL, read
from ..checkins.schemas import ResourceSchema
from ..models.channels import REMINDER_CHANNELS
from ..outbound import allow_list, validate_url

RESOURCE_KINDS = ("emergency", "crisis_line", "clinic", "other")
#: What a tel: or sms: link of the patient app may hold: ASCII digits (2 to 15, so short
#: codes such as 988 and 741741 pass), a leading +, spaces, dashes and parentheses.
DIAL_NUMBER = validate.Regexp(
    r"^\+?(?=(?:[ ()-]*[0-9]){2,15}[ ()-]*$)[0-9 ()-]+$",
    error="Digits, a leading +, spaces, dashes and parentheses only (e.g. 988, +1 555 010 0199).",
)


class ResourceInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    phone = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=30), DIAL_NUMBER]
    )
    sms = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=30), DIAL_NUMBER]
    )
    url = fields.URL(
        load_default=None, allow_none=True, schemes={"https"}, validate=validate.Length(max=300)
    )
    kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(RESOURCE_KINDS)
    )
    sms_keyword = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9]{1,20}$", error="One word of letters or digits."),
        metadata={"description": "Prefilled as the text's body, e.g. HOME for 741741."},
    )


HH_MM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM, e.g. 21:00.")


def validate_sms_url(value: str) -> None:
    """A marshmallow validator: an Apprise URL of an SMS provider (or an HTTP bridge to one)."""
    try:
        read(value, allow_list(), kinds=SMS_KINDS)
    except BadChannelURL as exc:
        raise ValidationError(str(exc)) from None


class ClinicSettingsInSchema(Schema):
    """A partial update: only the fields sent change."""

    reminder_channels = fields.List(
        fields.String(validate=validate.OneOf(REMINDER_CHANNELS)),
        validate=validate.Length(max=len(REMINDER_CHANNELS)),
        metadata={"description": "The reminder channels offered to patients."},
    )
    reminder_sms_url = fields.String(
        allow_none=True,
        validate=[validate.Length(max=2000), validate_sms_url],
        metadata={"description": "Apprise URL of the SMS provider (twilio://...); never shown."},
    )
    reminder_names_clinic = fields.Boolean(
        metadata={"description": "Reminders say 'from <clinic name>' (default: they do not)."}
    )
    quiet_hours_start = fields.String(allow_none=True, validate=HH_MM)
    quiet_hours_end = fields.String(allow_none=True, validate=HH_MM)

    @validates("reminder_channels")
    def _distinct(self, value, **_):
        if len(set(value)) != len(value):
            raise ValidationError("Each channel once.")

    webhook_url = fields.String(
        allow_none=True,
        # https to a public host (plain http only to an allow-listed one): api/outbound.py.
        validate=[validate.Length(max=500), validate_url],
        metadata={
            "format": "uri",
            "description": "Receives signed JSON for chat or paging bridges; null: none.",
        },
    )
    webhook_secret = fields.String(
        allow_none=True,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "HMAC-SHA256 key of the X-Waypoint-Signature header."},
    )
    escalate_urgent_minutes = fields.Integer(validate=validate.Range(min=1, max=1440))
    escalate_imminent_minutes = fields.Integer(validate=validate.Range(min=1, max=1440))
    crisis_resources = fields.List(
        fields.Nested(ResourceInSchema), validate=validate.Length(max=10)
    )
    monitoring_hours = fields.String(allow_none=True, validate=validate.Length(max=300))
    rule_settings = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        metadata={
            "description": "Alert rule settings to change (surveys.RuleSettings); null puts a "
            "setting back to its default. asq_follow_up_minutes (1-1440, default 60): how long "
            "the ASQ offered after a positive PHQ-9 item 9 may go unanswered before the item-9 "
            "alert shows 'follow-up questions not answered'. phq9_change_points (5-6, default "
            "5) and gad7_change_points (4-6, default 4): the change threshold of the status "
            "and the worsening rule, from the instrument's MCID to its reliable change index "
            "(docs/clinical.md). An unknown name or a value out of range is a 422 naming it."
        },
    )

    @validates("rule_settings")
    def _valid_rules(self, value, **_):
        # Each setting on its own, so that a refusal names the setting it is about
        # (``rule_settings.missed_checkins_days``), for the form to show beside that field.
        errors = {}
        for name, setting in value.items():
            try:
                surveys.RuleSettings.from_dict({name: setting})
            except surveys.SettingsError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise ValidationError(errors)
        try:
            surveys.RuleSettings.from_dict(value)
        except surveys.SettingsError as exc:
            raise ValidationError(str(exc)) from None


class ClinicSettingsOutSchema(Schema):
    name = fields.String()
    timezone = fields.String()
    webhook_url = fields.String(allow_none=True)
    webhook_secret_set = fields.Function(lambda clinic: bool(clinic.webhook_secret))
    reminder_channels = fields.List(fields.String())
    reminder_sms_url_masked = fields.String(attribute="reminder_sms_masked", allow_none=True)
    reminder_names_clinic = fields.Boolean()
    quiet_hours_start = fields.String(allow_none=True)
    quiet_hours_end = fields.String(allow_none=True)
    escalate_urgent_minutes = fields.Integer()
    escalate_imminent_minutes = fields.Integer()
    crisis_resources = fields.List(fields.Nested(ResourceSchema))
    effective_crisis_resources = fields.Function(
        lambda clinic: ResourceSchema(many=True).dump(clinic.effective_crisis_resources())
    )
    monitoring_hours = fields.String(allow_none=True)
    rule_settings = fields.Function(
        lambda clinic: surveys.RuleSettings.from_dict(clinic.rule_settings or {}).to_dict()
    )
    rule_setting_bounds = fields.Function(
        lambda _clinic: setting_bounds(),
        metadata={"description": "{setting: {min, max}} of the whole-number rule settings."},
    )


class ClinicStaffSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    on_call = fields.Boolean()
    active = fields.Boolean()
    push_enabled = fields.Boolean()


class StaffListSchema(Schema):
    items = fields.List(fields.Nested(ClinicStaffSchema))


class StaffUpdateSchema(Schema):
    on_call = fields.Boolean(required=True)
