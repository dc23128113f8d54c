"""The worker's consumer heartbeat, which readiness reads (api/health/consumers.py).

A step of Celery's consumer, so that its beats are the consumer's own: they run on the
consumer's event loop, start once it consumes, stop whenever it loses the broker (the step
is stopped for the reconnect and started again after it) and end when the worker stops.
A stuck event loop or a dead process stops beating too, which a thread of its own would not.
"""

import contextlib
import logging

import redis
from celery import bootsteps

from api.health import consumers

log = logging.getLogger("waypoint.heartbeat")


class ConsumerHeartbeat(bootsteps.StartStopStep):
    """Every ``interval`` seconds, stamp this worker as a live consumer of its queues."""

    requires = ("celery.worker.consumer.tasks:Tasks",)
    #: Set from CONSUMER_HEARTBEAT_SECONDS by worker/celery_app.py.
    interval = 10.0

    def __init__(self, c, **kwargs):
        super().__init__(c, **kwargs)
        self.tref = None
        self.conn = None
        self.queues: tuple[str, ...] = ()
        self.failing = False

    def start(self, c):
        url = c.app.conf.broker_url
        if not consumers.is_redis(url):
            return
        self.conn = self.conn or consumers.client(url)
        self._beat(c)
        self.tref = c.timer.call_repeatedly(self.interval, self._beat, (c,), priority=10)

    def stop(self, c):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    def shutdown(self, c):
        """A clean stop leaves readiness at once instead of after the stale time."""
        self.stop(c)
        if self.conn is not None and self.queues:
            with contextlib.suppress(redis.RedisError):  # else it ages out
                consumers.leave(self.conn, c.hostname, self.queues)
            self.conn.close()

    def _beat(self, c):
        task_consumer = c.task_consumer
        if task_consumer is None:
            return
        self.queues = tuple(queue.name for queue in task_consumer.queues)
        try:
            consumers.beat(self.conn, c.hostname, self.queues)
        except redis.RedisError as exc:
            # The consumer notices a lost broker itself; say it once, not every beat.
            if not self.failing:
                log.warning("consumer heartbeat not written (%s)", type(exc).__name__)
            self.failing = True
        else:
            self.failing = False
