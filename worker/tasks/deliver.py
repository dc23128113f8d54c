"""Sending one notification delivery, with bounded retries and a recorded end.

Backoff after attempt n is DELIVERY_BACKOFF_SECONDS * 2**(n-1), capped at
DELIVERY_BACKOFF_MAX_SECONDS (30 s, 1, 2, 4, 8, 15, 15 min by default); after
DELIVERY_MAX_ATTEMPTS the delivery is ``failed``, on the alert's timeline and in the API,
and the alert stays open (and escalates if urgent). The row lock (SKIP LOCKED) and the
status check make a duplicate task a no-op; a worker killed between sending and committing
sends again (at least once, never zero). That window is the commit alone: everything a send
needs is read before it, and after it only the status and one timeline row are written. A
repeat carries the delivery's own key, the same on every attempt (the email's Message-ID,
``X-Waypoint-Delivery``, the push Topic and tag: ``worker/channels/content.py``), for the
receiver to drop it; an Apprise channel's message has none (Apprise gives the service a title
and a text, no id): its repeat shows the same title and alert link.
"""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from flask import current_app

from api.extensions import db
from api.models import (
    Alert,
    AlertEvent,
    Clinic,
    ClinicChannel,
    Delivery,
    Patient,
    PushSubscription,
    StaffUser,
)
from api.pipeline.routing import SEND_DELIVERY, delivery_queue

from ..channels import DeliveryError, content
from ..channels.apprise_send import send_apprise
from ..channels.email import send_email, sender_domain
from ..channels.webhook import post_webhook
from ..channels.webpush import send_push
from .common import clock, enqueue

log = logging.getLogger("waypoint.worker")

#: A retry task may arrive a little before its recorded time (clocks, ETA rounding).
EARLY_TOLERANCE = timedelta(seconds=1)


def backoff(attempts: int) -> float:
    """Seconds to wait after the given number of failed attempts."""
    config = current_app.config
    return min(
        config["DELIVERY_BACKOFF_SECONDS"] * 2 ** (attempts - 1),
        config["DELIVERY_BACKOFF_MAX_SECONDS"],
    )


@shared_task(name=SEND_DELIVERY, acks_late=True, soft_time_limit=60, time_limit=90)
def send_delivery(delivery_id: int, now: str | None = None) -> str:
    """Try one delivery once; schedule the next attempt or record the final failure."""
    outcome, retry_in, queue = attempt(delivery_id, clock(now))
    db.session.commit()
    if retry_in is not None:
        enqueue(SEND_DELIVERY, [delivery_id], queue, countdown=retry_in)
    return outcome


def attempt(delivery_id: int, now: datetime) -> tuple[str, float | None, str]:
    """One attempt (flushes): returns (outcome, seconds until the retry or None, queue)."""
    delivery = db.session.scalar(
        db.select(Delivery).where(Delivery.id == delivery_id).with_for_update(skip_locked=True)
    )
    if delivery is None:
        return "busy_or_missing", None, "default"
    if delivery.status != "pending":
        return delivery.status, None, "default"
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + EARLY_TOLERANCE:
        return "not_due", None, "default"
    alert = db.session.get(Alert, delivery.alert_id)
    queue = delivery_queue(alert.priority)
    delivery.attempts += 1
    try:
        _send(delivery, alert)
    except DeliveryError as exc:
        delivery.last_error = str(exc)
        if exc.permanent or delivery.attempts >= current_app.config["DELIVERY_MAX_ATTEMPTS"]:
            delivery.status = "failed"
            delivery.next_attempt_at = None
            db.session.add(
                AlertEvent(
                    alert_id=alert.id,
                    kind="delivery_failed",
                    at=now,
                    detail=_detail(delivery, error=delivery.last_error),
                )
            )
            log.error(
                "delivery %s failed for good after %d attempt(s)", delivery.id, delivery.attempts
            )
            db.session.flush()
            return "failed", None, queue
        wait = backoff(delivery.attempts)
        delivery.next_attempt_at = now + timedelta(seconds=wait)
        # Published after the commit with this countdown: held until then, not stale.
        delivery.last_published_at = delivery.next_attempt_at
        log.warning(
            "delivery %s attempt %d failed; retry in %ss", delivery.id, delivery.attempts, wait
        )
        db.session.flush()
        return "retrying", wait, queue
    delivery.status = "sent"
    delivery.sent_at = now
    delivery.next_attempt_at = None
    db.session.add(
        AlertEvent(alert_id=alert.id, kind="delivered", at=now, detail=_detail(delivery))
    )
    db.session.flush()
    return "sent", None, queue


