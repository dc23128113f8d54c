"""Bodies of the staff-account endpoints: explicit fields in, explicit fields out."""

from marshmallow import Schema, fields, validate

from ..models.clinics import STAFF_ROLES

ROLE = validate.OneOf(STAFF_ROLES, error="Choose clinician or admin.")
#: Printable text, no line breaks: a name is shown in lists and in the email's greeting.
NAME = [
    validate.Length(min=1, max=200, error="Give a name of 1 to 200 characters."),
    validate.Regexp(r"\A[^\x00-\x1f\x7f]*\Z", error="Use a name without line breaks."),
]
INVITE_TOKEN = dict(required=True, validate=validate.Length(min=16, max=200))


class InviteInSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=NAME)
    role = fields.String(required=True, validate=ROLE)


class RoleInSchema(Schema):
    role = fields.String(required=True, validate=ROLE)


class StaffInviteStateSchema(Schema):
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the email left; null until then."}
    )
    expired = fields.Boolean(required=True)


class StaffMemberSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "active, invited (no password yet), deactivated"}
    )
    on_call = fields.Boolean(required=True)
    totp_enabled = fields.Boolean(required=True)
    invite = fields.Nested(
        StaffInviteStateSchema,
        allow_none=True,
        metadata={"description": "The pending invite of an account not set up yet."},
    )


class StaffMembersSchema(Schema):
    items = fields.List(fields.Nested(StaffMemberSchema), required=True)


class DeactivatedSchema(StaffMemberSchema):
    sessions_ended = fields.Integer(required=True)


class InviteTokenInSchema(Schema):
    token = fields.String(**INVITE_TOKEN)


class InvitePreviewSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True)
    clinic = fields.String(required=True, metadata={"description": "The clinic's name."})
    expires_at = fields.DateTime(required=True)


class AcceptInSchema(Schema):
    token = fields.String(**INVITE_TOKEN)
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
