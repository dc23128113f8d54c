"""The clinic's own settings: notifications, escalation, crisis resources, staff on call."""
