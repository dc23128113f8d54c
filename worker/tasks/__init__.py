"""Waypoint's Celery tasks; importing this package registers all of them."""

from . import deliver, evaluate, periodic, reminders, schedules  # noqa: F401
