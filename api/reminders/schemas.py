"""Reminder channels: the patient's choice, what the clinic sees, the opt-out's answer."""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates

from ..models.channels import REMINDER_CHANNELS
from .operations import NotAPhoneNumber, e164


class MyRemindersSchema(Schema):
    offered = fields.List(
        fields.String(), metadata={"description": "The channels the clinic offers."}
    )
    channels = fields.List(
        fields.String(), metadata={"description": "The patient's, in order of preference."}
    )
    email_hint = fields.String(allow_none=True, metadata={"description": "e.g. j•••@example.org"})
    phone_hint = fields.String(allow_none=True, metadata={"description": "e.g. •••• 23"})
    push_subscribed = fields.Boolean()


class Phone(fields.String):
    """A mobile number as typed ("+1 (202) 555-0123"), loaded as its E.164 form."""

    #: More than anyone types for a number, however spaced.
    MAX_LENGTH = 40

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.MAX_LENGTH:
            raise ValidationError(
                _("Longer than a phone number: %(n)d characters at most.", n=self.MAX_LENGTH)
            )
        try:
            return e164(text)
        except NotAPhoneNumber as exc:
            raise ValidationError(str(exc)) from None


class PatientEmail(fields.Email):
    """An email address a patient types; its refusals in the patient's language (api.i18n),
    worded when the request is read, not when the module is imported."""

    MAX_LENGTH = 254

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > self.MAX_LENGTH:
            raise ValidationError(
                _("Longer than an email address: %(n)d characters at most.", n=self.MAX_LENGTH)
            )
        return super()._deserialize(value, attr, data, **kwargs)

    def _validate(self, value):
        try:
            super()._validate(value)  # marshmallow's address check
        except ValidationError:
            raise ValidationError(_("Not a valid email address.")) from None


class MyRemindersInSchema(Schema):
    """A partial change: the channels in order, and the address or number they need."""

    channels = fields.List(
        fields.String(validate=validate.OneOf(REMINDER_CHANNELS)),
        validate=validate.Length(max=len(REMINDER_CHANNELS)),
    )
    email = PatientEmail(allow_none=True, metadata={"maxLength": PatientEmail.MAX_LENGTH})
    phone = Phone(
        allow_none=True,
        metadata={
            "description": "A mobile number with its country code; stored as E.164.",
            "maxLength": Phone.MAX_LENGTH,  # checked as typed, before it is parsed
        },
    )

    @validates("channels")
    def _distinct(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError(_("Each way once."))


class ReminderDeliverySchema(Schema):
    id = fields.Integer()
    channel = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class PatientRemindersSchema(Schema):
    """What the clinic sees of a patient's reminders: choices and deliveries, no address."""

    channels = fields.List(fields.String())
    email_set = fields.Boolean()
    phone_set = fields.Boolean()
    push_subscribed = fields.Boolean(
        metadata={"description": "A phone of the patient allows notifications (Web Push)."}
    )
    deliveries = fields.List(fields.Nested(ReminderDeliverySchema))


class StoppedSchema(Schema):
    stopped = fields.Boolean()
    channel = fields.String(allow_none=True)
    message = fields.String()