def _detail(delivery: Delivery, **extra) -> dict:
    return {
        "channel": delivery.channel,
        "recipient": delivery.recipient,
        "round": delivery.round,
        "attempts": delivery.attempts,
        **extra,
    }


def _send(delivery: Delivery, alert: Alert) -> None:
    """Send over the delivery's channel; any unexpected error counts as a failed attempt."""
    config = current_app.config
    ref = db.session.scalar(db.select(Patient.ref).where(Patient.id == alert.patient_id))
    url = content.alert_url(config["PUBLIC_URL"], alert.id)
    try:
        if delivery.channel == "webhook":
            clinic = db.session.get(Clinic, alert.clinic_id)
            if not clinic.webhook_url:
                raise DeliveryError("the clinic has no webhook any more", permanent=True)
            payload = content.alert_payload(alert, ref, url, delivery.round, delivery.id)
            post_webhook(
                clinic.webhook_url,
                clinic.webhook_secret,
                payload,
                delivery.id,
                config["NOTIFY_TIMEOUT_SECONDS"],
                config["OUTBOUND_ALLOW_HOSTS"],
            )
            return
        if delivery.channel == "apprise":
            channel = _channel(delivery, alert)
            title, text = content.alert_chat(alert.priority, ref, url, delivery.round)
            send_apprise(
                channel.url_sealed,
                title,
                text,
                timeout=config["NOTIFY_TIMEOUT_SECONDS"],
                allow=config["OUTBOUND_ALLOW_HOSTS"],
            )
            return
        staff = _staff(delivery)
        if delivery.channel == "email":
            subject, text = content.alert_email(alert.priority, ref, url, delivery.round)
            key = content.message_id(delivery.id, config["SECRET_KEY"], sender_domain())
            send_email(staff.email, subject, text, message_id=key)
        elif delivery.channel == "webpush":
            subscriptions = db.session.scalars(
                db.select(PushSubscription).where(PushSubscription.staff_id == staff.id)
            ).all()
            payload = content.alert_push(alert.priority, ref, url, alert.id, delivery.id)
            send_push(subscriptions, payload, topic=content.push_topic(delivery.id))
        else:
            raise DeliveryError(f"unknown channel {delivery.channel}", permanent=True)
    except DeliveryError:
        raise
    except Exception as exc:  # a bug or a timeout must not lose the delivery: record it
        raise DeliveryError(f"unexpected {type(exc).__name__}") from exc


def _channel(delivery: Delivery, alert: Alert) -> ClinicChannel:
    kind, _, key = delivery.recipient.partition(":")
    channel = (
        db.session.get(ClinicChannel, int(key)) if kind == "channel" and key.isdigit() else None
    )
    if channel is None or channel.clinic_id != alert.clinic_id or not channel.active:
        raise DeliveryError("the clinic removed or turned off this channel", permanent=True)
    return channel


def _staff(delivery: Delivery) -> StaffUser:
    kind, _, key = delivery.recipient.partition(":")
    staff = db.session.get(StaffUser, int(key)) if kind == "staff" and key.isdigit() else None
    if staff is None or not staff.active:
        raise DeliveryError("recipient no longer active", permanent=True)
    return staff
