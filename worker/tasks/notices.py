"""Sending a notice of an account change to the staff member's email (api/account/notices.py)."""

import logging

from celery import shared_task
from flask import current_app

from api.account.notices import CHANGES, notice_email
from api.extensions import db
from api.models import StaffUser
from api.pipeline.routing import SEND_ACCOUNT_NOTICE

from ..channels import DeliveryError
from ..channels.email import send_email

log = logging.getLogger("waypoint.worker")


@shared_task(
    name=SEND_ACCOUNT_NOTICE,
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    # A notice is worth a few tries over about a quarter of an hour (1, 2, 4, 8 min), then
    # the failure is logged; the change itself is in the audit trail either way.
    autoretry_for=(DeliveryError,),
    retry_backoff=60,
    retry_backoff_max=480,
    retry_jitter=False,
    max_retries=4,
)
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
