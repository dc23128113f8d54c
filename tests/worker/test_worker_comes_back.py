"""Workers that come back (issue #16, item 1): a Redis stop with a message in flight.

A chaos soak saw a worker exit for good on a Redis outage about 1 time in 9, with
``Unrecoverable error: AttributeError("'NoneType' object has no attribute 'hostname'")``
from kombu's ``restore_unacked`` -> ``_connparams`` while one message was unacknowledged
(docs/operations.md says why and what Waypoint does about it).
"""

import contextlib
import time

import pytest
import sqlalchemy as sa
from kombu import Connection, Consumer, Exchange, Producer, Queue

from api.models import Checkin
from tests.support.answers import checkin_body, phq9
from tests.support.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.timeout(240)]

OUTAGES = 3


def _two_channels_in_brpop(url, transport):
    """A connection as a consumer holds it: two channels waiting in BRPOP, each with one
    message delivered and not acknowledged."""
    from api.queue import REDIS_TRANSPORT_OPTIONS

    conn = Connection(url, transport=transport, transport_options=REDIS_TRANSPORT_OPTIONS)
    held = []
    channels = [conn.default_channel, conn.channel()]  # the task consumer's and another's
    for number, channel in enumerate(channels):
        queue = Queue(f"q{number}", Exchange(f"q{number}"), routing_key=f"q{number}")
        Producer(channel).publish(
            {"n": number}, exchange=queue.exchange, routing_key=queue.name, declare=[queue]
        )
        Consumer(channel, [queue], callbacks=[lambda body, message: held.append(message)]).consume()
    while len(held) < 2:
        conn.drain_events(timeout=2)
    with contextlib.suppress(TimeoutError):
        conn.drain_events(timeout=0.3)  # nothing more: both channels wait in BRPOP
    return conn, channels


def test_kombus_redis_transport_crashes_where_the_workers_does_not(fresh_redis):
    """The cause, without a worker: ``collect()`` detaches the transport while a channel stays
    open (its close stopped at the lost BRPOP), and ``close()`` then restores that channel's
    unacknowledged message through ``transport.client``, which is None."""
    outcomes = {}
    for transport in ("redis", "worker.broker:Transport"):
        if fresh_redis.process is None:
            fresh_redis.start()
        conn, channels = _two_channels_in_brpop(fresh_redis.url, transport)
        fresh_redis.stop()
        # What celery 5.7.0's Consumer.on_connection_error_after_connected does.
        conn.collect(socket_timeout=0.5)
        try:
            conn.close()
        except Exception as exc:  # noqa: BLE001  (what kombu raises is the finding)
            outcomes[transport] = exc
        else:
            outcomes[transport] = None
        for channel in channels:  # test messages: nothing to restore when the tests exit
            channel.qos.restore_at_shutdown = False
    stock = outcomes["redis"]
    assert isinstance(stock, AttributeError) and "hostname" in str(stock), outcomes
    assert outcomes["worker.broker:Transport"] is None


def _post(live, answers):
    response = live.client.post(
        "/api/v1/checkins", json=checkin_body(answers), headers={"X-CSRF-Token": live.csrf}
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def _waiting_on_lock(session):
    session.rollback()
    return session.scalar(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


def _unevaluated(session):
    session.rollback()
    return session.scalar(
        sa.select(sa.func.count()).select_from(Checkin).where(Checkin.evaluated_at.is_(None))
    )


def _losses(worker):
    return worker.log().count("Connection to broker lost")


def _exited(worker):
    return worker.process.poll() is not None


def _replays_done(worker):
    return worker.log().count("{'status': 'already_evaluated'}")


def test_a_redis_stop_with_a_message_in_flight_leaves_the_worker_running(
    committed_team, committed_db, live
):
    """Each outage meets an evaluation blocked half-way (delivered, not acknowledged).

    Two pool processes, so that the consumer is waiting in BRPOP when Redis goes: the state
    in which kombu 5.7.0 / celery 5.7.0 crashed on the first outage without worker/broker.py.
    After each outage the worker consumes again.
    """
    from api.extensions import db

    worker = live.start_worker(beat=True, concurrency=2, chatty=True)
    celery_app = live.web.extensions["celery"]

    def replay(checkin_id):  # harmless: evaluations are idempotent
        celery_app.send_task("waypoint.evaluate_checkin", args=[checkin_id], queue="default")

    checkin_id = _post(live, phq9(q1=1))
    wait_for(lambda: _unevaluated(committed_db) == 0, timeout=60, what="the evaluation")
    for outage in range(OUTAGES):
        holder = db.engine.connect()
        blocker = holder.begin()
        holder.execute(
            sa.text("SELECT id FROM checkins WHERE id = :id FOR UPDATE"), {"id": checkin_id}
        )
        try:
            replay(checkin_id)  # stops half-way on the row lock
            wait_for(
                lambda: _waiting_on_lock(committed_db),
                timeout=30,
                what="the evaluation to block on its check-in row",
            )
            lost = _losses(worker)
            live.redis.stop()
            wait_for(
                lambda lost=lost: _losses(worker) > lost or _exited(worker),
                timeout=30,
                what="the worker to notice the outage",
            )
            time.sleep(1.5)  # it retries the broker while it is down (an exit takes a moment)
        finally:
            blocker.rollback()
            holder.close()
        live.redis.start()  # empty, like a failover without persistence
        assert "Unrecoverable error" not in worker.log(), worker.log()[-6000:]
        done = _replays_done(worker)
        replay(checkin_id)
        wait_for(
            lambda done=done: _replays_done(worker) > done or _exited(worker),
            timeout=60,
            what=f"the worker to consume again after outage {outage + 1}",
        )
        assert not _exited(worker), worker.log()[-6000:]
    _post(live, phq9(q1=2))
    wait_for(lambda: _unevaluated(committed_db) == 0, timeout=60, what="a new check-in evaluated")
