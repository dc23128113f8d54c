"""Submitting check-ins: scoring, idempotency, safety alerts, bad input, broker outages."""

import base64
import gzip
import json
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa

from api.models import Alert, Checkin
from tests.support.answers import PHQ9_ZERO, count_checkins, phq9, post
from tests.support.answers import checkin_body as body


@pytest.fixture
def patient(create_patient):
    return create_patient()


@pytest.fixture
def csrf(client, patient, redeem):
    return redeem(client, patient)


def queued_checkin_ids(redis_url, queue):
    """Check-in ids of evaluate tasks waiting in a Redis queue (kombu's list per queue)."""
    client = redis.Redis.from_url(redis_url)
    ids = []
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        if message["headers"]["task"] == "waypoint.evaluate_checkin":
            ids.append(args[0])
    client.close()
    return ids


def test_phq9_is_scored_stored_and_queued_for_evaluation(
    client, csrf, patient, db_session, redis_url
):
    payload = body(phq9(q1=2, q2=3, q3=2, q4=1, q5=1, q6=1))  # total 10: moderate
    response = post(client, csrf, payload)
    assert response.status_code == 201, response.json
    assert response.json["total"] == 10
    assert response.json["severity"] == "moderate"
    assert response.json["severity_label"] == "Moderate"
    assert response.json["safety"] == {
        "endorsed": False,
        "level": "none",
        "items": [],
        "follow_up": None,
        "resources": [],
        "monitoring": None,
    }
    row = db_session.get(Checkin, uuid.UUID(payload["id"]))
    assert row.patient_id == patient.id and row.total == 10 and row.evaluated_at is None
    assert row.completed_at == datetime.fromisoformat(payload["completed_at"])
    assert row.received_at >= row.completed_at
    assert payload["id"] in queued_checkin_ids(redis_url, "default")


def test_item9_shows_crisis_resources_and_raises_the_urgent_alert_at_once(
    client, csrf, patient, db_session, redis_url
):
    payload = body(phq9(q9=1, q2=2))
    response = post(client, csrf, payload)
    assert response.status_code == 201
    safety = response.json["safety"]
    assert safety["endorsed"] is True and safety["level"] == "positive"
    assert safety["items"] == ["phq9_9"] and safety["follow_up"] == "asq"
    reach = [(r["phone"], r["sms"], r.get("sms_keyword")) for r in safety["resources"]]
    # The US default, emergency services first; the Crisis Text Line is texted HOME.
    assert reach == [("911", None, None), ("988", "988", None), (None, "741741", "HOME")]
    # The alert exists before any worker has run: the safety path never waits on one.
    alerts = db_session.scalars(sa.select(Alert)).all()
    assert [(a.rule, a.priority, a.status) for a in alerts] == [
        ("suicidal_ideation", "urgent", "open")
    ]
    assert alerts[0].answered_at == datetime.fromisoformat(payload["completed_at"])
    assert payload["id"] in queued_checkin_ids(redis_url, "urgent")


def test_asq_acuity_yes_raises_an_imminent_alert(client, csrf, db_session):
    answers = {"asq_1": 1, "asq_2": 0, "asq_3": 1, "asq_4": 0, "asq_5": 1}
    response = post(client, csrf, body(answers, instrument="asq"))
    assert response.status_code == 201, response.json
    assert response.json["result"] == "imminent"
    assert response.json["safety"]["level"] == "imminent"
    assert [a.priority for a in db_session.scalars(sa.select(Alert))] == ["imminent"]


def test_clinic_crisis_resources_replace_the_default(client, patient, redeem, db_session):
    patient.clinic.crisis_resources = [
        {"name": "Clinic line", "phone": "+15550100", "sms": None, "url": None, "kind": "clinic"}
    ]
    db_session.flush()
    csrf = redeem(client, patient)
    response = post(client, csrf, body(phq9(q9=3)))
    assert [r["name"] for r in response.json["safety"]["resources"]] == ["Clinic line"]


