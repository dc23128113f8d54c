"""Patient bodies for the clinician API."""

from zoneinfo import available_timezones

from marshmallow import Schema, fields, validate


class PatientInSchema(Schema):
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True)
    timezone = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(available_timezones()))
    )
    care_team = fields.List(fields.Integer(), load_default=list, validate=validate.Length(max=50))


class PatientOutSchema(Schema):
    id = fields.UUID()
    ref = fields.String()
    display_name = fields.String()
    email = fields.String(allow_none=True)
    timezone = fields.String()
    status = fields.String()
    schedule = fields.Dict()
    care_team = fields.Function(lambda p: [s.id for s in p.care_team])
    created_at = fields.DateTime()


class EnrolledSchema(Schema):
    patient = fields.Nested(PatientOutSchema)
    invite_url = fields.String()


class InviteSchema(Schema):
    invite_url = fields.String()
