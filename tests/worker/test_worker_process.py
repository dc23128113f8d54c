"""The promises, with a real ``celery worker`` process, real Redis, PostgreSQL, SMTP and HTTP.

Each test starts its own worker on a private redis-server (never the shared one), with the
reconciler period and the delivery backoff shortened through configuration.
"""

import hashlib
import hmac
import json
import os
import signal
import time
import uuid

import pytest
import sqlalchemy as sa

from api.models import Alert, Checkin, Delivery
from tests.support.answers import checkin_body, phq9
from tests.support.worker import WEBHOOK_SECRET, https_client, wait_for

pytestmark = pytest.mark.worker


def post_checkin(client, csrf, answers, instrument="phq9"):
    response = client.post(
        "/api/v1/checkins",
        json=checkin_body(answers, instrument=instrument),
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def fresh(session, statement):
    session.rollback()  # a new snapshot: the worker commits in another process
    return session.execute(statement)


def count(session, model, *where):
    return fresh(session, sa.select(sa.func.count()).select_from(model).where(*where)).scalar()


def task_runs(worker, task):
    """How many times the worker logged ``task`` as finished (succeeded or not)."""
    return sum(
        1
        for line in worker.log().splitlines()
        if f"Task {task}[" in line and (" succeeded in " in line or " raised " in line)
    )


def assert_signed(hook):
    stamp, digest = (p.split("=", 1)[1] for p in hook["headers"]["X-Waypoint-Signature"].split(","))
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), stamp.encode() + b"." + hook["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(digest, expected)
    assert abs(time.time() - int(stamp)) < 120


def test_item9_end_to_end_then_replays_change_nothing(
    committed_team, committed_db, live, smtp, webhooks
):
    worker = live.start_worker()
    checkin_id = post_checkin(live.client, live.csrf, phq9(q9=2))

    wait_for(
        lambda: smtp.to(committed_team.clinician.email) and webhooks.received,
        timeout=30,
        what="the email and the webhook",
    )
    [mail] = smtp.to(committed_team.clinician.email)
    assert committed_team.patient.ref in mail["subject"]
    [hook] = webhooks.received
    assert_signed(hook)
    assert json.loads(hook["body"])["priority"] == "urgent"
    assert count(committed_db, Alert) == 1
    wait_for(
        lambda: count(committed_db, Delivery, Delivery.status == "sent") == 2,
        timeout=10,
        what="both deliveries marked sent",
    )

    # The same check-in evaluated twice more and two reconciler runs, through the broker.
    celery_app = live.web.extensions["celery"]
    for _ in range(2):
        celery_app.send_task("waypoint.evaluate_checkin", args=[checkin_id], queue="urgent")
        celery_app.send_task("waypoint.reconcile", queue="urgent")
    wait_for(
        lambda: (
            task_runs(worker, "waypoint.evaluate_checkin") >= 3
            and task_runs(worker, "waypoint.reconcile") >= 2
        ),
        timeout=20,
        what="the replays to run",
    )
    assert count(committed_db, Alert) == 1
    assert count(committed_db, Delivery) == 2
    assert len(smtp.to(committed_team.clinician.email)) == 1 and len(webhooks.received) == 1


def test_worker_killed_mid_evaluation_still_delivers_the_alert_once(
    committed_team, committed_db, app, live, smtp, webhooks
):
    from api.extensions import db

    checkin_id = post_checkin(live.client, live.csrf, phq9(q9=1))  # queued: no worker runs yet

    # Hold the check-in's row lock so that the evaluation stops half-way, inside its transaction.
    holder = db.engine.connect()
    blocker = holder.begin()
    holder.execute(sa.text("SELECT id FROM checkins WHERE id = :id FOR UPDATE"), {"id": checkin_id})
    try:
        worker = live.start_worker()
        wait_for(
            lambda: _waiting_on_lock(committed_db),
            timeout=30,
            what="the evaluation to block on the check-in row",
        )
        [child] = worker.pool_children()
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: child not in worker.pool_children(), timeout=10, what="the child to die")
    finally:
        blocker.rollback()
        holder.close()

    wait_for(
        lambda: smtp.to(committed_team.clinician.email) and webhooks.received,
        timeout=30,
        what="the email and the webhook after the kill",
    )
    assert "WorkerLostError" in worker.log() or "SIGKILL" in worker.log()
    # The notifications were planned at submit; the killed evaluation itself comes back too.
    wait_for(
        lambda: fresh(committed_db, sa.select(Checkin.evaluated_at)).scalar() is not None,
        timeout=30,
        what="the evaluation to run again after the kill",
    )
    time.sleep(1.0)  # a duplicate would arrive within the retry backoff
    assert count(committed_db, Alert) == 1
    assert len(smtp.to(committed_team.clinician.email)) == 1 and len(webhooks.received) == 1


def _waiting_on_lock(session):
    return fresh(
        session,
        sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ),
    ).scalar()


