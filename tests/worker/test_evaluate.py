"""Evaluating check-ins by calling the tasks: rules with history, fan-out, idempotency."""

import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa

from api.models import Alert, AlertEvent, Checkin, Delivery
from api.models.summaries import PatientSummary
from tests.support.answers import phq9, submit
from tests.support.worker import WEBHOOK_SECRET


def count(session, model, *where):
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def deliveries_of(session, alert_id):
    return session.scalars(
        sa.select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
    ).all()


def test_item9_alert_reaches_the_care_team_by_email_and_signed_webhook(
    client, redeem, team, db_session, run_task, smtp, webhooks
):
    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q9=2))
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    assert alert.rule == "suicidal_ideation" and alert.priority == "urgent"
    # The API raises the alert and plans its first round itself: no worker evaluation needed.
    rows = deliveries_of(db_session, alert.id)
    assert {(d.channel, d.recipient, d.round) for d in rows} == {
        ("email", f"staff:{team.clinician.id}", 0),
        ("webhook", "webhook:clinic", 0),
    }
    for row in rows:
        assert run_task("waypoint.send_delivery", row.id) == "sent"
    # The evaluation that follows adds no second round.
    assert run_task("waypoint.evaluate_checkin", str(checkin_id))["status"] == "evaluated"
    assert len(deliveries_of(db_session, alert.id)) == 2

    [mail] = smtp.to(team.clinician.email)
    assert team.patient.ref in mail["subject"] and "Urgent" in mail["subject"]
    assert f"https://waypoint.test/clinic/alerts/{alert.id}" in mail["body"]
    [hook] = webhooks.received
    signature = hook["headers"]["X-Waypoint-Signature"]
    stamp, digest = (part.split("=", 1)[1] for part in signature.split(","))
    expected = hmac.new(
        WEBHOOK_SECRET.encode(), stamp.encode() + b"." + hook["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(digest, expected)
    body = json.loads(hook["body"])
    assert body["alert_id"] == str(alert.id) and body["priority"] == "urgent"
    assert body["patient_ref"] == team.patient.ref
    for text in (mail["subject"], mail["body"], hook["body"].decode()):
        for phi in (team.patient.display_name, "self-harm", "PHQ", "item 9", "suicid"):
            assert phi.lower() not in text.lower()

    kinds = db_session.scalars(
        sa.select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
    ).all()
    assert kinds == ["created", "notified", "delivered", "delivered"]
    assert db_session.get(Checkin, checkin_id).evaluated_at is not None


def test_worsening_against_history_is_raised_by_the_worker(
    client, redeem, team, db_session, run_task, smtp
):
    csrf = redeem(client, team.patient)
    earlier = datetime.now(UTC) - timedelta(days=7)
    first = submit(client, csrf, phq9(q1=1, q2=1, q3=1), completed_at=earlier)
    run_task("waypoint.evaluate_checkin", str(first))
    second = submit(client, csrf, phq9(q1=3, q2=3, q3=2, q4=1))  # 3 -> 9: +6 >= 5
    assert count(db_session, Alert, Alert.checkin_id == second) == 0
    run_task("waypoint.evaluate_checkin", str(second))
    [alert] = db_session.scalars(sa.select(Alert).where(Alert.checkin_id == second)).all()
    assert (alert.rule, alert.priority) == ("worsening", "high")
    assert "rose 6 points" in alert.reason
    assert alert.escalate_at is None  # high alerts notify but do not page on-call


def test_the_evaluation_refreshes_the_panel_summary_the_request_left(
    client, redeem, team, db_session, run_task
):
    """The POST stores the check-in only; its evaluation brings the panel's trend up to date."""
    csrf = redeem(client, team.patient)
    first = submit(
        client, csrf, phq9(q1=1, q2=1, q3=1), completed_at=datetime.now(UTC) - timedelta(days=7)
    )
    assert db_session.get(PatientSummary, team.patient.id) is None
    run_task("waypoint.evaluate_checkin", str(first))
    summary = db_session.get(PatientSummary, team.patient.id)
    assert summary.instruments["phq9"]["latest"] == 3 and summary.instruments["phq9"]["n"] == 1

    second = submit(client, csrf, phq9(q1=3, q2=3, q3=2, q4=1))
    db_session.refresh(summary)
    assert summary.instruments["phq9"]["latest"] == 3  # not yet evaluated
    run_task("waypoint.evaluate_checkin", str(second))
    db_session.refresh(summary)
    phq = summary.instruments["phq9"]
    assert (phq["latest"], phq["n"], phq["spark"]) == (9, 2, [3, 9])
    assert summary.last_checkin_at == db_session.get(Checkin, second).completed_at
    assert summary.severity_rank > 0


@pytest.mark.parametrize("first_session_deleted", [False, True])
def test_the_rules_course_starts_at_its_first_session_that_was_not_deleted(
    client, redeem, team, db_session, run_task, first_session_deleted
):
    """Rules, panel and chart agree on the course: a deleted first session moves its start.

    29 days into a course with a baseline of 20, a 19 is not on track (4 weeks, < 25 %
    better). With that first session deleted the course began 2 days ago: too early to say.
    """
    from api.models import TreatmentCourse, TreatmentSession

    now = datetime.now(UTC)
    course = TreatmentCourse(patient_id=team.patient.id, label="Induction", started_at=now)
    db_session.add(course)
    db_session.flush()
    first, later = (
        TreatmentSession(
            patient_id=team.patient.id, course_id=course.id, administered_at=at, modality="iv"
        )
        for at in (now - timedelta(days=29), now - timedelta(days=2))
    )
    course.started_at = first.administered_at  # as recording the sessions leaves it
    db_session.add_all([first, later])
    if first_session_deleted:
        first.deleted_at = now
    db_session.flush()
    csrf = redeem(client, team.patient)
    baseline = submit(
        client,
        csrf,
        phq9(q1=3, q2=3, q3=3, q4=3, q5=3, q6=3, q7=2),  # 20
        completed_at=now - timedelta(days=29, hours=12),
    )
    run_task("waypoint.evaluate_checkin", str(baseline))
    latest = submit(client, csrf, phq9(q1=3, q2=3, q3=3, q4=3, q5=3, q6=3, q7=1))  # 19
    run_task("waypoint.evaluate_checkin", str(latest))
    rules = db_session.scalars(sa.select(Alert.rule).where(Alert.checkin_id == latest)).all()
    assert ("not_on_track" in rules) is not first_session_deleted, rules


def test_a_late_earlier_checkin_reconsiders_the_newer_one(
    client, redeem, team, db_session, run_task, smtp
):
    """Queued offline, the earlier check-in arrives after the newer one was judged alone."""
    csrf = redeem(client, team.patient)
    newer = submit(client, csrf, phq9(q1=3, q2=3, q3=2, q4=1))  # 9, judged without history
    run_task("waypoint.evaluate_checkin", str(newer))
    assert count(db_session, Alert, Alert.checkin_id == newer) == 0
    # 3, answered a week (and an hour) before, sent now: at least the PHQ-9's retest interval.
    before = datetime.now(UTC) - timedelta(days=7, hours=1)
    earlier = submit(client, csrf, phq9(q1=1, q2=1, q3=1), completed_at=before)
    run_task("waypoint.evaluate_checkin", str(earlier))
    [alert] = db_session.scalars(sa.select(Alert).where(Alert.checkin_id == newer)).all()
    assert alert.rule == "worsening" and "rose 6 points" in alert.reason
    assert count(db_session, Alert, Alert.checkin_id == earlier) == 0
    run_task("waypoint.evaluate_checkin", str(earlier))  # a replay adds nothing
    assert count(db_session, Alert) == 1


def test_replayed_evaluation_creates_nothing_new(client, redeem, team, db_session, run_task):
    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1, q1=3, q2=3, q3=3, q4=3, q5=3, q6=3, q7=3))
    run_task("waypoint.evaluate_checkin", str(checkin_id))
    alerts, deliveries = count(db_session, Alert), count(db_session, Delivery)
    assert alerts == 2  # suicidal_ideation (at submit) and severe (worker)
    assert run_task("waypoint.evaluate_checkin", str(checkin_id))["status"] == "already_evaluated"
    # Even a replay that gets past the evaluated mark (a crash before commit) adds nothing.
    db_session.execute(sa.update(Checkin).values(evaluated_at=None))
    assert run_task("waypoint.evaluate_checkin", str(checkin_id))["alerts"] == 0
    assert (count(db_session, Alert), count(db_session, Delivery)) == (alerts, deliveries)


