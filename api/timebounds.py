"""The range of instants Waypoint stores, checked on input and by the database.

An aware time is only meaningful once converted to UTC: ``9999-12-31T23:59:59-05:00`` is
year 10000 and ``0001-01-01T00:00:00+05:00`` is 1 BC, both of which PostgreSQL stores and
psycopg (Python's ``datetime``) cannot read back, so one such value broke every read of a
patient's record. Nothing Waypoint records happened before 2000 or after 2099.
"""

from datetime import UTC, datetime

from marshmallow import ValidationError, fields

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: Exclusive.
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MESSAGE = "Must be from 2000-01-01 to 2099-12-31 (UTC)."


def in_range(value: datetime) -> bool:
    """True if the aware ``value`` is an instant inside the stored range (in UTC)."""
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # beyond year 9999 or before year 1 once in UTC
        return False
    return EARLIEST <= utc < LATEST


def range_check(column: str) -> str:
    """The SQL of the CHECK constraint that keeps ``column`` inside the range (or NULL)."""
    return (
        f"{column} IS NULL OR ({column} >= '{EARLIEST:%Y-%m-%d} 00:00:00+00:00'"
        f" AND {column} < '{LATEST:%Y-%m-%d} 00:00:00+00:00')"
    )


class BoundedDateTime(fields.AwareDateTime):
    """An ISO 8601 time with an offset, refused (naming the field) outside the stored range.

    The value is handed on as sent (its offset kept); only the check is made in UTC.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", None)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not in_range(result):
            raise ValidationError(MESSAGE)
        return result
