"""Waypoint's Celery tasks; importing this package registers all of them."""

from . import deliver, evaluate, invites, notices, periodic, reminders, schedules, staff  # noqa: F401
