"""The patient's own profile as the app reads it."""

from marshmallow import Schema, fields

from ..checkins.schemas import LANGUAGE, ResourceSchema


class DueSchema(Schema):
    instrument = fields.String()
    due_at = fields.DateTime()


class ClinicPublicSchema(Schema):
    name = fields.String()
    monitoring_hours = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.UUID()
    display_name = fields.String()
    timezone = fields.String()
    language = fields.String(
        allow_none=True,
        metadata={"description": "The app's language (en, es); null: not chosen yet."},
    )
    clinic = fields.Nested(ClinicPublicSchema)
    crisis_resources = fields.List(fields.Nested(ResourceSchema))
    next_due = fields.List(fields.Nested(DueSchema))
    instruments = fields.List(fields.String())
    vapid_public_key = fields.String(allow_none=True)


class MePatchSchema(Schema):
    language = fields.String(
        required=True,
        validate=LANGUAGE,
        metadata={"description": "The app's language, as the patient chose it (en, es)."},
    )


class LanguageSchema(Schema):
    language = fields.String()
