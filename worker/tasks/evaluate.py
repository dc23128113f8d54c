"""The evaluation task: a thin adapter over ``api.pipeline.evaluate``."""

import uuid

from celery import shared_task
from sqlalchemy.exc import SQLAlchemyError

from api.extensions import db
from api.pipeline.evaluate import evaluate
from api.pipeline.routing import EVALUATE_CHECKIN

from .common import clock, enqueue_deliveries


@shared_task(
    name=EVALUATE_CHECKIN,
    acks_late=True,
    soft_time_limit=30,
    time_limit=60,
    # A database hiccup: retry 1, 2, 4, 8, 16 s; after that the reconciler tries again.
    autoretry_for=(SQLAlchemyError,),
    retry_backoff=1,
    retry_backoff_max=16,
    retry_jitter=False,
    max_retries=5,
)
def evaluate_checkin(checkin_id: str, now: str | None = None) -> dict:
    """Evaluate one check-in; replaying it (or running it twice at once) changes nothing."""
    at = clock(now)
    result = evaluate(uuid.UUID(checkin_id), at)
    db.session.commit()
    for queue, delivery_ids in result.pop("deliveries").items():
        enqueue_deliveries(delivery_ids, queue, at)
    db.session.commit()  # the record of those publishes
    return result
