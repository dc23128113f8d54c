"""The body a browser sends to register for Web Push (the PushSubscription's JSON)."""

from marshmallow import Schema, fields, validate

from ..models import PushSubscription
from ..outbound import validate_url

_COLUMNS = PushSubscription.__table__.c


class PushKeysSchema(Schema):
    p256dh = fields.String(
        required=True, validate=validate.Length(min=1, max=_COLUMNS.p256dh.type.length)
    )
    auth = fields.String(
        required=True, validate=validate.Length(min=1, max=_COLUMNS.auth.type.length)
    )


class PushSubscriptionInSchema(Schema):
    # https to a public host (plain http only to an allow-listed one): api/outbound.py.
    endpoint = fields.String(
        required=True,
        validate=[validate.Length(max=_COLUMNS.endpoint.type.length), validate_url],
        metadata={"format": "uri"},
    )
    keys = fields.Nested(PushKeysSchema, required=True)
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # noqa: N815 (browser's name)


class StaffPushStatusSchema(Schema):
    vapid_public_key = fields.String(allow_none=True)
    subscriptions = fields.Integer()
