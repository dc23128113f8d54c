"""Column helpers shared by the models."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored with time zone; always handed back as aware UTC.

    SQLite drops the offset, so values read from it are re-marked as UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def new_uuid() -> uuid.UUID:
    """Return a random UUID for an opaque primary key."""
    return uuid.uuid4()


def dialect_insert(model, bind: sa.Connection | None = None):
    """An INSERT with ON CONFLICT clauses for the database of ``bind`` (default: the session's).

    PostgreSQL in production and tests, SQLite for `make run`: both have ON CONFLICT.
    """
    if bind is None:
        from ..extensions import db

        bind = db.session.get_bind()
    return (postgresql.insert if bind.dialect.name == "postgresql" else sqlite.insert)(model)
