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
(Redis in production, shared by every process, all budgets of a check-in counted in one
round trip); if that storage fails, check-ins are let through rather than refused.
"""

import functools
import logging
import math
import time

from flask import current_app
from limits import parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from ..errors import Throttled
from ..extensions import limiter

log = logging.getLogger("waypoint.checkins")

MESSAGE = "Too many check-ins just now. They are kept on your phone and sent again later."


def count_checkin(patient_id, device: str) -> None:
    """Count one check-in that endorses no safety item, or raise Throttled if over a limit.

    The device's budget first, then the patient's, so a device over its limit uses none of
    the patient's budget: in one round trip on Redis (``_HIT_IN_ORDER``), otherwise one hit
    per budget through the limiter's own strategy.
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
    try:
        retry_after = _hit_in_order(limiter.limiter, budgets)
    except Exception as exc:  # the limit storage is down: never refuse a patient for it
        log.warning("check-in limits not applied (%s)", type(exc).__name__)
        return
    if retry_after is not None:
        raise Throttled(MESSAGE, retry_after, reason="checkin_rate")


#: The fixed-window counters of the ``limits`` library (its keys, its INCRBY and EXPIRE when a
#: window opens), hit in order until one is over: that one's position and seconds to reset.
#: One EVALSHA instead of one per budget and another for the reset (three EVALSHAs were 0.8 ms
#: of an 8.4 ms POST under cProfile; bench/RESULTS.md, session 15).
_HIT_IN_ORDER = """
for i, key in ipairs(KEYS) do
    local current = redis.call("incrby", key, 1)
    if current == 1 then
        redis.call("expire", key, ARGV[2 * i])
    end
    if current > tonumber(ARGV[2 * i - 1]) then
        return {i, redis.call("ttl", key)}
    end
end
return {0, 0}
"""


def _hit_in_order(strategy, budgets) -> int | None:
    """Hit each ``(item, key)`` budget in order until one is over; its Retry-After, or None."""
    storage = strategy.storage
    if isinstance(strategy, FixedWindowRateLimiter) and _one_node_redis(storage):
        keys, args = [], []
        for item, key in budgets:
            keys.append(storage.prefixed_key(item.key_for(key)))
            args += [item.amount, item.get_expiry()]
        over, ttl = _script(storage)(keys, args)
        return max(1, int(ttl)) if over else None
    for item, key in budgets:  # memory:// (``make run``), a cluster, another strategy
        if not strategy.hit(item, key):
            reset = strategy.get_window_stats(item, key).reset_time
            return max(1, math.ceil(reset - time.time()))
    return None


def _one_node_redis(storage) -> bool:
    # A cluster would refuse one script over keys of different slots (CROSSSLOT).
    return isinstance(storage, RedisStorage) and not isinstance(storage, RedisClusterStorage)


@functools.lru_cache(maxsize=4)
def _script(storage):
    """The script registered on ``storage``'s client (loaded into Redis at its first call)."""
    return storage.get_connection().register_script(_HIT_IN_ORDER)


@functools.lru_cache(maxsize=16)
def _rates(text: str) -> tuple:
    """The rate items of a setting like "10 per minute; 60 per day" (parsed once per text)."""
    return tuple(parse_many(text))
