"""The reconciler never floods: a stale row is re-published with backoff since its last publish,
in bounded batches per tick, urgent work first; a paced send held by its countdown is not
stale; and with a real worker on a private Redis stopped again and again, every check-in is
evaluated while the queue holds about one copy of each outstanding one."""

import base64
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa

import surveys
from api.checkins.operations import scored_checkin
from api.models import Alert, Checkin, Delivery
from api.pipeline.outbox import backoff_schedule
from tests.support.answers import phq9, submit
from tests.support.worker import wait_for
from worker.tasks import periodic

T0 = datetime.now(UTC).replace(microsecond=0)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def stored_checkin(session, patient, answers=None, *, urgent=False, received=T0):
    """A check-in row received at ``received`` and published then (as the submit does); an
    ``urgent`` one endorses item 9 and raised its own safety alert."""
    definition = surveys.get_definition("phq9")
    answers = answers or (phq9(q9=1) if urgent else phq9(q1=1))
    row = scored_checkin(
        patient,
        definition,
        answers,
        surveys.score(definition, answers),
        completed_at=received,
        received_at=received,
        last_published_at=received,
    )
    session.add(row)
    session.flush()
    if urgent:
        session.add(safety_alert(patient, row.id))
        session.flush()
    return row


def safety_alert(patient, checkin_id=None, priority="urgent"):
    return Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        checkin_id=checkin_id,
        dedupe_key=f"test:{uuid.uuid4()}",
        rule="suicidal_ideation",
        priority=priority,
        reason="test",
    )