def test_replay_returns_the_stored_result_and_other_answers_conflict(client, csrf, db_session):
    payload = body(phq9(q1=1))
    first = post(client, csrf, payload)
    again = post(client, csrf, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    changed = post(client, csrf, {**payload, "answers": phq9(q1=2)})
    assert changed.status_code == 409
    assert count_checkins(db_session) == 1


def test_a_replay_is_answered_as_stored_even_once_it_would_be_refused(
    client, csrf, db_session, monkeypatch
):
    """A response lost on the way: the app resends days later, past the accepted window."""
    from api.checkins import operations

    payload = body(phq9(q1=1), completed_at=datetime.now(UTC) - timedelta(days=2))
    first = post(client, csrf, payload)
    assert first.status_code == 201
    monkeypatch.setattr(operations, "MAX_AGE", timedelta(days=1))
    again = post(client, csrf, payload)
    assert (again.status_code, again.json) == (200, first.json)
    other_answers = post(client, csrf, {**payload, "answers": phq9(q1=2)})
    assert other_answers.status_code == 409  # the same id, other answers: still a conflict
    fresh = post(client, csrf, body(phq9(q1=1), completed_at=datetime.now(UTC) - timedelta(days=2)))
    assert fresh.status_code == 422  # a new check-in that old is refused
    assert count_checkins(db_session) == 1


def test_another_patients_id_is_a_conflict_not_a_leak(
    client, make_client, csrf, create_patient, redeem, db_session
):
    payload = body(phq9(q1=1))
    assert post(client, csrf, payload).status_code == 201
    other = make_client()
    other_csrf = redeem(other, create_patient())
    response = post(other, other_csrf, payload)
    assert response.status_code == 409
    assert "total" not in response.json
    assert count_checkins(db_session) == 1


def test_five_concurrent_posts_store_one_row_and_answer_alike(
    app, committed_db, make_client, create_patient_committed
):
    patient, redeem_token = create_patient_committed
    client = make_client()
    csrf = client.post("/api/v1/auth/redeem", json={"token": redeem_token}).json["csrf_token"]
    payload = body(phq9(q1=3, q9=1))
    barrier = threading.Barrier(5)

    def send(_):
        barrier.wait()
        return post(client, csrf, payload)

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(send, range(5)))
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    assert all(r.json == responses[0].json for r in responses)
    with app.app_context():
        assert count_checkins(committed_db) == 1
        assert committed_db.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1


@pytest.fixture
def create_patient_committed(app, committed_db):
    """A committed patient (for threads) and an invite token for them."""
    from api.auth.operations import create_invite
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Concurrency {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name="Threaded")
        token = create_invite(patient).rsplit("/", 1)[1]
        committed_db.commit()
        return patient, token


@pytest.mark.parametrize(
    ("answers", "field", "fragment"),
    [
        ({k: v for k, v in PHQ9_ZERO.items() if k != "phq9_9"}, "phq9_9", "required"),
        ({**PHQ9_ZERO, "phq9_3": 4}, "phq9_3", ""),
        ({**PHQ9_ZERO, "phq9_3": "2"}, "phq9_3", "whole number"),
        ({**PHQ9_ZERO, "phq9_3": 1.5}, "phq9_3", "whole number"),
        ({**PHQ9_ZERO, "phq9_3": None}, "phq9_3", ""),
        ({**PHQ9_ZERO, "phq9_10": 1}, "phq9_10", ""),
        ({**PHQ9_ZERO, "gad7_1": 1}, "gad7_1", ""),
        ({**PHQ9_ZERO, "phq9_difficulty": 1}, "phq9_difficulty", ""),
    ],
    ids=[
        "missing-item9",
        "out-of-range",
        "string",
        "float",
        "null",
        "unknown-item",
        "other-instrument",
        "difficulty-not-applicable",
    ],
)
def test_bad_answers_are_refused_per_item_and_store_nothing(
    client, csrf, db_session, answers, field, fragment
):
    response = post(client, csrf, body(answers))
    assert response.status_code == 422, response.json
    messages = response.json["errors"][f"answers.{field}"]
    assert messages and fragment.lower() in " ".join(messages).lower()
    assert count_checkins(db_session) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 0


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"instrument": "phq10"}, 422, "instrument"),
        ({"id": "not-a-uuid"}, 422, "id"),
        ({"completed_at": "2026-11-26T10:00:00"}, 422, "completed_at"),  # no offset
        ({"completed_at": "yesterday"}, 422, "completed_at"),
        ({"patient_id": str(uuid.uuid4())}, 422, "patient_id"),
        ({"answers": ["phq9_1"]}, 422, "answers"),
    ],
    ids=[
        "unknown-instrument",
        "bad-uuid",
        "naive-time",
        "not-a-time",
        "patient-in-body",
        "answers-not-object",
    ],
)
def test_malformed_submissions_are_refused(client, csrf, db_session, change, status, field):
    response = post(client, csrf, {**body(), **change})
    assert response.status_code == status, response.json
    errors = response.json["errors"]
    assert field in errors.get("json", errors)
    assert count_checkins(db_session) == 0


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(minutes=4), True),
        (timedelta(minutes=6), False),
        (-timedelta(days=29, hours=23), True),
        (-timedelta(days=30, minutes=1), False),
    ],
    ids=["4min-ahead", "6min-ahead", "29days-ago", "30days-ago"],
)
def test_completion_time_window(client, csrf, offset, accepted):
    response = post(client, csrf, body(completed_at=datetime.now(UTC) + offset))
    assert response.status_code == (201 if accepted else 422), response.json


