"""Export arguments."""

from marshmallow import Schema, fields, validate


class ExportArgsSchema(Schema):
    part = fields.String(
        load_default="checkins",
        validate=validate.OneOf(
            ("checkins", "answers", "sessions", "readings", "courses", "doses")
        ),
        metadata={
            "description": "checkins, answers (one row per answer), sessions, readings (one "
            "row per timed reading), or "
            "courses (each course's baseline, outcome and status), or doses (each pre-dose "
            "check at home, its gate and the dose it let through)"
        },
    )
