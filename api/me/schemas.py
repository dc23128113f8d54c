"""The patient's own profile as the app reads it."""

from marshmallow import Schema, fields

from ..checkins.schemas import ResourceSchema


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
    clinic = fields.Nested(ClinicPublicSchema)
    crisis_resources = fields.List(fields.Nested(ResourceSchema))
    next_due = fields.List(fields.Nested(DueSchema))
    instruments = fields.List(fields.String())
    vapid_public_key = fields.String(allow_none=True)