def test_late_checkin_keeps_both_times_and_the_alert_says_when(client, csrf, db_session):
    answered = datetime.now(UTC) - timedelta(days=2)
    payload = body(phq9(q9=2), completed_at=answered)
    assert post(client, csrf, payload).status_code == 201
    row = db_session.get(Checkin, uuid.UUID(payload["id"]))
    assert row.completed_at == answered and row.received_at - answered > timedelta(days=1)
    alert = db_session.scalar(sa.select(Alert))
    assert alert.answered_at == answered


def test_oversize_body_is_refused(client, csrf, db_session):
    payload = body()
    payload["answers"] = {**PHQ9_ZERO, "pad": "x" * (70 * 1024)}
    response = post(client, csrf, payload)
    assert response.status_code == 413
    assert count_checkins(db_session) == 0


def test_anonymous_and_staff_cannot_post_checkins(client, make_client, create_clinician, login):
    assert client.post("/api/v1/checkins", json=body()).status_code == 401
    staff_client = make_client()
    token = login(staff_client, create_clinician())
    assert post(staff_client, token, body()).status_code == 403


def test_checkin_without_csrf_token_is_refused(client, csrf, db_session):
    assert client.post("/api/v1/checkins", json=body()).status_code == 403
    assert count_checkins(db_session) == 0


