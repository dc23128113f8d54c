"""Schema pieces every resource shares."""

from marshmallow import Schema, ValidationError, validates_schema

#: The instruments a patient's schedule (and the trend chart) can name.
SCHEDULE_INSTRUMENTS = ("phq9", "gad7")


class PatchSchema(Schema):
    """A partial update: only the fields sent change, and an empty one is refused."""

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Send at least one field to change.")