def deliveries_of(session, alert, count, *, due=T0, published=T0):
    rows = [
        Delivery(
            alert_id=alert.id,
            channel="email",
            recipient=f"staff:{n}",
            status="pending",
            next_attempt_at=due,
            created_at=due,
            last_published_at=published,
        )
        for n in range(count)
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def fan_out(redis_url):
    """The batches a tick published, oldest first: (task name, ids)."""
    client = redis.Redis.from_url(redis_url)
    batches = []
    while (raw := client.rpop("periodic")) is not None:
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        batches.append((message["headers"]["task"], args[0]))
    client.close()
    return batches


def queued(redis_url, *queues, task="waypoint.evaluate_checkin"):
    """The first argument of every ``task`` message waiting in these queues (with repeats)."""
    client = redis.Redis.from_url(redis_url)
    found = []
    for queue in queues:
        for raw in client.lrange(queue, 0, -1):
            message = json.loads(raw)
            if message["headers"]["task"] == task:
                found.append(json.loads(base64.b64decode(message["body"]))[0][0])
    client.close()
    return found


@pytest.fixture
def empty_queues(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.delete("urgent", "periodic", "default", "planning", "bulk")
    yield
    client.close()


def test_the_schedule_doubles_from_the_period_to_the_cap():
    assert backoff_schedule(30, 60) == [30, 60]
    assert backoff_schedule(1, 60) == [1, 2, 4, 8, 16, 32, 60]
    assert backoff_schedule(30, 30) == [30]


def test_a_row_published_recently_waits_out_its_backoff(
    app, team, db_session, run_tick, redis_url, empty_queues
):
    row = stored_checkin(db_session, team.patient)
    # Published at T0 (by the submit): due one period later, not before.
    assert run_tick("waypoint.reconcile", now=at(29))["checkins"] == 0
    assert run_tick("waypoint.reconcile", now=at(31))["checkins"] == 1
    # Re-published at +31 s: now 60 s, however many ticks come in between.
    for moment in (32, 45, 61, 90):
        assert run_tick("waypoint.reconcile", now=at(moment))["checkins"] == 0, moment
    assert run_tick("waypoint.reconcile", now=at(92))["checkins"] == 1
    # The cap: 60 s again, not 120.
    assert run_tick("waypoint.reconcile", now=at(151))["checkins"] == 0
    assert run_tick("waypoint.reconcile", now=at(153))["checkins"] == 1
    db_session.refresh(row)
    assert row.enqueue_count == 3
    assert row.last_published_at == T0 + timedelta(seconds=153)
    assert queued(redis_url, "default") == [str(row.id)] * 3


def test_each_tick_is_bounded_and_the_next_one_takes_the_rest(
    app, team, db_session, run_task, run_tick, redis_url, empty_queues, monkeypatch
):
    monkeypatch.setattr(periodic, "RECONCILE_LIMIT", 5)
    monkeypatch.setattr(periodic, "RECONCILE_BATCH", 2)
    rows = [
        stored_checkin(db_session, team.patient, received=T0 + timedelta(milliseconds=n))
        for n in range(7)
    ]
    run_task("waypoint.reconcile", now=at(40))
    batches = fan_out(redis_url)
    assert [len(ids) for _, ids in batches] == [2, 2, 1]  # five, in batches of two
    assert [i for _, ids in batches for i in ids] == [str(r.id) for r in rows[:5]]  # oldest first
    # Run with its batches: the five are stamped, so the next tick takes the rest.
    assert run_tick("waypoint.reconcile", now=at(40))["checkins"] == 5
    assert run_tick("waypoint.reconcile", now=at(41))["checkins"] == 2
    assert run_tick("waypoint.reconcile", now=at(42))["checkins"] == 0


def test_urgent_work_goes_first_and_a_repeat_is_not_urgent(
    app, team, db_session, run_task, run_tick, redis_url, empty_queues, monkeypatch
):
    patient = team.patient

    # Routine check-ins received before the urgent ones: oldest first would put them ahead.
    def ms(n):
        return T0 + timedelta(milliseconds=n)

    routine = [stored_checkin(db_session, patient, received=ms(n)) for n in range(3)]
    # A safety answer attached to an open alert raised no alert of its own: a repeat.
    repeat = stored_checkin(db_session, patient, phq9(q9=2), received=ms(3))
    later = T0 + timedelta(seconds=1)
    urgent = [
        stored_checkin(db_session, patient, urgent=True, received=later + timedelta(milliseconds=n))
        for n in range(2)
    ]
    routine_alert = safety_alert(patient, priority="routine")
    urgent_alert = safety_alert(patient, priority="urgent")
    db_session.add_all([routine_alert, urgent_alert])
    db_session.flush()
    routine_sends = deliveries_of(db_session, routine_alert, 2)
    urgent_sends = deliveries_of(db_session, urgent_alert, 2, due=later, published=later)

    run_task("waypoint.reconcile", now=at(40))
    assert fan_out(redis_url) == [
        ("waypoint.requeue_checkins", [str(r.id) for r in urgent]),
        ("waypoint.requeue_deliveries", [str(i) for i in urgent_sends]),
        ("waypoint.requeue_checkins", [str(r.id) for r in [*routine, repeat]]),
        ("waypoint.requeue_deliveries", [str(i) for i in routine_sends]),
    ]
    # With room for the urgent ones only, the routine ones wait for the next tick.
    monkeypatch.setattr(periodic, "RECONCILE_LIMIT", 2)
    assert run_tick("waypoint.reconcile", now=at(40)) == {"checkins": 2, "deliveries": 2}
    assert sorted(queued(redis_url, "urgent")) == sorted(str(r.id) for r in urgent)
    assert sorted(queued(redis_url, "urgent", task="waypoint.send_delivery")) == urgent_sends
    assert run_tick("waypoint.reconcile", now=at(41)) == {"checkins": 2, "deliveries": 2}
    # The repeat's evaluation is routine work: on default, as its submit put it.
    assert set(queued(redis_url, "default")) <= {str(r.id) for r in [*routine, repeat]}
    assert str(repeat.id) not in queued(redis_url, "urgent")


def test_a_paced_send_held_by_its_countdown_is_not_republished(
    app, team, db_session, run_tick, redis_url, empty_queues, monkeypatch
):
    from api.pipeline import fairness
    from worker.tasks.common import enqueue_deliveries

    # A clinic's burst: past SEND_BURST sends, each further burst is held a step longer.
    monkeypatch.setattr(fairness, "SEND_STEP", 45.0)
    alert = safety_alert(team.patient, priority="routine")
    db_session.add(alert)
    db_session.flush()
    ids = deliveries_of(db_session, alert, fairness.SEND_BURST + 3, published=None)
    assert enqueue_deliveries(ids, "default", T0)
    at_once, held = ids[: fairness.SEND_BURST], ids[fairness.SEND_BURST :]
    stamps = dict(db_session.execute(sa.select(Delivery.id, Delivery.last_published_at)).all())
    assert {stamps[i] for i in held} == {T0 + timedelta(seconds=45)}
    assert {stamps[i] for i in at_once} == {T0}

    # Due since T0 and pending past the period: only those not held are stale.
    assert run_tick("waypoint.reconcile", now=at(40))["deliveries"] == len(at_once)
    assert run_tick("waypoint.reconcile", now=at(74))["deliveries"] == 0
    # The held ones: one period after their countdown ended, they are stale too.
    assert run_tick("waypoint.reconcile", now=at(76))["deliveries"] == len(held)


def test_a_refused_publish_leaves_the_rows_due_at_the_next_tick(
    app, team, db_session, run_task, monkeypatch
):
    from worker.tasks import common

    rows = [stored_checkin(db_session, team.patient) for _ in range(2)]
    monkeypatch.setattr(periodic, "enqueue", lambda *args, **kwargs: False)  # broker gone
    assert run_task("waypoint.requeue_checkins", [str(r.id) for r in rows], at(40))
    monkeypatch.setattr(periodic, "enqueue", common.enqueue)
    for row in rows:
        db_session.refresh(row)
        assert (row.enqueue_count, row.last_published_at) == (0, None)


def test_what_a_restarted_redis_held_is_republished_at_once(
    app, team, db_session, run_task, redis_url, empty_queues
):
    """The broker's start comes from its own uptime: a publish from before it is lost."""
    from worker.tasks.common import broker_started_at

    now = datetime.now(UTC)
    started = broker_started_at(now)
    uptime = redis.Redis.from_url(redis_url).info("server")["uptime_in_seconds"]
    assert abs((now - started).total_seconds() - uptime) <= 2
    row = stored_checkin(db_session, team.patient, received=started - timedelta(seconds=600))
    db_session.execute(
        sa.update(Checkin)
        .where(Checkin.id == row.id)
        .values(enqueue_count=5, last_published_at=now - timedelta(seconds=10))
    )
    # Published 10 s ago, backoff 60 s: not due ...
    assert run_task("waypoint.requeue_checkins", [str(row.id)], now.isoformat())["checkins"] == 0
    # ... unless the broker started after that publish (it then lost the message).
    lost = (now - timedelta(seconds=5)).isoformat()
    assert run_task("waypoint.requeue_checkins", [str(row.id)], now.isoformat(), lost) == {
        "checkins": 1
    }


# --- a real worker and a Redis stopped again and again -----------------------------------------


def evaluated(session, ids) -> int:
    session.rollback()
    return session.scalar(
        sa.select(sa.func.count()).where(Checkin.id.in_(ids), Checkin.evaluated_at.is_not(None))
    )


def test_repeated_redis_outages_keep_one_copy_per_outstanding_checkin(
    live, committed_db, start_worker
):
    """Beat and the reconciler run (a worker of ``periodic``), nothing evaluates yet: every
    check-in stays outstanding through three Redis restarts, each losing what was queued."""
    # Backoff 3, 6, 12, 24, 48, 60 s (the default cap); a restart's loss is republished at once.
    period = 3
    env = {"RECONCILE_SECONDS": str(period)}
    start_worker(live.redis.url, beat=True, queues=("periodic", "planning"), **env)
    ids: list[str] = []
    restarts = 3
    for _ in range(restarts):
        # Safety answers (never rate-limited): the first raises the alert, the rest repeat it.
        ids += [str(submit(live.client, live.csrf, phq9(q9=1))) for _ in range(2)]  # queued
        live.redis.stop()  # ... and lost
        ids += [str(submit(live.client, live.csrf, phq9(q9=1))) for _ in range(2)]  # unpublished
        time.sleep(0.5)
        live.redis.start()
        wait_for(
            lambda expected=set(ids): set(queued(live.redis.url, "urgent", "default")) >= expected,
            timeout=45,  # the worker's reconnection to Redis, then one or two ticks
            what="every outstanding check-in re-published after the restart",
        )
    # About one copy each: the restart emptied the queue, and a copy waits out its backoff.
    copies = queued(live.redis.url, "urgent", "default")
    assert len(ids) <= len(copies) <= len(ids) + len(ids) // 4, sorted(copies)
    time.sleep(2 * period)  # ticks keep running: still no flood
    assert len(queued(live.redis.url, "urgent", "default")) <= 2 * len(ids)

    start_worker(live.redis.url, queues=("urgent", "default"), **env)
    wait_for(
        lambda: evaluated(committed_db, [uuid.UUID(i) for i in ids]) == len(ids),
        timeout=60,
        what="every check-in evaluated",
    )
    counts = committed_db.scalars(
        sa.select(Checkin.enqueue_count).where(Checkin.id.in_([uuid.UUID(i) for i in ids]))
    ).all()
    # One re-publish per restart a check-in lived through, and at most a few by backoff.
    assert max(counts) <= restarts + 3, counts
    assert sum(counts) <= 2 * restarts * len(ids), counts