def _blackhole():
    """A TCP port that accepts connections (backlog) and never answers: a hung broker."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    return server


@pytest.mark.parametrize("broker", ["refused", "hung"])
def test_post_never_waits_on_a_dead_broker(
    app, db_session, create_patient, redeem, client_for, broker
):
    """With the broker down or hung, the POST answers 201 within 2 s and the row waits."""
    from api.app import create_app

    hole = _blackhole()
    port = hole.getsockname()[1] if broker == "hung" else 1  # nothing listens on port 1
    try:
        dead = create_app(
            {
                # The limiter is one object per process: keep the run's storage for it.
                **{
                    k: app.config[k]
                    for k in (
                        "SQLALCHEMY_DATABASE_URI",
                        "SECRET_KEY",
                        "PUBLIC_URL",
                        "RATELIMIT_STORAGE_URI",
                    )
                },
                "TESTING": True,
                "CELERY": {"broker_url": f"redis://127.0.0.1:{port}/0"},
            }
        )
        client = client_for(dead)
        csrf = redeem(client, create_patient())
        payloads = [body(phq9(q9=1)), body(phq9(q2=1))]
        timings = []
        for payload in payloads:
            start = time.monotonic()
            response = post(client, csrf, payload)
            timings.append(time.monotonic() - start)
            assert response.status_code == 201, response.json
    finally:
        hole.close()
    assert timings[0] < 2.0
    # Once a publish has failed, the next requests do not wait on the broker at all.
    assert timings[1] < 0.4
    rows = [db_session.get(Checkin, uuid.UUID(payload["id"])) for payload in payloads]
    for row in rows:
        assert row is not None and row.evaluated_at is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 1
    # The first was stamped as published (its publish was tried); the second, committed while
    # the process skipped the broker, is not: the reconciler sends it at its next tick instead
    # of taking it for queued (api/pipeline/outbox.py).
    assert rows[0].last_published_at is not None
    assert rows[1].last_published_at is None


def test_patient_sees_only_their_own_history(client, csrf, make_client, create_patient, redeem):
    assert post(client, csrf, body(phq9(q1=1))).status_code == 201
    other = make_client()
    other_csrf = redeem(other, create_patient())
    assert post(other, other_csrf, body(phq9(q2=2))).status_code == 201
    mine = client.get("/api/v1/me/checkins").json["items"]
    assert [c["total"] for c in mine] == [1]


def test_me_carries_the_clinic_and_its_crisis_resources(client, csrf, patient):
    me = client.get("/api/v1/me").json
    assert me["id"] == str(patient.id)
    assert me["clinic"]["name"] == patient.clinic.name
    assert me["crisis_resources"][0]["kind"] == "emergency"
    assert set(me["instruments"]) >= {"phq9", "gad7", "asq", "post_session"}


def test_me_and_schedule_leave_long_missed_slots_out_of_next_due(client, csrf, patient, db_session):
    from api.models import CheckinDue

    now = datetime.now(UTC)
    missed = now - timedelta(days=3)
    coming = now + timedelta(hours=2)
    for at in (missed, coming):
        db_session.add(
            CheckinDue(patient_id=patient.id, instrument="gad7", due_at=at, reason="cadence")
        )
    db_session.flush()
    for path in ("/api/v1/me", "/api/v1/me/schedule"):
        dues = [datetime.fromisoformat(d["due_at"]) for d in client.get(path).json["next_due"]]
        assert coming in dues, path
        assert all(at > now - timedelta(days=1) for at in dues), path


def test_push_subscription_is_stored_for_the_patient(client, csrf, patient, db_session):
    from api.models import PushSubscription

    subscription = {
        "endpoint": "https://push.example.org/abc",
        "keys": {"p256dh": "BNc", "auth": "tok"},
    }
    response = client.post(
        "/api/v1/me/push-subscription", json=subscription, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201
    row = db_session.scalar(sa.select(PushSubscription))
    assert row.patient_id == patient.id and row.endpoint == subscription["endpoint"]


def test_instrument_definitions_and_fhir_questionnaire(client, csrf):
    listing = client.get("/api/v1/instruments").json["items"]
    assert {i["code"] for i in listing} >= {"phq9", "gad7"}
    phq = client.get("/api/v1/instruments/phq9").json
    assert phq["items"][8]["text"] == (
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    fhir = client.get("/api/v1/instruments/phq9?format=fhir")
    assert fhir.headers["Content-Type"] == "application/fhir+json"
    assert fhir.json["resourceType"] == "Questionnaire"
    accept = client.get("/api/v1/instruments/gad7", headers={"Accept": "application/fhir+json"})
    assert accept.json["resourceType"] == "Questionnaire"
    assert client.get("/api/v1/instruments/nope").status_code == 404
    assert client.get("/api/v1/instruments/phq9?format=xml").status_code == 400


def test_a_definition_goes_gzipped_to_a_phone_that_accepts_it(client, csrf):
    plain = client.get("/api/v1/instruments/phq9?language=es")
    zipped = client.get("/api/v1/instruments/phq9?language=es", headers={"Accept-Encoding": "gzip"})
    assert (plain.status_code, zipped.status_code) == (200, 200)
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert (
        "Accept-Encoding" in plain.headers["Vary"] and "Accept-Encoding" in zipped.headers["Vary"]
    )
    assert gzip.decompress(zipped.data) == plain.data  # the same document, byte for byte
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data) / 2
    assert plain.json["language"] == "es"


def test_instruments_need_a_session(client):
    assert client.get("/api/v1/instruments").status_code == 401


def test_invalid_stored_rule_settings_never_break_a_submission(client, patient, redeem, db_session):
    patient.clinic.rule_settings = {"no_such_rule": True}
    db_session.flush()
    csrf = redeem(client, patient)
    response = post(client, csrf, body(phq9(q9=1)))
    assert response.status_code == 201
    assert db_session.scalar(sa.select(Alert)).rule == "suicidal_ideation"


@pytest.mark.parametrize(
    ("offset", "stored_as_arrival"),
    [(timedelta(hours=3), True), (-timedelta(days=45), False)],
    ids=["fast-clock", "45-days-old"],
)
def test_a_safety_checkin_is_never_refused_for_its_time(
    client, csrf, db_session, offset, stored_as_arrival
):
    reported = datetime.now(UTC) + offset
    payload = body(phq9(q9=1), completed_at=reported)
    response = post(client, csrf, payload)
    assert response.status_code == 201, response.json
    row = db_session.get(Checkin, uuid.UUID(payload["id"]))
    if stored_as_arrival:  # a clock that is ahead: the arrival time stands in, the device's kept
        assert row.completed_at == row.received_at
        assert row.reported_completed_at == reported
    else:  # really answered long ago (queued offline): its own time, said on the alert
        assert row.completed_at == reported and row.reported_completed_at is None
    assert db_session.scalar(sa.select(Alert)).rule == "suicidal_ideation"
    assert post(client, csrf, payload).json == response.json  # a replay still matches


def test_safety_alert_notifications_are_planned_at_submit(
    client, csrf, patient, db_session, create_clinician, redis_url
):
    from api.models import Delivery

    clinician = create_clinician(clinic=patient.clinic)
    patient.care_team.append(clinician)
    db_session.flush()
    post(client, csrf, body(phq9(q9=2)))
    rows = db_session.scalars(sa.select(Delivery)).all()
    assert [(d.channel, d.recipient, d.round, d.status) for d in rows] == [
        ("email", f"staff:{clinician.id}", 0, "pending")
    ]
    queued = redis.Redis.from_url(redis_url).lrange("urgent", 0, -1)
    tasks = [json.loads(raw)["headers"]["task"] for raw in queued]
    assert "waypoint.send_delivery" in tasks


def test_a_transaction_rolled_back_after_scoring_stores_and_enqueues_nothing(
    app, client, csrf, db_session, redis_url, monkeypatch
):
    """RELIABILITY test 3: the request fails after scoring, alerting and planning."""
    from api.checkins import routes

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # answer as production does

    def fail_after_the_work(action, **details):
        if action == "checkin.create":
            raise RuntimeError("the request dies after submit_checkin")

    monkeypatch.setattr(routes, "record", fail_after_the_work)
    payload = body(phq9(q9=3))
    response = post(client, csrf, payload)
    assert response.status_code == 500 and response.json["code"] == 500
    time.sleep(0.6)  # longer than a publish may take (PUBLISH_WAIT)
    from api.models import Delivery

    for model in (Checkin, Alert, Delivery):
        assert db_session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
    for queue in ("urgent", "default"):
        assert payload["id"] not in queued_checkin_ids(redis_url, queue)


def test_a_send_that_never_returns_does_not_stop_later_publishes():
    """RELIABILITY: a publish can hang despite every timeout (celery #4296, #6911).

    The request waits PUBLISH_WAIT at most; after the backoff, the next publish runs on a
    new thread instead of queueing forever behind the stuck one. The broker here is a
    stand-in whose first send blocks until released: a real broker cannot be made to hang
    forever on cue.
    """
    from flask import Flask

    from api import queue

    release, sent = threading.Event(), []

    class StuckOnce:
        def send_task(self, name, args, queue, retry):
            if not sent:
                sent.append(("stuck", args))
                release.wait(30)
                return
            sent.append((name, args))

    app = Flask("publish-test")
    app.extensions["celery"] = StuckOnce()
    started = time.monotonic()
    queue.publish(app, [("waypoint.evaluate_checkin", ["a"], "default")], wait=0.2)
    assert time.monotonic() - started < 1.0
    state = app.extensions["waypoint_broker"]
    assert state["down_until"] > time.monotonic()  # marked down: the next requests skip it
    state["down_until"] = 0.0  # the backoff has passed
    queue.publish(app, [("waypoint.evaluate_checkin", ["b"], "default")], wait=2.0)
    assert ("waypoint.evaluate_checkin", ["b"]) in sent  # sent while the first still hangs
    release.set()
