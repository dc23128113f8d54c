"""Reminding a patient that a check-in is due, by the channel they chose: Web Push, email or SMS.

``send_reminder`` (published by the schedule batch for each patient with a slot due) plans
the reminder: one ``ReminderDelivery`` for the slots due now, in the transaction that marks
them reminded (``api.reminders.operations.plan_reminder``: quiet hours, the patient's
choice, the clinic's offer), then makes its first attempt. A failed attempt is retried by
``send_reminder_delivery`` with the alert deliveries' backoff and end (``deliver.backoff``,
``DELIVERY_MAX_ATTEMPTS``, then ``failed``, shown to the clinic); the reconciler re-publishes
a pending one that was lost. Each attempt first checks that the patient still wants that
channel: an opt-out stops even a retry already queued.
"""

import logging
import uuid
from datetime import datetime, timedelta

from celery import shared_task
from flask import current_app

from api.extensions import db
from api.i18n import in_language
from api.models import Clinic, Patient, PushSubscription, ReminderDelivery
from api.pipeline.outbox import republish_due, republish_stamp, unstamp
from api.pipeline.routing import REQUEUE_REMINDERS, SEND_REMINDER, SEND_REMINDER_DELIVERY
from api.reminders.operations import (
    chosen,
    offered,
    phone_of,
    plan_reminder,
    stop_token,
    stop_url,
)

from ..channels import DeliveryError, content
from ..channels.apprise_send import send_apprise
from ..channels.email import send_email, sender_domain
from ..channels.webpush import send_push
from .common import clock, enqueue
from .deliver import EARLY_TOLERANCE, backoff

log = logging.getLogger("waypoint.worker")

#: Reminders wait behind alerts: their queue.
QUEUE = "bulk"


@shared_task(name=SEND_REMINDER, acks_late=True, soft_time_limit=60, time_limit=90)
def send_reminder(patient_id: str, now: str | None = None) -> str:
    """Plan the reminder of the patient's slots now due (one per slot), then try it once."""
    moment = clock(now)
    patient = db.session.get(Patient, uuid.UUID(patient_id))
    if patient is None or patient.status != "active":
        return "nothing_due"
    outcome, delivery = plan_reminder(patient, moment)
    db.session.commit()
    if delivery is None:
        return outcome
    return _attempt(delivery.id, moment)


@shared_task(name=SEND_REMINDER_DELIVERY, acks_late=True, soft_time_limit=60, time_limit=90)
def send_reminder_delivery(delivery_id: int, now: str | None = None) -> str:
    """Try one reminder delivery again (a retry, or the reconciler's re-publish)."""
    return _attempt(delivery_id, clock(now))


def _attempt(delivery_id: int, now: datetime) -> str:
    outcome, retry_in = attempt(delivery_id, now)
    db.session.commit()
    if retry_in is not None:
        enqueue(SEND_REMINDER_DELIVERY, [delivery_id], QUEUE, countdown=retry_in)
    return outcome


def attempt(delivery_id: int, now: datetime) -> tuple[str, float | None]:
    """One attempt (flushes): (outcome, seconds until the retry or None). The row lock (SKIP
    LOCKED) and the status check make a duplicate task a no-op."""
    delivery = db.session.scalar(
        db.select(ReminderDelivery)
        .where(ReminderDelivery.id == delivery_id)
        .with_for_update(skip_locked=True)
    )
    if delivery is None:
        return "busy_or_missing", None
    if delivery.status != "pending":
        return delivery.status, None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + EARLY_TOLERANCE:
        return "not_due", None
    patient = db.session.get(Patient, delivery.patient_id)
    if delivery.channel not in chosen(patient):
        turned_off = delivery.channel in offered(patient.clinic)
        _fail(
            delivery,
            "the patient turned this channel off"
            if turned_off
            else "the clinic no longer offers this channel",
        )
        return "stopped", None
    delivery.attempts += 1
    try:
        with in_language(patient.language):  # the reminder's words (api.i18n)
            _send(delivery, patient)
    except DeliveryError as exc:
        if exc.permanent or delivery.attempts >= current_app.config["DELIVERY_MAX_ATTEMPTS"]:
            _fail(delivery, str(exc))
            log.error(
                "reminder %s failed for good after %d attempt(s)", delivery.id, delivery.attempts
            )
            return "failed", None
        wait = backoff(delivery.attempts)
        delivery.last_error = str(exc)
        delivery.next_attempt_at = delivery.last_published_at = now + timedelta(seconds=wait)
        log.warning(
            "reminder %s attempt %d failed; retry in %ss", delivery.id, delivery.attempts, wait
        )
        db.session.flush()
        return "retrying", wait
    delivery.status = "sent"
    delivery.sent_at = now
    delivery.next_attempt_at = None
    db.session.flush()
    return f"sent:{delivery.channel}", None


def _fail(delivery: ReminderDelivery, reason: str) -> None:
    delivery.status = "failed"
    delivery.last_error = reason[:500]
    delivery.next_attempt_at = None
    db.session.flush()


