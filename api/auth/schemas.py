"""Request and response bodies of the auth endpoints."""

from marshmallow import Schema, fields, validate

#: A TOTP code (six digits 0-9, one space allowed in the middle) and nothing else.
TOTP_CODE = validate.Regexp(r" *[0-9]{3} ?[0-9]{3} *\Z", error="Enter the six digits 0-9.")
#: What the sign-in code field takes: a TOTP code or a recovery code (ASCII letters, digits,
#: dashes); anything else is refused here rather than compared.
SECOND_FACTOR = validate.Regexp(
    r"[A-Za-z0-9 -]*\Z", error="Enter the six digits 0-9 or a recovery code."
)


class LoginSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    totp = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=32), SECOND_FACTOR],
    )


class RedeemSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=16, max=200))


class CsrfSchema(Schema):
    csrf_token = fields.String(required=True)


class ClinicRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class StaffOutSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    clinic = fields.Nested(ClinicRefSchema)
    totp_enabled = fields.Boolean()


class SessionSchema(Schema):
    signed_in = fields.Boolean(required=True)
    kind = fields.String(allow_none=True, metadata={"description": "staff or patient"})
    staff = fields.Nested(StaffOutSchema, allow_none=True)
    patient_id = fields.UUID(allow_none=True)
    language = fields.String(
        allow_none=True, metadata={"description": "A patient's language (en, es), if chosen."}
    )
    mfa_enrolment_required = fields.Boolean(
        metadata={"description": "Signed in, but only two-step enrolment is reachable until done."}
    )
    csrf_token = fields.String(allow_none=True)
