"""Bodies of the own-account endpoints."""

from marshmallow import Schema, fields, validate

from ..auth.schemas import TOTP_CODE

#: The password the account signs in with, asked again before the account changes.
CURRENT_PASSWORD = dict(required=True, validate=validate.Length(min=1, max=1024))


class TotpStartInSchema(Schema):
    current_password = fields.String(**CURRENT_PASSWORD)


class TotpStartSchema(Schema):
    secret = fields.String(required=True, metadata={"description": "Base32, for manual entry."})
    otpauth_uri = fields.String(required=True, metadata={"description": "For the QR code."})
    otpauth_qr_svg = fields.String(
        required=True, metadata={"description": "The otpauth URI as a QR code (SVG document)."}
    )


class TotpConfirmInSchema(Schema):
    code = fields.String(required=True, validate=[validate.Length(min=6, max=12), TOTP_CODE])
    current_password = fields.String(**CURRENT_PASSWORD)


class TotpConfirmedSchema(Schema):
    recovery_codes = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Shown this once; each signs in once instead of a code."},
    )
    csrf_token = fields.String(required=True, metadata={"description": "Of the new session."})


class PasswordInSchema(Schema):
    current_password = fields.String(**CURRENT_PASSWORD)
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class PasswordChangedSchema(Schema):
    sessions_ended = fields.Integer(required=True)


class OwnSessionSchema(Schema):
    id = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)
    last_seen_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    user_agent = fields.String(allow_none=True)
    current = fields.Boolean(required=True, metadata={"description": "This device."})


class OwnSessionListSchema(Schema):
    items = fields.List(fields.Nested(OwnSessionSchema), required=True)
