"""Waypoint's Celery tasks; importing this package registers all of them."""

from . import deliver, evaluate, notices, periodic, reminders  # noqa: F401
