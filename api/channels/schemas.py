"""Care-team channel bodies: the URL goes in, only its mask comes out."""

from marshmallow import Schema, fields, validate

from ..models.channels import RUNGS


class ChannelInSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "An Apprise URL (slack://, workflows://, pagerduty://...)."},
    )
    rungs = fields.List(
        fields.String(validate=validate.OneOf(RUNGS)),
        load_default=lambda: list(RUNGS),
        validate=validate.Length(min=1, max=len(RUNGS)),
        metadata={"description": "Told at round 0 (care_team), 1 (on_call), 2+ (admins)."},
    )


class ChannelUpdateSchema(Schema):
    label = fields.String(validate=validate.Length(min=1, max=100))
    url = fields.String(validate=validate.Length(min=1, max=2000))
    rungs = fields.List(
        fields.String(validate=validate.OneOf(RUNGS)),
        validate=validate.Length(min=1, max=len(RUNGS)),
    )
    active = fields.Boolean()


class ChannelSchema(Schema):
    id = fields.Integer()
    label = fields.String()
    kind = fields.String()
    url_masked = fields.String(metadata={"description": "Never the URL itself."})
    rungs = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime()


class ChannelListSchema(Schema):
    items = fields.List(fields.Nested(ChannelSchema))
