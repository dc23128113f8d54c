"""Emailing a staff invite (api/staff/): the link's token is made here, and only here."""

import logging

from celery import shared_task

from api.extensions import db
from api.models import Clinic
from api.models.base import utcnow
from api.pipeline.routing import SEND_STAFF_INVITE
from api.staff.operations import invite_email, issue_token

from ..channels import DeliveryError
from ..channels.email import send_email
from .common import EMAIL_TASK

log = logging.getLogger("waypoint.worker")


# Retried as every EMAIL_TASK; after the last try the admin sees the invite as not sent and
# can send it again.
@shared_task(name=SEND_STAFF_INVITE, **EMAIL_TASK)
def send_staff_invite(invite_id: int) -> str:
    """Make the invite's token, keep its hash, and email the link to the invitee.

    The hash is committed before the email leaves, so the link works when it arrives; an
    invite already sent, used, replaced or expired is not sent (a redelivered message sends
    nothing twice). A failed send leaves the invite unsent, and the retry makes a new token.
    """
    issued = issue_token(invite_id)
    if issued is None:
        db.session.rollback()
        return "not_sendable"
    token, invite = issued
    staff = invite.staff
    clinic = db.session.get(Clinic, staff.clinic_id)
    subject, text = invite_email(staff, clinic, invite, token)
    address = staff.email
    db.session.commit()
    try:
        send_email(address, subject, text)
    except DeliveryError:
        log.warning("staff invite %s not sent yet", invite_id)  # never the link or address
        raise
    invite.sent_at = utcnow()
    db.session.commit()
    return "sent"