def test_unknown_checkin_is_a_no_op(run_task, db_session):
    assert run_task("waypoint.evaluate_checkin", str(uuid.uuid4()))["status"] == "missing"


def test_reconciler_re_enqueues_stale_checkins_and_pending_deliveries(
    client, redeem, team, db_session, run_task, redis_url, run_tick
):
    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1))
    now = datetime.now(UTC)
    assert run_tick("waypoint.reconcile", now=now.isoformat())["checkins"] == 0  # too fresh
    later = (now + timedelta(seconds=31)).isoformat()
    # The submit's messages still wait on "urgent" (no worker here): nothing is copied.
    assert run_tick("waypoint.reconcile", now=later) == {"checkins": 0, "deliveries": 0}
    _empty(redis_url, "urgent", "default")  # taken by a worker that died with them
    # The submit planned the first round (email + webhook); still pending, so re-sent too.
    assert run_tick("waypoint.reconcile", now=later) == {"checkins": 1, "deliveries": 2}
    assert db_session.get(Checkin, checkin_id, populate_existing=True).enqueue_count == 1
    assert str(checkin_id) in _queued(redis_url, "urgent", "waypoint.evaluate_checkin")

    first_round = set(db_session.scalars(sa.select(Delivery.id)).all())
    run_task("waypoint.evaluate_checkin", str(checkin_id), now=later)
    delivery_ids = set(db_session.scalars(sa.select(Delivery.id)).all())
    severe = delivery_ids - first_round  # the evaluation's alert's sends, published at +31 s
    much_later = (now + timedelta(seconds=62)).isoformat()
    _empty(redis_url, "urgent", "default")
    # The first round was re-published at +31 s: its backoff is now 60 s, so it waits; the
    # evaluation's sends were published once at +31 s and are due after one period.
    assert run_tick("waypoint.reconcile", now=much_later) == {
        "checkins": 0,
        "deliveries": len(severe),
    }
    assert set(_queued(redis_url, "default", "waypoint.send_delivery")) == severe
    # A minute after its re-publish, the first round goes again (and the other waits).
    _empty(redis_url, "urgent", "default")
    assert run_tick("waypoint.reconcile", now=(now + timedelta(seconds=92)).isoformat()) == {
        "checkins": 0,
        "deliveries": len(first_round),
    }
    assert set(_queued(redis_url, "urgent", "waypoint.send_delivery")) == first_round


