"""Emailing a patient their invite link (api/patients/invites.py queues it after the commit)."""

import logging
import uuid

from celery import shared_task

from api.auth.operations import invite_url
from api.auth.principal import hash_token
from api.extensions import db
from api.i18n import in_language
from api.models import Invite, Patient
from api.models.base import utcnow
from api.patients.invites import invite_email
from api.pipeline.routing import SEND_PATIENT_INVITE

from ..channels.email import send_email
from .common import EMAIL_TASK

log = logging.getLogger("waypoint.worker")


# Retried as every EMAIL_TASK; after the last try the clinic still has the link on screen
# to show as a QR code or copy.
@shared_task(name=SEND_PATIENT_INVITE, **EMAIL_TASK)
def send_patient_invite(patient_id: str, invite_id: int, token: str) -> str:
    """Email ``token``'s invite link to the patient, if it is still their live invite.

    The link is checked again here: one used, replaced or expired since the clinic asked
    is not sent (a resend of this message after the patient joined sends nothing).
    """
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.patient_id != uuid.UUID(patient_id):
        return "no_invite"
    if invite.token_hash != hash_token(token):
        log.error("invite email with a token of another invite dropped")
        return "no_invite"
    if invite.used_at or invite.revoked_at or invite.expires_at <= utcnow():
        return "not_live"
    patient = db.session.get(Patient, invite.patient_id)
    if patient is None or patient.status != "active" or not patient.email:
        return "no_address"
    url = invite_url(token, patient.language)
    with in_language(patient.language):
        subject, text = invite_email(url, invite.expires_at)
    send_email(patient.email, subject, text)
    return "sent"
