"""Export arguments."""

from marshmallow import Schema, fields, validate


class ExportArgsSchema(Schema):
    part = fields.String(load_default="checkins", validate=validate.OneOf(("checkins", "sessions")))
