"""Which queues have a live consumer: a heartbeat every worker writes, readiness reads.

Each worker's consumer loop (worker/heartbeat.py) stamps its name, every
``CONSUMER_HEARTBEAT_SECONDS``, into one sorted set per queue it consumes, scored with
Redis's own clock; readiness counts per queue the names stamped within
``CONSUMER_STALE_SECONDS``. Both are one round trip (a script), whatever the number of
workers, and no clock but Redis's is compared. A worker that stops cleanly removes its name
at once; one killed ages out. Only on a Redis broker (``make run``'s SQLite broker has none).

Cheaper and sturdier than Celery's ``inspect ping``: that broadcasts to every worker and
waits out a timeout for replies on each probe, needs remote control on, and says nothing
of which queues a worker takes.
"""

import redis

#: One sorted set per queue: member = worker name, score = Redis time of its last beat.
KEY = "waypoint:consumers:{queue}"
#: Names older than this leave the set (a worker gone for good), and an unused set expires.
FORGET_SECONDS = 3600

_BEAT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, t, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', t - tonumber(ARGV[2]))
  redis.call('EXPIRE', key, ARGV[2])
end
return 1
"""

_COUNT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('ZCOUNT', key, t - tonumber(ARGV[1]), '+inf')
end
return counts
"""


def is_redis(url: str) -> bool:
    """The heartbeat lives in the broker's Redis; other brokers have none."""
    return str(url).startswith(("redis://", "rediss://"))


def client(url: str) -> redis.Redis:
    """A small client of the broker's Redis with the broker's bounded timeouts."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def beat(conn: redis.Redis, worker: str, queues) -> None:
    """Stamp ``worker`` as a live consumer of ``queues``, now."""
    keys = [KEY.format(queue=queue) for queue in queues]
    conn.eval(_BEAT, len(keys), *keys, worker, FORGET_SECONDS)


def leave(conn: redis.Redis, worker: str, queues) -> None:
    """A worker stopping cleanly: no longer a consumer of ``queues``."""
    with conn.pipeline() as pipe:
        for queue in queues:
            pipe.zrem(KEY.format(queue=queue), worker)
        pipe.execute()


def live_consumers(conn: redis.Redis, queues, stale_seconds: float) -> dict[str, int]:
    """How many workers beat for each queue within the last ``stale_seconds``."""
    keys = [KEY.format(queue=queue) for queue in queues]
    counts = conn.eval(_COUNT, len(keys), *keys, stale_seconds)
    return dict(zip(queues, (int(n) for n in counts), strict=True))
