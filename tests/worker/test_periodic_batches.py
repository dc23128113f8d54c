"""Periodic work in bounded batches, on queues of its own: a schedule tick fans out one batch
per SCHEDULE_BATCH patients and a real worker plans them all; a batch run twice, or twice at
once, changes nothing; a failing batch costs only its own patients and the next tick redoes
them; escalation runs on a periodic worker while the urgent queue is backed up."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import redis
import sqlalchemy as sa

from api.database_roles import migrations_engine
from api.models import Alert, CheckinDue, Clinic, Delivery, Patient
from tests.support.answers import checkin_body, phq9
from tests.support.worker import wait_for
from worker.tasks.periodic import SCHEDULE_BATCH

DAILY = {
    "cadence_days": 1,
    "cadence_instruments": ["mood"],
    "session_anchored": False,
    "local_time": "18:00",
}


def fresh_scalar(session, statement):
    session.rollback()  # a new snapshot: the worker commits in another process
    return session.execute(statement).scalar()


def planned(session, patient_ids) -> int:
    """How many of these patients have at least one slot stored."""
    return fresh_scalar(
        session,
        sa.select(sa.func.count(sa.distinct(CheckinDue.patient_id))).where(
            CheckinDue.patient_id.in_(patient_ids)
        ),
    )


def add_patients(session, count: int) -> list[uuid.UUID]:
    """``count`` committed active patients of a new clinic, in one INSERT; sorted as the tick
    pages them (by id)."""
    clinic = Clinic(name=f"Batch clinic {uuid.uuid4().hex[:8]}")
    session.add(clinic)
    session.flush()
    ids = sorted(uuid.uuid4() for _ in range(count))
    created = datetime.now(UTC) - timedelta(days=30)
    session.execute(
        sa.insert(Patient),
        [
            {
                "id": pid,
                "clinic_id": clinic.id,
                "ref": f"P-{n:05d}",
                "display_name": f"Patient {n}",
                "timezone": "Europe/Berlin",
                "schedule": DAILY,
                "status": "active",
                "created_at": created,
            }
            for n, pid in enumerate(ids)
        ],
    )
    session.commit()
    return ids


def tick_runs(worker, task) -> int:
    return sum(
        1
        for line in worker.log().splitlines()
        if f"Task {task}[" in line and (" succeeded in " in line or " raised " in line)
    )


def test_a_tick_over_more_patients_than_a_batch_plans_them_all(
    committed_db, fresh_redis, start_worker, app_on_broker
):
    ids = add_patients(committed_db, 2 * SCHEDULE_BATCH + 7)
    worker = start_worker(fresh_redis.url)
    celery = app_on_broker(fresh_redis.url).extensions["celery"]
    celery.send_task("waypoint.run_schedules", queue="periodic")

    wait_for(lambda: planned(committed_db, ids) == len(ids), timeout=90, what="every patient")
    wait_for(lambda: tick_runs(worker, "waypoint.plan_schedules") == 3, timeout=10)
    assert f"schedule tick: {len(ids)} patient(s) in 3 batch(es)" in worker.log()
    # Each batch planned its own patients, nobody's twice: one slot per (patient, due time).
    duplicates = fresh_scalar(
        committed_db,
        sa.select(sa.func.count()).select_from(
            sa.select(CheckinDue.patient_id, CheckinDue.instrument, CheckinDue.due_at)
            .group_by(CheckinDue.patient_id, CheckinDue.instrument, CheckinDue.due_at)
            .having(sa.func.count() > 1)
            .subquery()
        ),
    )
    assert duplicates == 0


def test_a_failing_batch_leaves_the_others_committed_and_the_next_tick_redoes_it(
    app, committed_db, fresh_redis, start_worker, app_on_broker
):
    ids = add_patients(committed_db, 2 * SCHEDULE_BATCH + 7)
    second = ids[SCHEDULE_BATCH : 2 * SCHEDULE_BATCH]  # the middle batch, as the tick pages
    # A real database error in the middle batch only: its insert of a slot is refused. The
    # trigger is the owner's to create (the app's runtime role may not).
    owner = migrations_engine(app)
    with owner.begin() as conn:
        conn.execute(
            sa.text(
                "CREATE FUNCTION refuse_slot() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by the test'; END $$"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TRIGGER refuse_slot BEFORE INSERT ON checkins_due FOR EACH ROW "
                f"WHEN (NEW.patient_id = '{second[100]}') EXECUTE FUNCTION refuse_slot()"
            )
        )
    try:
        worker = start_worker(fresh_redis.url)
        celery = app_on_broker(fresh_redis.url).extensions["celery"]
        celery.send_task("waypoint.run_schedules", queue="periodic")
        wait_for(lambda: tick_runs(worker, "waypoint.plan_schedules") == 3, timeout=90)
        others = ids[:SCHEDULE_BATCH] + ids[2 * SCHEDULE_BATCH :]
        assert planned(committed_db, others) == len(others)
        assert planned(committed_db, second) == 0  # the whole batch rolled back, nothing half
        assert "refused by the test" in worker.log()
    finally:
        committed_db.rollback()
        with owner.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS refuse_slot ON checkins_due"))
            conn.execute(sa.text("DROP FUNCTION IF EXISTS refuse_slot()"))

    celery.send_task("waypoint.run_schedules", queue="periodic")
    wait_for(lambda: planned(committed_db, ids) == len(ids), timeout=60, what="the redo")


def _snapshot(session):
    slots = session.execute(
        sa.select(
            CheckinDue.id,
            CheckinDue.due_at,
            CheckinDue.completed_checkin_id,
            CheckinDue.reminded_at,
            CheckinDue.missed_alerted_at,
        ).order_by(CheckinDue.id)
    ).all()
    alerts = session.execute(sa.select(Alert.id, Alert.rule).order_by(Alert.id)).all()
    deliveries = session.scalars(sa.select(Delivery.id).order_by(Delivery.id)).all()
    return slots, alerts, deliveries


def test_a_batch_run_twice_changes_nothing(
    create_clinic, create_clinician, create_patient, db_session, run_task
):
    clinic = create_clinic()
    carer = create_clinician(clinic)
    patients = [create_patient(clinic, care_team=[carer], schedule=DAILY) for _ in range(3)]
    start = datetime(2025, 6, 2, 12, tzinfo=UTC)
    for patient in patients:
        patient.created_at = start
    db_session.flush()
    ids = [str(p.id) for p in patients]
    # Planned on day one, then five days later: slots to add, reminders due, check-ins missed.
    run_task("waypoint.plan_schedules", ids, (start + timedelta(hours=1)).isoformat())
    later = (start + timedelta(days=5, hours=11)).isoformat()
    first = run_task("waypoint.plan_schedules", ids, later)
    assert first["planned"] > 0 and first["missed"] == 3 and len(first["reminders"]) == 3
    before = _snapshot(db_session)

    again = run_task("waypoint.plan_schedules", ids, later)
    assert again["planned"] == 0 and again["missed"] == 0
    assert _snapshot(db_session) == before


def test_the_same_batch_twice_at_once_raises_one_alert_per_patient(
    app, committed_db, run_task, webhooks
):
    """Real commits and threads: both runs race on the same patients in PostgreSQL."""
    ids = add_patients(committed_db, 40)
    # Each patient's daily slots of the last five days are planned and none was answered.
    run_task("waypoint.plan_schedules", [str(i) for i in ids], _days_ago(5))
    later = datetime.now(UTC).isoformat()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def race():
        try:
            barrier.wait(timeout=10)
            results.append(run_task("waypoint.plan_schedules", [str(i) for i in ids], later))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(r["missed"] for r in results) == len(ids)
    alerted = committed_db.execute(
        sa.select(Alert.patient_id, sa.func.count())
        .where(Alert.rule == "missed_checkins")
        .group_by(Alert.patient_id)
    ).all()
    assert sorted(pid for pid, _ in alerted) == ids
    assert {n for _, n in alerted} == {1}  # one missed-check-in alert each, never two


def test_a_batch_leaves_a_patient_another_batch_holds_to_it(app, committed_db, run_task):
    from api.extensions import db

    ids = add_patients(committed_db, 3)
    holder = db.engine.connect()
    held = holder.begin()
    holder.execute(
        sa.text("SELECT id FROM patients WHERE id = :id FOR NO KEY UPDATE"), {"id": ids[0]}
    )
    try:
        run_task("waypoint.plan_schedules", [str(i) for i in ids])
    finally:
        held.rollback()
        holder.close()
    assert planned(committed_db, ids[1:]) == 2
    assert planned(committed_db, ids[:1]) == 0  # not waited for, not done twice: skipped


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def test_escalation_runs_on_its_own_worker_while_urgent_sends_back_up(
    committed_team, committed_db, live, start_worker
):
    checkin_id = post_checkin(live)
    alert_id = wait_for(
        lambda: fresh_scalar(
            committed_db, sa.select(Alert.id).where(Alert.checkin_id == uuid.UUID(checkin_id))
        ),
        what="the alert raised at submit",
    )
    # Nobody acknowledged it within the deadline ...
    committed_db.execute(
        sa.update(Alert)
        .where(Alert.id == alert_id)
        .values(escalate_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    committed_db.commit()
    # ... while a thousand sends wait on the urgent queue with no worker free to take them.
    celery = live.web.extensions["celery"]
    for _ in range(1000):
        celery.send_task("waypoint.send_delivery", args=[-1], queue="urgent")
    start_worker(live.redis.url, beat=True, queues=("periodic", "planning"))

    wait_for(
        lambda: (
            fresh_scalar(
                committed_db, sa.select(Alert.escalation_level).where(Alert.id == alert_id)
            )
            == 1
        ),
        timeout=30,
        what="the escalation, by beat's tick and its batch",
    )
    backlog = redis.Redis.from_url(live.redis.url)
    assert backlog.llen("urgent") >= 1000  # the sends are still waiting: nothing went ahead
    backlog.close()


def post_checkin(live) -> str:
    body = checkin_body(phq9(q9=2))
    response = live.client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": live.csrf})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_keyset_pages_yield_every_row_once_even_where_the_first_key_ties(
    app, db_session, create_clinic
):
    from worker.tasks.periodic import keyset_pages

    clinic = create_clinic()
    ids = add_rolled_back_patients(db_session, clinic, 10)
    query = sa.select(Patient.id, Patient.created_at).where(Patient.clinic_id == clinic.id)
    pages = list(keyset_pages(query, [Patient.created_at, Patient.id], 3))
    assert [len(page) for page in pages] == [3, 3, 3, 1]
    assert [row.id for page in pages for row in page] == ids  # in order, none twice
    limited = list(keyset_pages(query, [Patient.created_at, Patient.id], 3, limit=5))
    assert [len(page) for page in limited] == [3, 2]


def add_rolled_back_patients(session, clinic, count: int) -> list[uuid.UUID]:
    """Patients created at the same instant (the first keyset column ties), sorted by id."""
    ids = sorted(uuid.uuid4() for _ in range(count))
    same = datetime(2025, 1, 1, tzinfo=UTC)
    for n, pid in enumerate(ids):
        session.add(
            Patient(
                id=pid,
                clinic_id=clinic.id,
                ref=f"K-{n}",
                display_name="K",
                timezone="UTC",
                created_at=same,
            )
        )
    session.flush()
    return ids
