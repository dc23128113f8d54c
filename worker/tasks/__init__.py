"""Waypoint's Celery tasks; importing this package registers all of them."""

from . import (  # noqa: F401
    deliver,
    evaluate,
    forecast,
    invites,
    notices,
    periodic,
    reminders,
    schedules,
    staff,
)
