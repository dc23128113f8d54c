"""What every task shares: the injectable clock, a bounded publish that may wait, what the
reconciler reads off the broker, the retry schedule of the emails that are not alerts."""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app

from api.models.base import utcnow
from api.pipeline.fairness import paced
from api.pipeline.outbox import stamp_deliveries
from api.pipeline.routing import SEND_DELIVERY
from api.queue import PUBLISHED_AT_HEADER

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


@dataclass(frozen=True)
class BrokerView:
    """What the reconciler reads off the broker at each tick (``api.pipeline.outbox``)."""

    #: When the Redis last started, by its own uptime; None if unknown.
    started: datetime | None = None
    #: By queue: when its oldest waiting message was published; None if it is empty, or if that
    #: message carries no publish time.
    oldest: dict = field(default_factory=dict)


def broker_view(queues=("urgent", "default", "bulk")) -> BrokerView:
    """The broker's start and the publish time of the oldest message of each of ``queues``,
    in one round trip; an empty view (plain backoff) if the broker is not Redis or is down.

    A Redis without persistence that restarted lost every message it held: the reconciler
    re-publishes at once what was published before. A message still waiting in its queue is
    not lost: the reconciler leaves alone the rows published after the oldest one.
    """
    celery_app = current_app.extensions["celery"]
    try:
        with celery_app.connection_for_write() as connection:
            client = getattr(connection.default_channel, "client", None)
            if client is None or not hasattr(client, "info"):
                return BrokerView()  # not Redis (the SQLAlchemy broker of `make run`)
            pipe = client.pipeline(transaction=False)
            pipe.info("server")
            for queue in queues:
                # kombu pushes on the left and workers pop on the right: the oldest is last.
                # A queue's list is its plain name: kombu adds lists "<queue>\x06\x16<n>" only
                # for messages published with a priority, and none of ours has one (0, the
                # list named after the queue, whatever queue_order_strategy says).
                pipe.lindex(queue, -1)
            info, *heads = pipe.execute()
    except Exception as exc:  # unknown: plain backoff
        log.info("broker state unknown (%s)", type(exc).__name__)
        return BrokerView()
    # Real time, as the uptime and the publish times are (a task's clock may be a test's).
    # A second of slack: a publish just after the start may count as lost (one copy more),
    # never one just before it as kept. What the reconciler itself re-publishes then is
    # stamped past that window (api.pipeline.outbox.republish_stamp).
    started = utcnow() - timedelta(seconds=float(info["uptime_in_seconds"]) - 1)
    oldest = {queue: _published_at(head) for queue, head in zip(queues, heads, strict=True)}
    return BrokerView(started, oldest)


def _published_at(message) -> datetime | None:
    """The publish time a queued message carries (``api.queue.PUBLISHED_AT_HEADER``)."""
    if message is None:
        return None
    try:
        stamp = json.loads(message)["headers"][PUBLISHED_AT_HEADER]
        return datetime.fromtimestamp(float(stamp), UTC)
    except (ValueError, KeyError, TypeError, OverflowError):
        return None  # not one of ours (or older than the header): it holds nothing back
