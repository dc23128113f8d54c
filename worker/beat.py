"""Beat, one sending at a time: a leader lock in the broker's Redis (``BEAT_LOCK_KEY``).

Every periodic task is harmless twice (unique keys, ``SKIP LOCKED``: docs/reliability.md), yet
a second beat started by mistake, or a standby on a second worker node, would double every
tick. So each beat takes a lock in Redis before it sends anything and renews it every third of
its life (``BEAT_LOCK_SECONDS``, api/config.py): the one holding it is the leader, any other
waits as a standby, sending nothing, and takes over within ``BEAT_LOCK_SECONDS`` and a third
of the leader's loss (its lock expires unrenewed). A leader stopped cleanly lets go at once.
With Redis down nobody can renew, and nobody could publish either; a leader whose lock
outlived the outage keeps it, else the first beat to reach Redis again leads.

The one gap: a leader that stalls longer than the lock between renewing it and publishing
(a machine frozen that long) may publish once after a standby took over. Periodic work is
harmless twice, so that costs a duplicate tick, never a duplicate alert.

A leader that cannot reach Redis tries again every ``RETRY_SECONDS``; a Redis that answers
with a refusal (a permission, say) is no outage and is logged as an error. A new leader runs
what its own node's schedule file says is due: a daily task the old leader ran may run again.

On a broker that is not Redis (``make run``'s SQLite) there is one process and no lock.
"""

import contextlib
import logging
import os
import uuid

import redis
from celery.beat import PersistentScheduler
from redis.exceptions import LockError, RedisError, ResponseError

log = logging.getLogger("waypoint.beat")

#: The lock's key, in the broker's database (one per deployment).
BEAT_LOCK_KEY = "waypoint:beat:leader"
#: How soon a leader that could not reach Redis tries again (at most a third of the lock).
RETRY_SECONDS = 1.0
#: Bounds of BEAT_LOCK_SECONDS: a lock shorter than ten seconds could lapse under one slow
#: renewal (two seconds to connect and two to answer) on a loaded machine.
LOCK_BOUNDS = (10, 300)


def check_lock_seconds(seconds: float) -> float:
    """``seconds`` if it is a usable BEAT_LOCK_SECONDS, else RuntimeError."""
    low, high = LOCK_BOUNDS
    if not low <= seconds <= high:
        raise RuntimeError(f"BEAT_LOCK_SECONDS must be from {low} to {high}, not {seconds:g}")
    return seconds


def holder_pid(value: bytes | str | None) -> int | None:
    """The process id in a lock's value (``host:pid:suffix``), or None."""
    if not value:
        return None
    text = value.decode() if isinstance(value, bytes) else value
    return int(text.split(":")[1])


def lock_client(conf) -> redis.Redis:
    """A client of the broker's Redis with the broker's TLS settings (``broker_use_ssl``)."""
    url = str(conf.broker_url)
    options = {}
    if url.startswith("rediss://") and conf.broker_use_ssl:
        options = {
            k: v
            for k, v in dict(conf.broker_use_ssl).items()
            if k in ("ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
        }
    # Well inside the lock: a renewal that hangs cannot outlast it.
    timeout = min(2.0, float(conf.waypoint_beat_lock_seconds) / 6)
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, **options
    )


class SingleBeat(PersistentScheduler):
    """Celery's own persistent scheduler, ticking only while it holds the leader lock."""

    def __init__(self, *args, **kwargs):
        self.leading = False
        self._lock = None
        super().__init__(*args, **kwargs)

    def setup_schedule(self):
        super().setup_schedule()
        self.lock_seconds = check_lock_seconds(float(self.app.conf.waypoint_beat_lock_seconds))
        # A third of the lock's life between renewals: one late renewal does not lose it.
        self.renew_every = self.lock_seconds / 3
        self.name = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._client = lock_client(self.app.conf)
        self._lock = self._client.lock(
            BEAT_LOCK_KEY, timeout=self.lock_seconds, blocking=False, thread_local=False
        )

    def tick(self, *args, **kwargs):
        if not self._lead():
            # A leader that could not reach Redis tries again within a second, so that an
            # outage shorter than the lock keeps it; a standby has no hurry.
            return min(RETRY_SECONDS, self.renew_every) if self.leading else self.renew_every
        return min(super().tick(*args, **kwargs), self.renew_every)

    def _lead(self) -> bool:
        """Renew the lock if ours, else try to take it; whether this beat leads now.

        The lock's value is this beat's name (``GET waypoint:beat:leader`` says who leads)."""
        try:
            if self.leading:
                try:
                    self._lock.reacquire()
                    return True
                except LockError:  # expired (a long stall, an outage) or taken by another
                    self.leading = False
                    log.warning("beat %s lost the leader lock; standing by", self.name)
            if self._lock.acquire(blocking=False, token=self.name) or self._adopt():
                self.leading = True
                log.warning("beat %s leads (lock of %g s)", self.name, self.lock_seconds)
                return True
            return False
        except ResponseError as exc:
            # Redis answered and refused (a permission, a script): no outage that ends by itself,
            # and no beat sends while it lasts. Said loudly, and this beat does not lead.
            self.leading = False
            log.error("beat %s: Redis refused the leader lock (%s)", self.name, exc)
            return False
        except RedisError as exc:
            # Still ours if Redis comes back before it expires: ``leading`` stays as it was.
            log.warning("beat %s cannot reach the lock (%s)", self.name, type(exc).__name__)
            return False

    def _adopt(self) -> bool:
        """Whether the lock holds this beat's own name: a take whose answer was lost on the
        way back (a timeout after Redis had set it). Then it is ours to renew."""
        if self._client.get(BEAT_LOCK_KEY) != self.name.encode():
            return False
        self._lock.local.token = self.name.encode()
        return True

    def close(self):
        try:
            super().close()
        finally:
            self.let_go()

    def let_go(self) -> None:
        """Release the lock if it holds this beat's name, whether or not this beat knew it led
        (a stop between the take and ``leading``, a take whose answer was lost): a standby
        then leads at once. Another beat's lock is left alone (the release compares names)."""
        self.leading = False
        if self._lock is None:
            return
        self._lock.local.token = self.name.encode()
        # Expired already, another's, or Redis is away: then the lock lapses by itself.
        with contextlib.suppress(LockError, RedisError):
            self._lock.release()
