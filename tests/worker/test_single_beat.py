"""One beat sends at a time (worker/beat.py), with real ``celery beat`` processes on a private
Redis: a second beat started by mistake stands by and sends nothing; when the leader is
SIGKILLed the standby leads within the lock's life and a third; a leader stopped cleanly lets
go at once; Redis frozen for less than the lock leaves the same leader, and Redis restarted
empty gets exactly one leader again."""

import os
import signal
import time

import pytest
import redis

from tests.support.worker import spawn_beat, wait_for
from worker.beat import BEAT_LOCK_KEY, check_lock_seconds, holder_pid

pytestmark = pytest.mark.worker

#: The shortest lock allowed, so that a take-over is seconds; the reconciler ticks every second.
LOCK_SECONDS = 10
SETTINGS = {"BEAT_LOCK_SECONDS": str(LOCK_SECONDS), "RECONCILE_SECONDS": "1"}
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
    """The pid of the beat holding the lock, or None."""
    client = redis.Redis.from_url(url)
    try:
        return holder_pid(client.get(BEAT_LOCK_KEY))
    finally:
        client.close()


def sends(handle):
    return handle.log().count(SENT)


def test_a_second_beat_stands_by_and_takes_over_when_the_leader_dies(beats, fresh_redis):
    first = beats()
    wait_for(lambda: leader(fresh_redis.url) == first.process.pid, what="a leader")
    wait_for(lambda: sends(first) >= 2, timeout=15, what="the leader's ticks")

    second = beats()  # started by mistake, or a standby on another node
    before = sends(first)
    wait_for(lambda: sends(first) >= before + 3, timeout=15, what="more ticks")
    assert leader(fresh_redis.url) == first.process.pid
    assert SENT not in second.log(), second.log()

    os.killpg(first.process.pid, signal.SIGKILL)  # no chance to let go: the lock expires
    first.process.wait(timeout=5)
    killed = time.monotonic()
    wait_for(lambda: SENT in second.log(), timeout=LOCK_SECONDS * 2, what="the standby's ticks")
    assert time.monotonic() - killed <= LOCK_SECONDS * 4 / 3 + 3
    assert leader(fresh_redis.url) == second.process.pid and "leads" in second.log()

    second.stop()  # SIGTERM: a clean stop lets go of the lock at once
    assert leader(fresh_redis.url) is None


def test_redis_frozen_for_less_than_the_lock_keeps_the_leader(beats, fresh_redis):
    first = beats()
    wait_for(lambda: leader(fresh_redis.url) == first.process.pid, what="a leader")
    second = beats()
    fresh_redis.process.send_signal(signal.SIGSTOP)  # a stalled Redis: no renewal, no expiry
    try:
        time.sleep(LOCK_SECONDS / 3)
    finally:
        fresh_redis.process.send_signal(signal.SIGCONT)
    before = sends(first)
    wait_for(lambda: sends(first) >= before + 3, timeout=20, what="the leader ticking again")
    assert leader(fresh_redis.url) == first.process.pid
    assert SENT not in second.log(), second.log()


def test_after_redis_restarts_empty_exactly_one_beat_leads_again(beats, fresh_redis):
    first = beats()
    wait_for(lambda: leader(fresh_redis.url) == first.process.pid, what="a leader")
    second = beats()
    fresh_redis.stop()
    fresh_redis.start()  # empty, as after a failover: the lock is gone, either beat may take it
    pid = wait_for(lambda: leader(fresh_redis.url), timeout=20, what="a leader after the outage")
    led, stood_by = (first, second) if pid == first.process.pid else (second, first)
    assert pid == led.process.pid
    counts = (sends(led), sends(stood_by))
    # Through more than a lock's life: the same leader renews, the other sends nothing.
    wait_for(
        lambda: sends(led) >= counts[0] + LOCK_SECONDS + 1, timeout=25, what="the leader's ticks"
    )
    assert leader(fresh_redis.url) == pid
    assert sends(stood_by) == counts[1], stood_by.log()


def test_a_lock_too_short_or_too_long_is_refused():
    with pytest.raises(RuntimeError, match="from 10 to 300, not 3"):
        check_lock_seconds(3)
    with pytest.raises(RuntimeError, match="not 301"):
        check_lock_seconds(301)
    assert check_lock_seconds(15) == 15


def bare_beat(url, name):
    """A SingleBeat's lock logic on ``url`` without a Celery app (``_lead`` and ``let_go``)."""
    from worker.beat import SingleBeat

    beat = SingleBeat.__new__(SingleBeat)
    beat.leading, beat.name, beat.lock_seconds = False, name, float(LOCK_SECONDS)
    beat.renew_every = LOCK_SECONDS / 3
    beat._client = redis.Redis.from_url(url, socket_timeout=2)
    beat._lock = beat._client.lock(BEAT_LOCK_KEY, timeout=LOCK_SECONDS, thread_local=False)
    return beat


def test_a_clean_stop_lets_go_of_a_lock_holding_its_name_even_unknown_to_it(fresh_redis):
    client = redis.Redis.from_url(fresh_redis.url)
    beat = bare_beat(fresh_redis.url, "node-a:1:abc")
    # A take whose answer was lost: Redis holds this beat's name, the beat does not know it.
    client.set(BEAT_LOCK_KEY, beat.name, px=LOCK_SECONDS * 1000)
    beat.let_go()
    assert client.get(BEAT_LOCK_KEY) is None  # a standby can lead at once
    other = bare_beat(fresh_redis.url, "node-b:2:def")
    client.set(BEAT_LOCK_KEY, other.name, px=LOCK_SECONDS * 1000)
    beat.let_go()
    assert client.get(BEAT_LOCK_KEY) == other.name.encode()  # another's lock is left alone


def test_a_refusal_from_redis_is_an_error_and_no_leadership(fresh_redis, caplog):
    admin = redis.Redis.from_url(fresh_redis.url)
    # A user that may read but not write: Redis answers every take with NOPERM.
    admin.acl_setuser(
        "readonly-beat",
        enabled=True,
        passwords=["+pw"],
        keys=["*"],
        commands=["+@read", "+@connection"],
    )
    try:
        host, port = (
            admin.connection_pool.connection_kwargs["host"],
            admin.connection_pool.connection_kwargs["port"],
        )
        beat = bare_beat(f"redis://readonly-beat:pw@{host}:{port}/0", "node-c:3:ghi")
        beat.leading = True  # it led until its rights were taken away
        with caplog.at_level("ERROR", logger="waypoint.beat"):
            assert beat._lead() is False
        assert beat.leading is False
        assert any("refused the leader lock" in r.getMessage() for r in caplog.records)
        assert admin.get(BEAT_LOCK_KEY) is None
    finally:
        admin.acl_deluser("readonly-beat")
