"""kombu's Redis transport, with one fix: a worker survives losing Redis with work in flight.

Celery 5.7.0's consumer, on a lost broker connection, first ``collect()``s the connection
(which detaches the transport: ``transport.client = None``) and then ``close()``s it
(celery PR #10242). When the loss found the consumer's channel waiting in BRPOP, collect's
close of that channel stopped early, so close() closes it again: the Redis channel drops its
connection pools, then restores its unacknowledged messages, which builds a new pool from
``transport.client`` - now None. The ``AttributeError`` that follows is not a connection
error, so Celery does not ignore it and the worker exits for good ("Unrecoverable error").

Here that case is what it is, a connection error: the restore is left undone (Redis is down
anyway), the worker reconnects, and the unacknowledged message comes back as every other
does (Redis's unacked index after the visibility timeout; our reconciler within
``RECONCILE_SECONDS`` from the database). docs/operations.md has the whole story.
"""

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    """A channel of a closed connection cannot connect again: say so as a connection error."""

    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise redis.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    """kombu's Redis transport with the channel above (``broker_transport`` of the worker)."""

    Channel = Channel