def _send(delivery: ReminderDelivery, patient: Patient) -> None:
    """Send over the delivery's channel; any unexpected error counts as a failed attempt."""
    config = current_app.config
    public_url = config["PUBLIC_URL"]
    clinic = db.session.get(Clinic, patient.clinic_id)
    named = clinic.name if clinic.reminder_names_clinic else None
    stop = stop_url(delivery.id)
    try:
        if delivery.channel == "webpush":
            subscriptions = db.session.scalars(
                db.select(PushSubscription).where(PushSubscription.patient_id == patient.id)
            ).all()
            send_push(
                subscriptions,
                content.reminder_push(public_url),
                topic=f"waypoint-reminder-{delivery.id}",
            )
        elif delivery.channel == "email":
            if not patient.email:
                raise DeliveryError("the patient has no email address any more", permanent=True)
            subject, text = content.reminder_email(f"{public_url}/", stop, named)
            key = content.message_id(
                delivery.id, config["SECRET_KEY"], sender_domain(), kind="reminder"
            )
            send_email(
                patient.email,
                subject,
                text,
                message_id=key,
                # RFC 2369 and RFC 8058: the mail client's own unsubscribe posts to the API.
                headers={
                    "List-Unsubscribe": (
                        f"<{public_url}/api/v1/reminders/stop/{stop_token(delivery.id)}>"
                    ),
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        elif delivery.channel == "sms":
            phone = phone_of(patient)
            if not phone or not clinic.reminder_sms_sealed:
                raise DeliveryError("no mobile number or no SMS service any more", permanent=True)
            title, text = content.reminder_sms(f"{public_url}/", stop, named)
            send_apprise(
                clinic.reminder_sms_sealed,
                title,
                text,
                timeout=config["NOTIFY_TIMEOUT_SECONDS"],
                allow=config["OUTBOUND_ALLOW_HOSTS"],
                phone=phone,
            )
        else:
            raise DeliveryError(f"unknown channel {delivery.channel}", permanent=True)
    except DeliveryError:
        raise
    except Exception as exc:  # a bug or a timeout must not lose the reminder: record it
        raise DeliveryError(f"unexpected {type(exc).__name__}") from exc


# --- the reconciler's part ------------------------------------------------------------------


def _stale(at: datetime, lost_before: datetime | None, queued_since: datetime | None) -> tuple:
    period = current_app.config["RECONCILE_SECONDS"]
    return (
        ReminderDelivery.status == "pending",
        ReminderDelivery.next_attempt_at <= at - timedelta(seconds=period),
        republish_due(
            ReminderDelivery.enqueue_count,
            ReminderDelivery.last_published_at,
            at,
            lost_before,
            queued_since,
        ),
    )


def stale_reminders(at: datetime, lost_before: datetime | None, queued_since=None):
    """SQL: pending reminder deliveries due over a period ago whose backoff is over and whose
    message is not still queued (behind the oldest message of ``QUEUE``, published at
    ``queued_since``), as for alert deliveries (``api/pipeline/outbox.py``)."""
    return db.select(ReminderDelivery.id, ReminderDelivery.next_attempt_at).where(
        *_stale(at, lost_before, queued_since)
    )


def reminders_columns() -> list:
    """The keyset of ``stale_reminders``' pages."""
    return [ReminderDelivery.next_attempt_at, ReminderDelivery.id]


@shared_task(name=REQUEUE_REMINDERS, acks_late=True, soft_time_limit=60, time_limit=90)
def requeue_reminders(
    delivery_ids: list[int],
    now: str | None = None,
    lost_before: str | None = None,
    queued_since: str | None = None,
) -> dict:
    """Re-enqueue each of these reminder deliveries still stale (claimed and stamped first);
    ``lost_before`` and ``queued_since`` as for check-ins (``periodic.requeue_checkins``)."""
    at = clock(now)
    lost = datetime.fromisoformat(lost_before) if lost_before else None
    queued = datetime.fromisoformat(queued_since) if queued_since else None
    ids = db.session.scalars(
        db.select(ReminderDelivery.id)
        .where(ReminderDelivery.id.in_([int(i) for i in delivery_ids]), *_stale(at, lost, queued))
        .order_by(ReminderDelivery.next_attempt_at)
        .with_for_update(skip_locked=True)
    ).all()
    if ids:
        db.session.execute(
            db.update(ReminderDelivery)
            .where(ReminderDelivery.id.in_(ids))
            .values(
                enqueue_count=ReminderDelivery.enqueue_count + 1,
                last_published_at=republish_stamp(at, lost),
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    for n, delivery_id in enumerate(ids):
        if not enqueue(SEND_REMINDER_DELIVERY, [delivery_id], QUEUE):
            unstamp(ReminderDelivery, ids[n:])
            db.session.commit()
            break
    if ids:
        log.warning("reconciler re-enqueued %d reminder(s)", len(ids))
    return {"reminders": len(ids)}
