"""Sending a notice of an account change to the staff member's email (api/account/notices.py)."""

import logging

from celery import shared_task
from flask import current_app

from api.account.notices import CHANGES, notice_email
from api.extensions import db
from api.models import StaffUser
from api.pipeline.routing import SEND_ACCOUNT_NOTICE

from ..channels.email import send_email
from .common import EMAIL_TASK

log = logging.getLogger("waypoint.worker")


# Retried as every EMAIL_TASK; after the last try the change itself is in the audit trail.
@shared_task(name=SEND_ACCOUNT_NOTICE, **EMAIL_TASK)
def send_account_notice(staff_id: int, change: str, at: str) -> str:
    """Email the owner of ``staff_id`` that ``change`` happened at ``at``."""
    if change not in CHANGES:
        log.error("account notice of unknown kind %r dropped", change)
        return "unknown"
    staff = db.session.get(StaffUser, staff_id)
    if staff is None:
        return "no_account"
    subject, text = notice_email(change, at, current_app.config["PUBLIC_URL"])
    send_email(staff.email, subject, text)
    return "sent"
