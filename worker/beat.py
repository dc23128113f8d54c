"""Beat, at most one at a time: a leader lock in the broker's Redis (``BEAT_LOCK_KEY``).

Production means to run one beat, and every periodic task is harmless twice (unique keys,
``SKIP LOCKED``: docs/reliability.md), yet a second beat started by mistake, or a standby on
a second worker node, would double every tick. So each beat takes a lock in Redis before it
sends anything and renews it at each tick: the one holding it is the leader, any other waits
as a standby, sending nothing, and takes over within ``BEAT_LOCK_SECONDS`` when the leader
dies (its lock expires). A leader stopped cleanly lets go at once. With Redis down nobody can
renew, and nobody could publish either; the first beat to reach it again leads.

On a broker that is not Redis (``make run``'s SQLite) there is one process and no lock.
"""

import contextlib
import logging
import os
import uuid

import redis
from celery.beat import PersistentScheduler
from redis.exceptions import LockError, RedisError

log = logging.getLogger("waypoint.beat")

#: The lock's key, in the broker's database (one per deployment).
BEAT_LOCK_KEY = "waypoint:beat:leader"


def lock_seconds(environ=os.environ) -> float:
    """How long a leader's lock lasts unrenewed: the longest a standby waits after the leader
    died (BEAT_LOCK_SECONDS, 15 by default, at least 3)."""
    raw = environ.get("BEAT_LOCK_SECONDS", "").strip() or "15"
    try:
        seconds = float(raw)
    except ValueError:
        raise RuntimeError(f"BEAT_LOCK_SECONDS must be a number of seconds, not {raw!r}") from None
    if not 3 <= seconds <= 300:
        raise RuntimeError("BEAT_LOCK_SECONDS must be from 3 to 300")
    return seconds


class SingleBeat(PersistentScheduler):
    """Celery's own persistent scheduler, ticking only while it holds the leader lock."""

    def __init__(self, *args, **kwargs):
        self.lock_seconds = lock_seconds()
        # A third of the lock's life between renewals: one late tick does not lose it.
        self.renew_every = self.lock_seconds / 3
        self.leading = False
        self._lock = None
        super().__init__(*args, **kwargs)

    def setup_schedule(self):
        super().setup_schedule()
        client = redis.Redis.from_url(
            str(self.app.conf.broker_url), socket_timeout=2, socket_connect_timeout=2
        )
        self._lock = client.lock(
            BEAT_LOCK_KEY, timeout=self.lock_seconds, blocking=False, thread_local=False
        )
        self.name = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def tick(self, *args, **kwargs):
        if not self._lead():
            return self.renew_every
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
            if self._lock.acquire(blocking=False, token=self.name):
                self.leading = True
                log.warning("beat %s leads (lock of %g s)", self.name, self.lock_seconds)
                return True
            return False
        except RedisError as exc:
            # Still ours if Redis comes back before it expires: ``leading`` stays as it was.
            log.warning("beat %s cannot reach the lock (%s)", self.name, type(exc).__name__)
            return False

    def close(self):
        try:
            super().close()
        finally:
            if self.leading:
                self.leading = False
                # Expired already, or Redis is away: then the lock lapses by itself.
                with contextlib.suppress(LockError, RedisError):
                    self._lock.release()
