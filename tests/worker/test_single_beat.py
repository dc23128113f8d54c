"""At most one beat sends (worker/beat.py), with real ``celery beat`` processes on a private
Redis: a second beat started by mistake stands by and sends nothing; when the leader is
SIGKILLed the standby leads within the lock's life; a leader stopped cleanly lets go at once;
a Redis outage shorter than the lock leaves the same leader."""

import os
import signal

import pytest
import redis

from tests.support.worker import spawn_beat, wait_for
from worker.beat import BEAT_LOCK_KEY, lock_seconds

pytestmark = pytest.mark.worker

#: A short lock, so that the take-over is seconds; the reconciler ticks every second.
SETTINGS = {"BEAT_LOCK_SECONDS": "3", "RECONCILE_SECONDS": "1"}
SENT = "Sending due task reconcile"


@pytest.fixture
def beats(database_url, fresh_redis, tmp_path):
    started = []

    def start():
        handle = spawn_beat(database_url, fresh_redis.url, tmp_path, **SETTINGS)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


def leader(url):
    client = redis.Redis.from_url(url)
    try:
        value = client.get(BEAT_LOCK_KEY)
    finally:
        client.close()
    return value.decode() if value else None


def pid_of(name):
    """The pid in a beat's name ``host:pid:suffix``."""
    return int(name.split(":")[1]) if name else None


def test_a_second_beat_stands_by_and_takes_over_when_the_leader_dies(beats, fresh_redis):
    first = beats()
    wait_for(lambda: pid_of(leader(fresh_redis.url)) == first.process.pid, what="a leader")
    wait_for(lambda: first.log().count(SENT) >= 2, timeout=15, what="the leader's ticks")

    second = beats()  # started by mistake, or a standby on another node
    sent_before = first.log().count(SENT)
    wait_for(lambda: first.log().count(SENT) >= sent_before + 3, timeout=15, what="ticks")
    assert pid_of(leader(fresh_redis.url)) == first.process.pid
    assert SENT not in second.log(), second.log()

    os.killpg(first.process.pid, signal.SIGKILL)  # no chance to let go: the lock expires
    first.process.wait(timeout=5)
    wait_for(
        lambda: pid_of(leader(fresh_redis.url)) == second.process.pid,
        timeout=lock_seconds(SETTINGS) + 5,
        what="the standby to lead",
    )
    wait_for(lambda: SENT in second.log(), timeout=10, what="the new leader's ticks")
    assert "leads" in second.log()

    second.stop()  # SIGTERM: a clean stop lets go of the lock at once
    assert leader(fresh_redis.url) is None


def test_after_a_redis_outage_exactly_one_beat_leads_again(beats, fresh_redis):
    first = beats()
    wait_for(lambda: pid_of(leader(fresh_redis.url)) == first.process.pid, what="a leader")
    second = beats()
    fresh_redis.stop()
    fresh_redis.start()  # empty, as after a failover: the lock is gone, either beat may take it
    wait_for(lambda: leader(fresh_redis.url), timeout=15, what="a leader after the outage")
    name = leader(fresh_redis.url)
    led, stood_by = (first, second) if pid_of(name) == first.process.pid else (second, first)
    assert pid_of(name) == led.process.pid
    counts = (led.log().count(SENT), stood_by.log().count(SENT))
    # Through more than a lock's life: the same leader renews, the other sends nothing.
    wait_for(
        lambda: led.log().count(SENT) >= counts[0] + lock_seconds(SETTINGS) + 1,
        timeout=15,
        what="the leader's ticks",
    )
    assert leader(fresh_redis.url) == name
    assert stood_by.log().count(SENT) == counts[1], stood_by.log()
    for handle in (first, second):
        assert handle.process.poll() is None, handle.log()


def test_bad_lock_seconds_stop_the_worker_at_start():
    with pytest.raises(RuntimeError, match="BEAT_LOCK_SECONDS"):
        lock_seconds({"BEAT_LOCK_SECONDS": "soon"})
    with pytest.raises(RuntimeError, match="from 3 to 300"):
        lock_seconds({"BEAT_LOCK_SECONDS": "1"})
    assert lock_seconds({}) == 15
