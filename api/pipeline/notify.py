"""Who is told of an alert, over which channels: the deliveries of one notification round.

Recipients by escalation level: 0 the patient's care team (the clinic's clinicians if it has
none), 1 the on-call list, 2 and up the clinic admins, again at every deadline until someone
acknowledges. Besides each person's email and push, every round goes to the clinic's webhook
and to each of its Apprise channels (chat, paging, SMS) set for that rung of the ladder. An
empty list falls through to the next one, so that an alert always reaches somebody.
Deliveries are unique per (alert, channel, recipient, round): fanning out twice inserts
nothing new. The API uses this at submit for safety alerts (so their first round
never waits on a worker's evaluation); the worker uses it for every other round.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app

from ..extensions import db
from ..models import (
    Alert,
    AlertEvent,
    Clinic,
    ClinicChannel,
    Delivery,
    Patient,
    PushSubscription,
    StaffUser,
)
from ..models.base import dialect_insert
from ..models.channels import rung
from .routing import delivery_queue

log = logging.getLogger("waypoint.pipeline")

WEBHOOK_RECIPIENT = "webhook:clinic"


def _active_staff(clinic_id: int, *where) -> list[StaffUser]:
    return db.session.scalars(
        db.select(StaffUser)
        .where(StaffUser.clinic_id == clinic_id, StaffUser.active.is_(True), *where)
        .order_by(StaffUser.id)
    ).all()


def recipients(alert: Alert, level: int) -> tuple[str, list[StaffUser]]:
    """The audience of escalation ``level`` and its members: the first rung of its ladder
    with anyone on it.

    A rung is read only when every rung before it was empty: an urgent alert's first round
    is planned inside the patient's own request, and a care team with members is all it
    needs (reading the other rungs as well cost three queries there, on every alert).
    """
    for audience, members in _ladder(alert, level):
        found = members()
        if found:
            return audience, found
    return "nobody", []


def _ladder(alert: Alert, level: int) -> list:
    """The rungs of ``level`` in order, as (audience, a function reading its members)."""
    read: dict = {}

    def once(name, *where):
        def members():
            if name not in read:
                read[name] = _active_staff(alert.clinic_id, *where)
            return read[name]

        return members

    def team():
        patient = db.session.get(Patient, alert.patient_id)
        return [s for s in patient.care_team if s.active]

    clinicians = once("clinicians", StaffUser.role == "clinician")
    on_call = once("on_call", StaffUser.on_call.is_(True))
    admins = once("admins", StaffUser.role == "admin")
    ladder = [("care_team", team), ("clinicians", clinicians)] if level == 0 else []
    if level <= 1:
        ladder.append(("on_call", on_call))
    ladder += [("admins", admins), ("all_staff", lambda: [*clinicians(), *admins()])]
    return ladder


def fan_out(
    alert: Alert, level: int, now: datetime, published_at: datetime | None = None
) -> tuple[str, list[int]]:
    """Create the deliveries of one round; returns the audience and the new delivery ids.

    ``published_at``: the publish of their sends is recorded in the same INSERT
    (``api.pipeline.outbox``), for a caller whose publish follows this transaction's commit.
    """
    audience, members = recipients(alert, level)
    clinic = db.session.get(Clinic, alert.clinic_id)
    # Subscriptions matter only when push can be sent at all (a VAPID key is set).
    vapid = bool(current_app.config["VAPID_PRIVATE_KEY"])
    pushing = _push_subscribers(members) if vapid else set()
    wanted = []
    for member in members:
        wanted.append(("email", f"staff:{member.id}"))
        if member.id in pushing:
            wanted.append(("webpush", f"staff:{member.id}"))
    if clinic.webhook_url:
        wanted.append(("webhook", WEBHOOK_RECIPIENT))
    if rung(level) in (clinic.channel_rungs or ()):
        wanted += [("apprise", f"channel:{i}") for i in _channels(alert.clinic_id, level)]
    if not wanted:
        log.error("alert %s has nobody to notify at level %s", alert.id, level)
        db.session.flush()
        return audience, []
    rows = [
        {
            "alert_id": alert.id,
            "channel": channel,
            "recipient": recipient,
            "round": level,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "last_published_at": published_at,
        }
        for channel, recipient in wanted
    ]
    # One INSERT for the round (a care team of several is one round trip, not one each);
    # a delivery that exists already is skipped, so fanning out twice creates nothing.
    insert = dialect_insert(Delivery).values(rows).on_conflict_do_nothing()
    created = sorted(db.session.scalars(insert.returning(Delivery.id)).all())
    db.session.flush()
    return audience, created


def _channels(clinic_id: int, level: int) -> list[int]:
    """The clinic's active Apprise channels told on the rung of ``level`` (api.models.channels)."""
    want = rung(level)
    rows = db.session.execute(
        db.select(ClinicChannel.id, ClinicChannel.rungs)
        .where(ClinicChannel.clinic_id == clinic_id, ClinicChannel.active.is_(True))
        .order_by(ClinicChannel.id)
    ).all()
    return [row.id for row in rows if want in (row.rungs or ())]


def _push_subscribers(members) -> set[int]:
    """The ids of the ``members`` with a push subscription."""
    return set(
        db.session.scalars(
            db.select(PushSubscription.staff_id).where(
                PushSubscription.staff_id.in_([m.id for m in members])
            )
        )
    )


def escalation_deadline(clinic: Clinic, priority: str) -> timedelta | None:
    """How long an alert of this priority may wait for an acknowledgement."""
    if priority == "imminent":
        return timedelta(minutes=clinic.escalate_imminent_minutes)
    if priority == "urgent":
        return timedelta(minutes=clinic.escalate_urgent_minutes)
    return None


def notify_first_round(
    alerts, now: datetime, published_at: datetime | None = None
) -> dict[str, list[int]]:
    """Fan out round 0 of each alert that tells its case (``Alert.notify``) and note it on
    the timeline; new delivery ids by queue.

    ``published_at`` as for ``fan_out``.
    """
    by_queue: dict[str, list[int]] = {}
    for alert in alerts:
        if not alert.notify:
            continue  # it joined a case the care team has heard of (api.pipeline.cases)
        audience, new = fan_out(alert, 0, now, published_at)
        if new:
            db.session.add(
                AlertEvent(
                    alert_id=alert.id,
                    kind="notified",
                    at=now,
                    detail={"level": 0, "to": audience, "deliveries": len(new)},
                )
            )
            by_queue.setdefault(delivery_queue(alert.priority), []).extend(new)
    db.session.flush()
    return by_queue
