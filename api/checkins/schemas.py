"""Check-in bodies: what the app sends and what it gets back."""

from marshmallow import Schema, fields, validate

import surveys

#: A language the app speaks; anything else is refused with the choices named.
LANGUAGE = validate.OneOf(surveys.LANGUAGES, error="Not a language Waypoint speaks: en or es.")


class CheckinInSchema(Schema):
    id = fields.UUID(
        required=True, metadata={"description": "Client-generated; the idempotency key."}
    )
    instrument = fields.String(required=True, validate=validate.Length(min=1, max=32))
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        values=fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(max=64),
    )
    completed_at = fields.AwareDateTime(required=True, default_timezone=None)
    version = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=32),
        metadata={
            "description": "The version of the instrument the patient was asked (a check-in "
            "begun before an update): scored with that version while Waypoint keeps it, "
            "else with the current one."
        },
    )
    follow_up_of = fields.UUID(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The id of the check-in whose safety answer led to this one "
            "(the ASQ asked after PHQ-9 item 9)."
        },
    )
    language = fields.String(
        load_default=surveys.DEFAULT_LANGUAGE,
        validate=LANGUAGE,
        metadata={
            "description": "The language the questions were shown in (the definition's "
            "`language`); stored with the check-in and kept by the exports."
        },
    )


class ResourceSchema(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    sms = fields.String(allow_none=True)
    #: The word to text (the Crisis Text Line's HOME); the app prefills it as the body.
    sms_keyword = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)


class SafetySchema(Schema):
    endorsed = fields.Boolean(required=True)
    level = fields.String(required=True)
    items = fields.List(fields.String())
    follow_up = fields.String(allow_none=True)
    resources = fields.List(fields.Nested(ResourceSchema))
    monitoring = fields.String(allow_none=True)


class CheckinOutSchema(Schema):
    id = fields.UUID(required=True)
    instrument = fields.String(required=True)
    total = fields.Integer(allow_none=True)
    severity = fields.String(allow_none=True)
    severity_label = fields.String(allow_none=True)
    result = fields.String(allow_none=True)
    completed_at = fields.DateTime()
    received_at = fields.DateTime()
    safety = fields.Nested(SafetySchema, required=True)


class CheckinListSchema(Schema):
    items = fields.List(fields.Nested(CheckinOutSchema))


class PartialInSchema(Schema):
    id = fields.UUID(
        required=True,
        metadata={
            "description": "The check-in's own client-made id: the finished check-in is later "
            "posted to /api/v1/checkins with the same id and joins this signal's alert."
        },
    )
    instrument = fields.String(required=True, validate=validate.Length(min=1, max=32))
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(max=64)),
        values=fields.Raw(allow_none=True),
        required=True,
        validate=validate.Length(max=64),
        metadata={"description": "The answers given so far; they must trigger a safety rule."},
    )
    answered_at = fields.AwareDateTime(
        required=True,
        default_timezone=None,
        metadata={"description": "When the patient gave the safety answer (device clock)."},
    )


class PartialOutSchema(Schema):
    id = fields.UUID(required=True)
    instrument = fields.String(required=True)
    answered_at = fields.DateTime()
    received_at = fields.DateTime()
    safety = fields.Nested(SafetySchema, required=True)
