"""The rows are the outbox: what each publish records, and when the reconciler may publish again.

A check-in waits for its evaluation, a pending delivery for its send; each remembers when a
message for it was last published (``last_published_at``) and how often the reconciler had to
publish it again (``enqueue_count``). The submit stamps the check-in in its own INSERT and its
safety sends in one UPDATE of the same transaction; a worker's publish of sends stamps them in
one UPDATE after publishing; the reconciler stamps what it re-publishes in the transaction
that claims the rows. A paced send is stamped for when its countdown ends: held, not stale.

The schedule: a row still outstanding ``RECONCILE_SECONDS`` (P, 30 s) after its last publish is
re-published; after the n-th re-publish it waits ``min(P * 2**n, RECONCILE_BACKOFF_MAX_SECONDS)``
(30, 60, 60 ... s by default) since that publish. So a message still queued behind a backlog is
copied at most once a minute, not on every tick. One exception: a Redis that restarted since
the publish (its ``uptime_in_seconds`` is shorter) lost what it held, and the row is due at
once: recovery after an outage does not wait out a backoff. (A Redis with persistence kept the
messages: one extra copy each per restart, dropped as duplicates by the tasks.)
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from surveys.rules import SAFETY_RULES

from ..extensions import db
from ..models import Alert, Checkin, Delivery


def backoff_schedule(period: float, cap: float) -> list[float]:
    """Seconds a row waits after its last publish, by its re-publish count (the last repeats)."""
    waits = [period]
    while waits[-1] < cap:
        waits.append(min(waits[-1] * 2, cap))
    return waits


def republish_due(count, published, now: datetime, lost_before: datetime | None = None):
    """SQL: the row's backoff since its last publish is over (or that publish was lost).

    One comparison per step of the schedule, so that no interval arithmetic is needed (the
    same SQL on SQLite) and each is a plain range on the column.
    """
    config = current_app.config
    waits = backoff_schedule(config["RECONCILE_SECONDS"], config["RECONCILE_BACKOFF_MAX_SECONDS"])
    clauses = [published.is_(None)]
    if lost_before is not None:
        clauses.append(published < lost_before)
    for n, wait in enumerate(waits[:-1]):
        clauses.append(sa.and_(count == n, published <= now - timedelta(seconds=wait)))
    clauses.append(
        sa.and_(count >= len(waits) - 1, published <= now - timedelta(seconds=waits[-1]))
    )
    return sa.or_(*clauses)


def urgent_evaluation():
    """SQL: the check-in's evaluation goes on the urgent queue, as the submit chose
    (``api.pipeline.routing.evaluation_queue``): it endorses a safety item and raised its own
    safety alert, not a repeat attached to an open one."""
    own_alert = (
        sa.exists()
        .where(Alert.checkin_id == Checkin.id, Alert.rule.in_(SAFETY_RULES))
        .correlate(Checkin)
    )
    return sa.and_(Checkin.safety_endorsed.is_(True), own_alert)


def stamp_deliveries(
    delivery_ids, now: datetime, countdowns: dict | None = None, *, republished: bool = False
) -> None:
    """Record one publish of each of these sends (one UPDATE): runnable at ``now`` plus its
    countdown; ``republished`` counts it as the reconciler's."""
    ids = list(delivery_ids)
    if not ids:
        return
    countdowns = countdowns or {}
    due = {i: now + timedelta(seconds=countdowns.get(i) or 0) for i in ids}
    values: dict = {"last_published_at": now}
    if set(due.values()) != {now}:
        values["last_published_at"] = sa.case(
            {i: sa.literal(at, Delivery.last_published_at.type) for i, at in due.items()},
            value=Delivery.id,
        )
    if republished:
        values["enqueue_count"] = Delivery.enqueue_count + 1
    db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def unstamp(model, ids) -> None:
    """Undo the reconciler's stamp of rows it could not publish after all (the broker
    refused): due again at the next tick."""
    ids = list(ids)
    if ids:
        db.session.execute(
            sa.update(model)
            .where(model.id.in_(ids))
            .values(last_published_at=None, enqueue_count=model.enqueue_count - 1)
            .execution_options(synchronize_session=False)
        )
