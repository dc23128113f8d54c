"""Who is told of an alert, over which channels: the deliveries of one notification round.

Recipients by escalation level: 0 the patient's care team (the clinic's clinicians if it has
none), 1 the on-call list, 2 and up the clinic admins, again at every deadline until someone
acknowledges. An empty list falls through to the next one, so that an alert always reaches
somebody. Deliveries are unique per (alert, channel, recipient, round): fanning out twice
inserts nothing new. The API uses this at submit for safety alerts (so their first round
never waits on a worker's evaluation); the worker uses it for every other round.
"""

import logging
from datetime import datetime, timedelta

from flask import current_app

from ..extensions import db
from ..models import Alert, AlertEvent, Clinic, Delivery, Patient, PushSubscription, StaffUser
from ..models.base import dialect_insert
from .routing import delivery_queue

log = logging.getLogger("waypoint.pipeline")

WEBHOOK_RECIPIENT = "webhook:clinic"


def _active_staff(clinic_id: int):
    return db.select(StaffUser).where(StaffUser.clinic_id == clinic_id, StaffUser.active.is_(True))


def recipients(alert: Alert, level: int) -> tuple[str, list[StaffUser]]:
    """The audience of escalation ``level`` and its members."""
    patient = db.session.get(Patient, alert.patient_id)
    team = [s for s in patient.care_team if s.active]
    clinicians = db.session.scalars(
        _active_staff(alert.clinic_id).where(StaffUser.role == "clinician").order_by(StaffUser.id)
    ).all()
    on_call = db.session.scalars(
        _active_staff(alert.clinic_id).where(StaffUser.on_call.is_(True)).order_by(StaffUser.id)
    ).all()
    admins = db.session.scalars(
        _active_staff(alert.clinic_id).where(StaffUser.role == "admin").order_by(StaffUser.id)
    ).all()
    ladder = [("care_team", team), ("clinicians", clinicians)] if level == 0 else []
    if level <= 1:
        ladder.append(("on_call", on_call))
    ladder += [("admins", admins), ("all_staff", [*clinicians, *admins])]
    for audience, members in ladder:
        if members:
            return audience, members
    return "nobody", []


def fan_out(alert: Alert, level: int, now: datetime) -> tuple[str, list[int]]:
    """Create the deliveries of one round; returns the audience and the new delivery ids."""
    audience, members = recipients(alert, level)
    clinic = db.session.get(Clinic, alert.clinic_id)
    pushing = set(
        db.session.scalars(
            db.select(PushSubscription.staff_id).where(
                PushSubscription.staff_id.in_([m.id for m in members])
            )
        )
    )
    vapid = bool(current_app.config["VAPID_PRIVATE_KEY"])
    wanted = []
    for member in members:
        wanted.append(("email", f"staff:{member.id}"))
        if vapid and member.id in pushing:
            wanted.append(("webpush", f"staff:{member.id}"))
    if clinic.webhook_url:
        wanted.append(("webhook", WEBHOOK_RECIPIENT))
    if not wanted:
        log.error("alert %s has nobody to notify at level %s", alert.id, level)
    created = []
    for channel, recipient in wanted:
        insert = dialect_insert(Delivery).values(
            alert_id=alert.id,
            channel=channel,
            recipient=recipient,
            round=level,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        result = db.session.execute(insert.on_conflict_do_nothing().returning(Delivery.id))
        delivery_id = result.scalar()
        if delivery_id is not None:
            created.append(delivery_id)
    db.session.flush()
    return audience, created


def escalation_deadline(clinic: Clinic, priority: str) -> timedelta | None:
    """How long an alert of this priority may wait for an acknowledgement."""
    if priority == "imminent":
        return timedelta(minutes=clinic.escalate_imminent_minutes)
    if priority == "urgent":
        return timedelta(minutes=clinic.escalate_urgent_minutes)
    return None


def notify_first_round(alerts, now: datetime) -> dict[str, list[int]]:
    """Fan out round 0 of each alert and note it on the timeline; new delivery ids by queue."""
    by_queue: dict[str, list[int]] = {}
    for alert in alerts:
        audience, new = fan_out(alert, 0, now)
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
