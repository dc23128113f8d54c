"""Issue #14 finding 1: a patient's flood of check-ins. Non-safety check-ins are limited per
device and per patient (429 + Retry-After, nothing stored); a safety answer is never refused
and a flood of them collapses into the patient's one open alert, races included."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from api.models import Alert, AlertEvent, Checkin, Delivery
from tests.support.answers import checkin_body as body
from tests.support.answers import count_checkins, phq9, post

ASQ_ACUTE = {"asq_1": 1, "asq_2": 0, "asq_3": 1, "asq_4": 0, "asq_5": 1}


@pytest.fixture
def patient(create_patient, create_clinician, db_session):
    patient = create_patient()
    patient.care_team.append(create_clinician(clinic=patient.clinic))
    db_session.flush()
    return patient


@pytest.fixture
def csrf(client, patient, redeem):
    return redeem(client, patient)


def alerts_of(session, patient_id):
    return session.scalars(
        sa.select(Alert).where(Alert.patient_id == patient_id).order_by(Alert.created_at)
    ).all()


def repeated_events(session, alert_id):
    return session.scalars(
        sa.select(AlertEvent)
        .where(AlertEvent.alert_id == alert_id, AlertEvent.kind == "repeated")
        .order_by(AlertEvent.id)
    ).all()


def test_the_device_limit_answers_429_with_retry_after_and_stores_nothing(client, csrf, db_session):
    for n in range(6):
        assert post(client, csrf, body(phq9(q1=1))).status_code == 201, n
    refused = post(client, csrf, body(phq9(q1=1)))
    assert refused.status_code == 429, refused.json
    assert refused.json["reason"] == "checkin_rate"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert count_checkins(db_session) == 6


def test_a_misconfigured_limit_refuses_nobody(client, csrf, app, monkeypatch, db_session):
    monkeypatch.setitem(app.config, "CHECKIN_LIMIT_PER_PATIENT", "often")
    for _ in range(8):
        assert post(client, csrf, body(phq9(q6=1))).status_code == 201
    assert count_checkins(db_session) == 8


def test_a_safety_answer_is_never_refused_while_over_the_limit(client, csrf, db_session):
    for _ in range(6):
        post(client, csrf, body(phq9(q2=1)))
    assert post(client, csrf, body(phq9(q2=1))).status_code == 429
    response = post(client, csrf, body(phq9(q9=1)))
    assert response.status_code == 201, response.json
    assert response.json["safety"]["endorsed"] is True
    [alert] = db_session.scalars(sa.select(Alert)).all()
    assert alert.rule == "suicidal_ideation"
    # An ASQ with the acuity question answered yes is a safety answer too.
    assert post(client, csrf, body(ASQ_ACUTE, instrument="asq")).status_code == 201


def test_a_replay_over_the_limit_is_answered_as_stored(client, csrf, db_session):
    first = body(phq9(q3=1))
    stored = post(client, csrf, first)
    for _ in range(5):
        post(client, csrf, body(phq9(q3=1)))
    assert post(client, csrf, body(phq9(q3=1))).status_code == 429
    replay = post(client, csrf, first)
    assert replay.status_code == 200 and replay.json == stored.json


def test_the_patient_limit_spans_their_devices(client, csrf, patient, make_client, redeem):
    phone, tablet = client, make_client()
    tablet_csrf = redeem(tablet, patient)
    for _ in range(5):
        assert post(phone, csrf, body(phq9(q4=1))).status_code == 201
        assert post(tablet, tablet_csrf, body(phq9(q4=1))).status_code == 201
    # Neither device has reached its own 6 per minute; the patient has reached 10.
    assert post(tablet, tablet_csrf, body(phq9(q4=1))).status_code == 429
    assert post(phone, csrf, body(phq9(q4=1))).status_code == 429


def test_another_patient_is_not_limited_by_the_first(client, csrf, make_client, create_patient,
                                                      redeem):  # fmt: skip
    for _ in range(6):
        post(client, csrf, body(phq9(q5=1)))
    assert post(client, csrf, body(phq9(q5=1))).status_code == 429
    other = make_client()
    other_csrf = redeem(other, create_patient())
    assert post(other, other_csrf, body(phq9(q5=1))).status_code == 201


def test_a_flood_of_item9_answers_is_one_alert_with_every_answer_on_it(
    client, csrf, patient, db_session
):
    ids = []
    for n in range(40):  # far beyond every limit: each is stored
        payload = body(phq9(q9=1 + n % 3))
        assert post(client, csrf, payload).status_code == 201, n
        ids.append(payload["id"])
    assert count_checkins(db_session) == 40
    [alert] = alerts_of(db_session, patient.id)
    assert alert.checkin_id == uuid.UUID(ids[0]) and alert.status == "open"
    assert alert.repeats == 39
    latest = db_session.get(Checkin, uuid.UUID(ids[-1])).completed_at
    assert alert.latest_answered_at == latest
    events = repeated_events(db_session, alert.id)
    assert [e.detail["checkin_id"] for e in events] == ids[1:]
    assert events[-1].detail["answered_at"] == latest.isoformat()
    # One round of notifications, as for a single answer: the care team's one email.
    assert db_session.scalar(sa.select(sa.func.count(Delivery.id))) == 1


def test_evaluating_attached_answers_again_adds_nothing(client, csrf, patient, db_session):
    from api.models.base import utcnow
    from api.pipeline.evaluate import evaluate

    ids = []
    for _ in range(3):
        payload = body(phq9(q9=2))
        post(client, csrf, payload)
        ids.append(uuid.UUID(payload["id"]))
    for checkin_id in ids + ids[::-1]:
        db_session.execute(sa.update(Checkin).values(evaluated_at=None))
        evaluate(checkin_id, utcnow())
    [alert] = alerts_of(db_session, patient.id)
    assert alert.repeats == 2 and len(repeated_events(db_session, alert.id)) == 2
    assert db_session.scalar(sa.select(sa.func.count(Delivery.id))) == 1


def test_an_imminent_answer_while_an_urgent_alert_is_open_raises_the_imminent(
    client, csrf, patient, db_session
):
    post(client, csrf, body(phq9(q9=1)))
    post(client, csrf, body(ASQ_ACUTE, instrument="asq"))
    post(client, csrf, body(ASQ_ACUTE, instrument="asq"))
    alerts = alerts_of(db_session, patient.id)
    assert [(a.rule, a.priority, a.repeats) for a in alerts] == [
        ("suicidal_ideation", "urgent", 0),
        ("imminent", "imminent", 1),
    ]
    # Each alert has its own first round.
    assert db_session.scalar(sa.select(sa.func.count(Delivery.id))) == 2


def test_after_acknowledgement_the_next_answer_opens_a_new_alert(client, csrf, patient, db_session):
    from api.alerts.operations import acknowledge_alert

    post(client, csrf, body(phq9(q9=1)))
    [first] = alerts_of(db_session, patient.id)
    acknowledge_alert(first, patient.care_team[0], "called the patient")
    db_session.flush()
    post(client, csrf, body(phq9(q9=1)))
    post(client, csrf, body(phq9(q9=1)))
    first_alert, second = alerts_of(db_session, patient.id)
    assert first_alert.id == first.id and first_alert.repeats == 0
    assert second.status == "open" and second.repeats == 1
    assert db_session.scalar(sa.select(sa.func.count(Delivery.id))) == 2


def test_concurrent_item9_posts_of_one_patient_make_one_alert(app, committed_db, make_client):
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Flood race {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name="Racing")
        committed_db.commit()
    clients = []
    for _ in range(6):  # six devices, each its own session
        client = make_client()
        token = _invite(app, committed_db, patient)
        csrf = client.post("/api/v1/auth/redeem", json={"token": token}).json["csrf_token"]
        clients.append((client, csrf))
    for round_ in range(3):  # a race lost one round can be won the next: run it again
        barrier = threading.Barrier(len(clients))
        with ThreadPoolExecutor(max_workers=len(clients)) as pool:
            statuses = [r.status_code for r in pool.map(_send_at_once, clients, [barrier] * 6)]
        assert statuses == [201] * len(clients), round_
    with app.app_context():
        [alert] = alerts_of(committed_db, patient.id)
        assert alert.repeats == 3 * len(clients) - 1
        assert len(repeated_events(committed_db, alert.id)) == alert.repeats


def _send_at_once(pair, barrier):
    barrier.wait()
    return post(*pair, body(phq9(q9=1)))


def _invite(app, committed_db, patient):
    from api.auth.operations import create_invite

    with app.test_request_context():
        token = create_invite(patient).rsplit("/", 1)[1]
        committed_db.commit()
    return token


@pytest.mark.parametrize("storage", ["redis", "memory"])
def test_the_budgets_are_hit_in_order_the_same_on_redis_and_in_memory(storage, redis_url):
    """Redis counts every budget in one script, other storages hit by hit: the same answers.
    A device over its limit uses none of the patient's budget; the day's budget refuses with
    the day's wait."""
    from limits import parse_many
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from api.checkins.limits import _hit_in_order

    strategy = FixedWindowRateLimiter(
        storage_from_string(redis_url if storage == "redis" else "memory://")
    )
    run = uuid.uuid4().hex  # keys of this test only

    def hit(device, per_device="2 per minute", per_patient="3 per minute; 4 per day"):
        budgets = [(item, f"{run}:device:{device}") for item in parse_many(per_device)]
        budgets += [(item, f"{run}:patient") for item in parse_many(per_patient)]
        return _hit_in_order(strategy, budgets)

    answers = [hit("phone"), hit("phone"), hit("phone"), hit("tablet"), hit("tablet")]
    # The phone's third is over its own 2; the tablet's first is the patient's third (the
    # phone's refused one not counted); the tablet's second is over the patient's 3.
    assert answers[:2] == [None, None] and answers[3] is None
    assert 1 <= answers[2] <= 60 and 1 <= answers[4] <= 60
    day = [hit("laptop", "9 per minute", "9 per minute; 2 per day") for _ in range(3)]
    # A fresh device and minute budgets with room; the day's 2 (of its own key) reached.
    assert day[:2] == [None, None] and 60 < day[2] <= 86400
