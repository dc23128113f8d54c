"""What every task shares: the injectable clock and a bounded publish that may wait."""

import logging
from datetime import UTC, datetime

from flask import current_app

from api.models.base import utcnow
from api.pipeline.fairness import paced
from api.pipeline.routing import SEND_DELIVERY

log = logging.getLogger("waypoint.worker")


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


def enqueue_deliveries(delivery_ids, queue: str) -> bool:
    """Publish one send task per delivery, paced per clinic (``api.pipeline.fairness``).

    Stops at the first refused publish (False): the broker is down, and the rows are the
    outbox the reconciler sends again; trying each of the rest would only wait on it.
    """
    delivery_ids = list(delivery_ids)
    if not delivery_ids:
        return True
    countdowns = paced(delivery_ids, utcnow())
    for delivery_id in delivery_ids:
        if not enqueue(
            SEND_DELIVERY, [delivery_id], queue, countdown=countdowns[delivery_id] or None
        ):
            return False
    return True
