"""What every task shares: the injectable clock, a bounded publish that may wait, the broker's
start, the retry schedule of the emails that are not alerts."""

import logging
from datetime import UTC, datetime, timedelta

from flask import current_app

from api.models.base import utcnow
from api.pipeline.fairness import paced
from api.pipeline.outbox import stamp_deliveries
from api.pipeline.routing import SEND_DELIVERY

from ..channels import DeliveryError

log = logging.getLogger("waypoint.worker")

#: The task options of an email that is not an alert (an account notice, an invite): idempotent,
#: so acked late; a few tries over about a quarter of an hour (1, 2, 4, 8 min), then the failure
#: is logged (what the person still has instead is said at each task).
EMAIL_TASK = {
    "acks_late": True,
    "soft_time_limit": 60,
    "time_limit": 90,
    "autoretry_for": (DeliveryError,),
    "retry_backoff": 60,
    "retry_backoff_max": 480,
    "retry_jitter": False,
    "max_retries": 4,
}


def clock(now: str | None) -> datetime:
    """The task's notion of now: an ISO time passed by a test or a replay, else the real one."""
    if not now:
        return utcnow()
    value = datetime.fromisoformat(now)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def enqueue(
    task_name: str,
    args: list,
    queue: str,
    countdown: float | None = None,
    expires: float | None = None,
) -> bool:
    """Publish a task after this task's commit; False (logged) if the broker refused.

    Losing a publish loses nothing: the rows are committed, and the reconciler re-enqueues
    unevaluated check-ins and pending deliveries.
    """
    celery_app = current_app.extensions["celery"]
    try:
        celery_app.send_task(
            task_name, args=args, queue=queue, countdown=countdown, expires=expires, retry=False
        )
    except Exception as exc:  # broker down: the reconciler has it
        log.warning(
            "publish of %s failed (%s); left for the reconciler", task_name, type(exc).__name__
        )
        return False
    return True


def enqueue_deliveries(delivery_ids, queue: str, now: datetime | None = None) -> bool:
    """Publish one send task per delivery, paced per clinic (``api.pipeline.fairness``), and
    record the publishes in one UPDATE (``api.pipeline.outbox``) for the task to commit.

    Stops at the first refused publish (False): the broker is down, and the rows are the
    outbox the reconciler sends again; trying each of the rest would only wait on it.
    ``now``: the calling task's clock, for the record (pacing counts in real time).
    """
    delivery_ids = list(delivery_ids)
    if not delivery_ids:
        return True
    countdowns = paced(delivery_ids, utcnow())
    now = now or utcnow()
    published = publish_sends(delivery_ids, queue, countdowns)
    # After the publish: a worker killed in between leaves the older stamp, and the row is
    # at worst published once more, never held back. The calling task commits it.
    stamp_deliveries(published, now, countdowns)
    return len(published) == len(delivery_ids)


def publish_sends(delivery_ids, queue: str, countdowns: dict) -> list:
    """Publish one send per delivery with its countdown; the ids published, up to the first
    refusal."""
    published = []
    for delivery_id in delivery_ids:
        if not enqueue(
            SEND_DELIVERY, [delivery_id], queue, countdown=countdowns.get(delivery_id) or None
        ):
            break
        published.append(delivery_id)
    return published


def broker_started_at(now: datetime) -> datetime | None:
    """When the broker (a Redis) last started, by its own uptime; None if unknown.

    A Redis without persistence that restarted lost every message it held: the reconciler
    re-publishes at once what was published before, whatever its backoff.
    """
    celery_app = current_app.extensions["celery"]
    try:
        with celery_app.connection_for_write() as connection:
            client = getattr(connection.default_channel, "client", None)
            if client is None or not hasattr(client, "info"):
                return None  # not Redis (the SQLAlchemy broker of `make run`)
            uptime = client.info("server")["uptime_in_seconds"]
    except Exception as exc:  # unknown: plain backoff
        log.info("broker uptime unknown (%s)", type(exc).__name__)
        return None
    # A second of slack: a publish just after the start may count as lost (one copy more),
    # never one just before it as kept.
    return now - timedelta(seconds=float(uptime) - 1)
