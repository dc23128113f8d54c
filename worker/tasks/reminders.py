"""Reminding a patient that a check-in is due: Web Push if they allowed it, else email."""

import logging
import uuid

from celery import shared_task
from flask import current_app

from api.extensions import db
from api.models import CheckinDue, Patient, PushSubscription
from api.pipeline.routing import SEND_REMINDER
from api.schedules.operations import REMIND_WINDOW

from ..channels import DeliveryError, content
from ..channels.email import send_email
from ..channels.webpush import send_push
from .common import clock

log = logging.getLogger("waypoint.worker")


@shared_task(
    name=SEND_REMINDER,
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    # Reminders are not alerts: three tries a minute apart, then the next schedule run.
    autoretry_for=(DeliveryError,),
    retry_backoff=60,
    retry_backoff_max=60,
    retry_jitter=False,
    max_retries=3,
)
def send_reminder(patient_id: str, now: str | None = None) -> str:
    """One reminder for all of a patient's slots now due; each slot is reminded once."""
    moment = clock(now)
    slots = db.session.scalars(
        db.select(CheckinDue)
        .where(
            CheckinDue.patient_id == uuid.UUID(patient_id),
            CheckinDue.completed_checkin_id.is_(None),
            CheckinDue.reminded_at.is_(None),
            CheckinDue.due_at <= moment,
            CheckinDue.due_at > moment - REMIND_WINDOW,
        )
        .with_for_update(skip_locked=True)
    ).all()
    if not slots:
        return "nothing_due"
    patient = db.session.get(Patient, slots[0].patient_id)
    channel = _remind(patient)
    for slot in slots:
        slot.reminded_at = moment
    db.session.commit()
    return channel


def _remind(patient: Patient) -> str:
    public_url = current_app.config["PUBLIC_URL"]
    subscriptions = db.session.scalars(
        db.select(PushSubscription).where(PushSubscription.patient_id == patient.id)
    ).all()
    if subscriptions and current_app.config["VAPID_PRIVATE_KEY"]:
        try:
            send_push(subscriptions, content.reminder_push(public_url))
            return "webpush"
        except DeliveryError as exc:
            log.warning("reminder push failed (%s); trying email", exc)
    if patient.email:
        subject, text = content.reminder_email(public_url)
        send_email(patient.email, subject, text)
        return "email"
    return "no_channel"  # the app still shows what is due when the patient opens it