def _empty(redis_url, *queues):
    client = redis.Redis.from_url(redis_url)
    client.delete(*queues)
    client.close()


def _queued(redis_url, queue, task):
    """Arguments of ``task`` messages waiting in a Redis queue (kombu keeps one list per queue)."""
    import base64

    client = redis.Redis.from_url(redis_url)
    found = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == task:
            found.append(json.loads(base64.b64decode(message["body"]))[0][0])
    client.close()
    return found


def test_two_reconcilers_and_evaluations_at_once_make_one_alert_and_one_delivery_each(
    app, committed_team, patient_client, run_task, committed_db, run_tick
):
    """Real commits and threads: every run races on the same rows in PostgreSQL."""
    client, csrf = patient_client(committed_team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1))
    later = (datetime.now(UTC) + timedelta(seconds=40)).isoformat()
    barrier = threading.Barrier(4)
    errors = []

    def race(task, *args, **kwargs):
        try:
            barrier.wait(timeout=10)
            if task == "waypoint.reconcile":  # the tick and the batches it fans out
                run_tick(task, purge=False, **kwargs)
            else:
                run_task(task, *args, **kwargs)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [
        threading.Thread(target=race, args=("waypoint.reconcile",), kwargs={"now": later}),
        threading.Thread(target=race, args=("waypoint.reconcile",), kwargs={"now": later}),
        threading.Thread(target=race, args=("waypoint.evaluate_checkin", str(checkin_id))),
        threading.Thread(target=race, args=("waypoint.evaluate_checkin", str(checkin_id))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    committed_db.expire_all()
    assert count(committed_db, Alert) == 1
    rows = committed_db.scalars(sa.select(Delivery)).all()
    keys = [(d.channel, d.recipient, d.round) for d in rows]
    assert sorted(keys) == sorted(
        [("email", f"staff:{committed_team.clinician.id}", 0), ("webhook", "webhook:clinic", 0)]
    )
    assert count(committed_db, AlertEvent, AlertEvent.kind == "notified") == 1
