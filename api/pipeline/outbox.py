"""The rows are the outbox: what each publish records, and when the reconciler may publish again.

A check-in waits for its evaluation, a pending delivery for its send; each remembers when a
message for it was last published (``last_published_at``) and how often the reconciler had to
publish it again (``enqueue_count``). The submit stamps the check-in and its safety sends in
their own INSERTs (a paced send in one UPDATE of the same transaction); a worker's publish of
sends stamps them in one UPDATE after publishing; the reconciler stamps what it re-publishes
in the transaction that claims the rows. A paced send is stamped for when its countdown ends:
held, not stale.

The schedule: a row still outstanding ``RECONCILE_SECONDS`` (P, 30 s) after its last publish is
re-published; after the n-th re-publish it waits ``min(P * 2**n, RECONCILE_BACKOFF_MAX_SECONDS)``
(30, 60, 60 ... s by default) since that publish. Two exceptions:

- A Redis that restarted since the publish (its ``uptime_in_seconds`` is shorter) lost what it
  held: the row is due at once, so recovery after an outage does not wait out a backoff. (A
  Redis with persistence kept the messages: one extra copy each per restart, dropped as
  duplicates by the tasks.)
- A message published to the Redis still running is not lost while it waits in its queue, a
  list that workers take first in, first out. Every message carries its publish time
  (``api.queue.PUBLISHED_AT_HEADER``), and the tick reads it off the oldest message of the
  row's queue (one LINDEX). A row published no earlier than P before that message is still
  queued behind it: not due however long the backlog takes, until
  ``RECONCILE_QUEUED_MAX_SECONDS`` (600 s) after its publish. P is the slack for the time
  between a row's stamp and its message's publish (clocks included). A message a worker has
  taken is ahead of that mark: if the worker died with it, its row is due by its backoff as
  before. So a backlog holds one copy of each outstanding row, not one more per backoff.

What that costs a message lost some other way (a publish refused or never made, a send held
by a worker that died, a worker bug): it is re-published at the first tick after its backoff
at which the workers have taken every message of its queue published up to P after it (the
queue's oldest message is younger), and after ``RECONCILE_QUEUED_MAX_SECONDS`` whatever the
queue holds. An empty queue, or one whose oldest message says nothing, holds nothing back.
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


def republish_due(
    count,
    published,
    now: datetime,
    lost_before: datetime | None = None,
    queued_since: datetime | None = None,
):
    """SQL: the row's backoff since its last publish is over (or that publish was lost), and
    its message is not still waiting behind the oldest one of its queue, published at
    ``queued_since`` (None: the queue is empty, or that is unknown).

    One comparison per step of the schedule, so that no interval arithmetic is needed (the
    same SQL on SQLite) and each is a plain range on the column.
    """
    config = current_app.config
    period = config["RECONCILE_SECONDS"]
    waits = backoff_schedule(period, config["RECONCILE_BACKOFF_MAX_SECONDS"])
    clauses = [published.is_(None)]
    if lost_before is not None:
        clauses.append(published < lost_before)
    steps = [
        sa.and_(count == n, published <= now - timedelta(seconds=wait))
        for n, wait in enumerate(waits[:-1])
    ]
    steps.append(sa.and_(count >= len(waits) - 1, published <= now - timedelta(seconds=waits[-1])))
    backed_off = sa.or_(*steps)
    if queued_since is not None:
        held_for = timedelta(seconds=config["RECONCILE_QUEUED_MAX_SECONDS"])
        backed_off = sa.and_(
            backed_off,
            sa.or_(
                published < queued_since - timedelta(seconds=period),
                published <= now - held_for,
            ),
        )
    clauses.append(backed_off)
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


#: How much the broker's start a tick reads can move from one tick to the next: the Redis's
#: uptime is whole seconds, and ``worker.tasks.common.broker_view`` adds a second of slack.
START_JITTER = timedelta(seconds=1)


def republish_stamp(at: datetime, lost_before: datetime | None) -> datetime:
    """The publish time the reconciler records for what it re-publishes at ``at``, after a
    broker that started at ``lost_before``: not earlier than a second past that start. The
    start is known to a second or two only; a row re-published in those first seconds after a
    restart (the tick came quickly, or two batches raced) must not count as lost at the next
    tick, which would copy every outstanding row once more."""
    if lost_before is None:
        return at
    return max(at, lost_before + START_JITTER)


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