def test_redis_outage_loses_nothing_and_sends_each_alert_once(
    committed_team, committed_db, live, smtp, webhooks
):
    worker = live.start_worker(beat=True)

    live.redis.stop()
    slowest = 0.0
    # Two alerts: item 9, then the ASQ's acuity question (a second item-9 answer would be
    # attached to the first alert's open episode, api/pipeline/alerts.py).
    asq_acute = {"asq_1": 1, "asq_2": 0, "asq_3": 1, "asq_4": 0, "asq_5": 1}
    for answers, instrument in ((phq9(q9=1), "phq9"), (phq9(q1=1), "phq9"), (asq_acute, "asq")):
        started = time.monotonic()
        post_checkin(live.client, live.csrf, answers, instrument)
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 2.0
    assert count(committed_db, Checkin, Checkin.evaluated_at.is_(None)) == 3
    time.sleep(1.5)  # beat and the worker both meet the dead broker
    live.redis.start()  # empty: whatever was queued before is gone too

    wait_for(
        lambda: count(committed_db, Checkin, Checkin.evaluated_at.is_(None)) == 0,
        timeout=60,
        what="every check-in evaluated after the outage",
    )
    wait_for(
        lambda: len(smtp.to(committed_team.clinician.email)) == 2 and len(webhooks.received) == 2,
        timeout=30,
        what="both alerts delivered",
    )
    assert "waypoint.reconcile" in worker.log()
    # Several more reconciler periods: nothing is sent twice.
    time.sleep(3)
    assert count(committed_db, Alert) == 2
    assert len(smtp.to(committed_team.clinician.email)) == 2 and len(webhooks.received) == 2
    assert count(committed_db, Delivery, Delivery.status != "sent") == 0
    assert fresh(committed_db, sa.select(sa.func.max(Checkin.enqueue_count))).scalar() >= 1


def test_readiness_reports_overdue_evaluations_until_a_worker_returns(
    committed_team, committed_db, live, smtp, webhooks
):
    checkin_id = post_checkin(live.client, live.csrf, phq9(q9=1))  # no worker is running
    # Workers down for minutes: the check-in has waited past readiness's two-minute bound.
    committed_db.execute(
        sa.update(Checkin).values(received_at=sa.text("received_at - interval '5 minutes'"))
    )
    committed_db.commit()
    probe = https_client(live.web)
    response = probe.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "degraded"
    assert response.json["checks"]["evaluations"] == {"ok": False}

    live.start_worker(beat=True)
    wait_for(
        lambda: smtp.to(committed_team.clinician.email) and webhooks.received,
        timeout=30,
        what="the alert to flow once a worker is back",
    )
    wait_for(
        lambda: probe.get("/readyz").json["status"] == "ok",
        timeout=30,
        what="readiness to clear",
    )
    evaluated = fresh(committed_db, sa.select(Checkin.evaluated_at).where(Checkin.id == checkin_id))
    assert evaluated.scalar() is not None
    assert count(committed_db, Alert) == 1


def test_smtp_refusing_mail_retries_then_fails_visibly(
    committed_team, committed_db, app, live, smtp, webhooks, login
):
    smtp.refuse = "451 4.3.0 Try again later"  # transient: retried (a 5yz fails at once)
    live.start_worker()
    post_checkin(live.client, live.csrf, phq9(q9=1))

    wait_for(
        lambda: count(committed_db, Delivery, Delivery.status == "failed") == 1,
        timeout=30,
        what="the email delivery to fail for good",
    )
    staff = https_client(app)
    login(staff, committed_team.clinician)
    [item] = staff.get("/api/v1/alerts?status=open").json["items"]
    assert item["deliveries"] == {"sent": 1, "pending": 0, "failed": 1}
    detail = staff.get(f"/api/v1/alerts/{item['id']}").json
    [email] = [d for d in detail["delivery_list"] if d["channel"] == "email"]
    assert email["status"] == "failed" and email["attempts"] == 3
    assert "451" in email["last_error"]
    assert "delivery_failed" in [e["kind"] for e in detail["timeline"]]
    assert detail["status"] == "open"


def test_a_worker_takes_urgent_work_before_routine_work(
    app_on_broker, fresh_redis, start_worker, committed_db
):
    """Queued before the worker starts: both urgent tasks run before any routine one.

    kombu's default round robin would alternate the queues (urgent, default, urgent, ...);
    queue_order_strategy "priority" drains `urgent` first.
    """
    celery_app = app_on_broker(fresh_redis.url).extensions["celery"]

    def send(queue):  # an evaluation of no check-in: quick, and its task id is in the log
        args = [str(uuid.uuid4())]
        return celery_app.send_task("waypoint.evaluate_checkin", args=args, queue=queue).id

    routine = [send("default") for _ in range(5)]
    urgent = [send("urgent") for _ in range(2)]
    worker = start_worker(fresh_redis.url)
    wait_for(
        lambda: task_runs(worker, "waypoint.evaluate_checkin") == 7,
        timeout=30,
        what="all seven evaluations run",
    )
    received = [
        task_id
        for line in worker.log().splitlines()
        if "Task waypoint.evaluate_checkin[" in line and " succeeded in " in line
        for task_id in routine + urgent
        if task_id in line
    ]
    assert received[:2] == urgent and sorted(received[2:]) == sorted(routine), worker.log()
