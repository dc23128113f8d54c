"""Emailing or texting a patient their invite link (api/patients/invites.py queues it after
the commit)."""

import logging
import uuid

from celery import shared_task
from flask import current_app

from api.auth.operations import invite_url
from api.auth.principal import hash_token
from api.extensions import db
from api.i18n import in_language
from api.models import Invite, Patient
from api.models.base import utcnow
from api.patients.invites import invite_email, invite_sms
from api.pipeline.routing import SEND_PATIENT_INVITE, SEND_PATIENT_INVITE_SMS
from api.reminders.operations import phone_of

from ..channels.apprise_send import send_apprise
from ..channels.email import send_email
from .common import EMAIL_TASK

log = logging.getLogger("waypoint.worker")


def _live_invite(patient_id: str, invite_id: int, token: str) -> tuple[Patient | None, str]:
    """The patient whose live invite ``token`` still is, or None and why not: a link used,
    replaced or expired since the clinic asked is not sent (a resend of the message after the
    patient joined sends nothing)."""
    invite = db.session.get(Invite, invite_id)
    if invite is None or invite.patient_id != uuid.UUID(patient_id):
        return None, "no_invite"
    if invite.token_hash != hash_token(token):
        log.error("invite message with a token of another invite dropped")
        return None, "no_invite"
    if invite.used_at or invite.revoked_at or invite.expires_at <= utcnow():
        return None, "not_live"
    patient = db.session.get(Patient, invite.patient_id)
    if patient is None or patient.status != "active":
        return None, "no_address"
    return patient, ""


# Retried as every EMAIL_TASK; after the last try the clinic still has the link on screen
# to show as a QR code or copy.
@shared_task(name=SEND_PATIENT_INVITE, **EMAIL_TASK)
def send_patient_invite(patient_id: str, invite_id: int, token: str) -> str:
    """Email ``token``'s invite link to the patient, if it is still their live invite."""
    patient, why = _live_invite(patient_id, invite_id, token)
    if patient is None:
        return why
    if not patient.email:
        return "no_address"
    invite = db.session.get(Invite, invite_id)
    url = invite_url(token, patient.language)
    with in_language(patient.language):
        subject, text = invite_email(url, invite.expires_at)
    send_email(patient.email, subject, text)
    return "sent"


@shared_task(name=SEND_PATIENT_INVITE_SMS, **EMAIL_TASK)
def send_patient_invite_sms(patient_id: str, invite_id: int, token: str) -> str:
    """Text ``token``'s invite link to the patient's mobile through the clinic's SMS service
    (its reminders' Apprise URL), if it is still their live invite."""
    patient, why = _live_invite(patient_id, invite_id, token)
    if patient is None:
        return why
    phone = phone_of(patient)
    sms_url = patient.clinic.reminder_sms_sealed
    if not phone or not sms_url:
        return "no_address"
    invite = db.session.get(Invite, invite_id)
    url = invite_url(token, patient.language)
    with in_language(patient.language):
        text = invite_sms(url, invite.expires_at)
    config = current_app.config
    send_apprise(
        sms_url,
        "Waypoint",
        text,
        timeout=config["NOTIFY_TIMEOUT_SECONDS"],
        allow=config["OUTBOUND_ALLOW_HOSTS"],
        phone=phone,
    )
    return "sent"
