"""How many check-ins a patient and a device may send; a safety answer is never limited.

A person answers a few questionnaires a day at most (PHQ-9, GAD-7, the ASQ that follows an
item-9 answer, one after a session); a phone back after days offline sends its queue in one
go. So, for check-ins that endorse no safety item:

- per device (the patient's signed-in session: one phone): ``CHECKIN_LIMIT_PER_DEVICE``,
  6 per minute by default;
- per patient, over all their devices: ``CHECKIN_LIMIT_PER_PATIENT``, 10 per minute and 60
  per day by default (ten times the busiest real day).

Beyond them the answer is a 429 with Retry-After; the PWA's outbox keeps the check-in and
sends it again later (``pwa/js/outbox.js``), so nothing is lost. A check-in that endorses a
safety item is never counted nor refused: a flood of those is absorbed by the patient's one
open alert (``api.pipeline.alerts``), not by a refusal. Counters live in the limiter's storage
(Redis in production, shared by every process); if that storage fails, check-ins are let
through rather than refused.
"""

import functools
import logging
import math
import time

from flask import current_app
from limits import parse_many

from ..errors import Throttled
from ..extensions import limiter

log = logging.getLogger("waypoint.checkins")

MESSAGE = "Too many check-ins just now. They are kept on your phone and sent again later."


def count_checkin(patient_id, device: str) -> None:
    """Count one check-in that endorses no safety item, or raise Throttled if over a limit.

    One round trip per budget (the storage's own hit-if-room): the device's first, then the
    patient's, so a device over its limit uses none of the patient's budget.
    """
    if not limiter.enabled:
        return
    config = current_app.config
    try:
        budgets = [
            (item, key)
            for setting, key in (
                ("CHECKIN_LIMIT_PER_DEVICE", f"checkins:device:{device}"),
                ("CHECKIN_LIMIT_PER_PATIENT", f"checkins:patient:{patient_id}"),
            )
            for item in _rates(config[setting])
        ]
    except ValueError:  # a misconfigured limit must not refuse every patient
        log.error("CHECKIN_LIMIT_PER_DEVICE or _PER_PATIENT is not a rate; limits not applied")
        return
    strategy = limiter.limiter
    try:
        for item, key in budgets:
            if not strategy.hit(item, key):
                reset = strategy.get_window_stats(item, key).reset_time
                break
        else:
            return
    except Exception as exc:  # the limit storage is down: never refuse a patient for it
        log.warning("check-in limits not applied (%s)", type(exc).__name__)
        return
    retry_after = max(1, math.ceil(reset - time.time()))
    raise Throttled(MESSAGE, retry_after, reason="checkin_rate")


@functools.lru_cache(maxsize=16)
def _rates(text: str) -> tuple:
    """The rate items of a setting like "10 per minute; 60 per day" (parsed once per text)."""
    return tuple(parse_many(text))
