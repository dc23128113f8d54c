"""Sends fair between clinics: one clinic's burst never stands ahead of another's send.

A worker takes each queue first in, first out. A clinic with many sends at once (an
escalation run over many of its alerts, many of its patients answering together, a sweep
after an outage) would put every one of them ahead of the next send of any other clinic. So
new deliveries are paced per clinic when they are published: the first ``SEND_BURST`` of a
clinic's sends waiting at that moment go at once, each further ``SEND_BURST`` waits
``SEND_STEP`` seconds longer (a Celery countdown). A worker holds a countdown message aside
(an ETA) instead of at the head of the queue, so the send of another clinic published
meanwhile is the next one taken: at most ``SEND_BURST`` sends of one clinic stand before it.
A clinic's burst of 600 sends drains in 30 s, at most 20 at a time.
"""

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Alert, Delivery

#: Sends of one clinic that may be waiting in the queues at once.
SEND_BURST = 20
#: Seconds between one burst of a clinic's sends and the next.
SEND_STEP = 1.0


def paced(delivery_ids, now: datetime, clinic_id: int | None = None) -> dict[int, float]:
    """The countdown (seconds, 0 for at once) of each new delivery, by delivery id.

    Counts each clinic's sends already waiting (pending and due, not these) and places the
    new ones behind them, a burst per step. ``clinic_id``: the clinic of every one of them,
    when the caller knows it (a patient's own request), which saves reading it.
    """
    ids = list(delivery_ids)
    if not ids:
        return {}
    if clinic_id is not None:
        clinics = dict.fromkeys(ids, clinic_id)
    else:
        clinics = dict(
            db.session.execute(
                sa.select(Delivery.id, Alert.clinic_id)
                .join(Alert, Alert.id == Delivery.alert_id)
                .where(Delivery.id.in_(ids))
            ).all()
        )
    waiting = dict(
        db.session.execute(
            sa.select(Alert.clinic_id, sa.func.count(Delivery.id))
            .join(Alert, Alert.id == Delivery.alert_id)
            .where(
                Alert.clinic_id.in_(set(clinics.values())),
                Delivery.status == "pending",
                Delivery.next_attempt_at <= now,
                Delivery.id.not_in(ids),
            )
            .group_by(Alert.clinic_id)
        ).all()
    )
    countdowns = {}
    for delivery_id in sorted(ids):
        clinic_id = clinics.get(delivery_id)
        place = waiting.get(clinic_id, 0)
        waiting[clinic_id] = place + 1
        countdowns[delivery_id] = (place // SEND_BURST) * SEND_STEP
    return countdowns
