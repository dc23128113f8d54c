"""A check-in under way sent for its safety answer: one alert per episode, bad input refused."""

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert, AlertEvent, Checkin, CheckinPartial, Delivery
from tests.support.answers import PHQ9_ZERO


def field_errors(response) -> dict:
    """The per-field errors of an error body."""
    return response.json.get("errors") or {}


def signal(answers=None, instrument="phq9", checkin_id=None, answered_at=None):
    return {
        "id": str(checkin_id or uuid.uuid4()),
        "instrument": instrument,
        "answers": answers if answers is not None else {"phq9_1": 1, "phq9_9": 2},
        "answered_at": (answered_at or datetime.now(UTC)).isoformat(),
    }


def finished(checkin_id, q9=2):
    answers = {**PHQ9_ZERO, "phq9_1": 1, "phq9_9": q9, "phq9_difficulty": 1}
    return {
        "id": str(checkin_id),
        "instrument": "phq9",
        "answers": answers,
        "completed_at": datetime.now(UTC).isoformat(),
    }


@pytest.fixture
def patient(create_patient):
    return create_patient()


@pytest.fixture
def csrf(client, patient, redeem):
    return redeem(client, patient)


def send(client, csrf, payload):
    return client.post("/api/v1/checkins/partial", json=payload, headers={"X-CSRF-Token": csrf})


def post_checkin(client, csrf, payload):
    return client.post("/api/v1/checkins", json=payload, headers={"X-CSRF-Token": csrf})


def count(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_item9_alone_raises_the_urgent_alert_and_its_first_notifications(
    client, csrf, patient, db_session, create_clinician
):
    clinician = create_clinician(clinic=patient.clinic)
    patient.care_team.append(clinician)
    db_session.flush()
    answered = datetime.now(UTC) - timedelta(minutes=3)
    payload = signal({"phq9_1": 2, "phq9_9": 1}, answered_at=answered)
    response = send(client, csrf, payload)
    assert response.status_code == 201, response.json
    assert response.json["safety"]["level"] == "positive"
    assert response.json["safety"]["follow_up"] == "asq"
    assert response.json["safety"]["resources"], "crisis resources come back with the signal"
    alert = db_session.scalars(sa.select(Alert)).one()
    assert (alert.rule, alert.priority, alert.status) == ("suicidal_ideation", "urgent", "open")
    assert alert.dedupe_key == f"checkin:{payload['id']}:suicidal_ideation"
    assert alert.answered_at == answered
    assert alert.checkin_id is None  # no check-in exists yet
    deliveries = db_session.scalars(sa.select(Delivery)).all()
    assert [(d.alert_id, d.recipient, d.round) for d in deliveries] == [
        (alert.id, f"staff:{clinician.id}", 0)
    ]
    stored = db_session.get(CheckinPartial, uuid.UUID(payload["id"]))
    assert stored.answers == {"phq9_1": 2, "phq9_9": 1}
    assert count(db_session, Checkin) == 0


def test_asq_acuity_yes_alone_raises_the_imminent_alert(client, csrf, db_session):
    response = send(client, csrf, signal({"asq_1": 1, "asq_5": 1}, instrument="asq"))
    assert response.status_code == 201, response.json
    assert response.json["safety"]["level"] == "imminent"
    alert = db_session.scalars(sa.select(Alert)).one()
    assert (alert.rule, alert.priority) == ("imminent", "imminent")


def test_finishing_the_checkin_joins_the_same_alert(client, csrf, db_session):
    checkin_id = uuid.uuid4()
    assert send(client, csrf, signal(checkin_id=checkin_id)).status_code == 201
    response = post_checkin(client, csrf, finished(checkin_id))
    assert response.status_code == 201, response.json
    alert = db_session.scalars(sa.select(Alert)).one()
    assert alert.checkin_id == checkin_id
    # The later evaluation finds the joined alert and adds no second one.
    from api.models.base import utcnow
    from api.pipeline.evaluate import evaluate

    evaluate(checkin_id, utcnow())
    assert count(db_session, Alert) == 1


def test_a_signal_after_its_finished_checkin_changes_nothing(client, csrf, db_session):
    checkin_id = uuid.uuid4()
    assert post_checkin(client, csrf, finished(checkin_id)).status_code == 201
    before = db_session.scalars(sa.select(Alert)).one()
    deliveries = count(db_session, Delivery)
    assert send(client, csrf, signal(checkin_id=checkin_id)).status_code == 201
    assert db_session.scalars(sa.select(Alert)).one().id == before.id
    assert count(db_session, Delivery) == deliveries


def test_replay_returns_the_stored_signal_and_other_answers_conflict(client, csrf, db_session):
    payload = signal()
    first = send(client, csrf, payload)
    again = send(client, csrf, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json == first.json
    other = send(client, csrf, {**payload, "answers": {"phq9_9": 3}})
    assert other.status_code == 409
    assert count(db_session, CheckinPartial) == 1
    assert count(db_session, Alert) == 1
    assert db_session.scalars(sa.select(CheckinPartial)).one().answers == payload["answers"]


def test_another_patients_id_is_a_conflict(client, csrf, make_client, create_patient, redeem):
    payload = signal()
    assert send(client, csrf, payload).status_code == 201
    other = make_client()
    other_csrf = redeem(other, create_patient())
    assert send(other, other_csrf, payload).status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument": "nope"}, "instrument"),
        ({"answers": {"phq9_1": 2}}, "answers"),  # no safety rule triggered
        ({"answers": {"phq9_9": 0}}, "answers"),
        ({"answers": {"phq9_9": 4}}, "answers"),
        ({"answers": {"phq9_9": "2"}}, "answers"),
        ({"answers": {"phq9_9": 2, "phq9_10": 1}}, "answers"),
        ({"answers": {"phq9_9": 2, "gad7_1": 1}}, "answers"),
        ({"answers": {}}, "answers"),
        ({"instrument": "asq", "answers": {"asq_5": 1}}, "answers"),  # 5 is not asked alone
        ({"instrument": "asq", "answers": {"asq_1": 1}}, "answers"),  # acuity not known yet
        ({"instrument": "gad7", "answers": {"gad7_1": 3}}, "answers"),
        ({"answered_at": "yesterday"}, "answered_at"),
        ({"id": "not-a-uuid"}, "id"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_signals_are_refused_and_store_nothing(client, csrf, db_session, change, field):
    response = send(client, csrf, {**signal(), **change})
    assert response.status_code == 422, response.json
    named = field_errors(response)
    assert any(key == field or key.startswith(f"{field}.") for key in named), response.json
    assert count(db_session, CheckinPartial) == 0
    assert count(db_session, Alert) == 0


def test_no_safety_rule_says_so(client, csrf):
    response = send(client, csrf, signal({"phq9_1": 3}))
    assert response.status_code == 422
    assert response.json.get("reason") == "no_safety_rule"


def test_a_fast_clock_never_refuses_a_safety_answer(client, csrf, db_session):
    ahead = datetime.now(UTC) + timedelta(days=2)
    assert send(client, csrf, signal(answered_at=ahead)).status_code == 201
    stored = db_session.scalars(sa.select(CheckinPartial)).one()
    assert stored.reported_answered_at == ahead
    assert stored.answered_at < ahead - timedelta(days=1)


def test_anonymous_and_no_csrf_are_refused(client, make_client, csrf, db_session):
    anonymous = make_client()
    assert anonymous.post("/api/v1/checkins/partial", json=signal()).status_code in (401, 403)
    assert client.post("/api/v1/checkins/partial", json=signal()).status_code in (400, 403)
    assert count(db_session, CheckinPartial) == 0


def test_an_unfinished_checkin_is_shown_to_the_clinic_with_its_answers(
    client, csrf, patient, db_session, make_client, create_clinician, login
):
    unfinished_id, finished_id = uuid.uuid4(), uuid.uuid4()
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    answers = {"phq9_1": 1, "phq9_9": 3}
    first = send(client, csrf, signal(answers, checkin_id=unfinished_id, answered_at=hour_ago))
    assert first.status_code == 201, first.json
    assert send(client, csrf, signal(checkin_id=finished_id)).status_code == 201
    assert post_checkin(client, csrf, finished(finished_id)).status_code == 201
    staff = make_client()
    login(staff, create_clinician(clinic=patient.clinic))
    items = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert [(i["id"], i["status"]) for i in items] == [
        (str(finished_id), "complete"),
        (str(unfinished_id), "unfinished"),
    ]
    unfinished = items[1]
    assert unfinished["completed_at"] is None
    assert unfinished["safety_level"] == "positive"
    assert [(a["link_id"], a["value"], a["label"]) for a in unfinished["answers"]] == [
        ("phq9_1", 1, "Several days"),
        ("phq9_9", 3, "Nearly every day"),
    ]
    only_gad = staff.get(f"/api/v1/patients/{patient.id}/checkins?instrument=gad7").json
    assert only_gad["items"] == []


def test_the_openapi_documents_the_signal(client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/v1/checkins/partial"]["post"]
    assert {"200", "201", "409", "422"} <= set(post["responses"])
    schemas = spec["components"]["schemas"]
    assert {"id", "instrument", "answers", "answered_at"} <= set(schemas["PartialIn"]["properties"])


@pytest.fixture
def committed_patient(app, committed_db):
    """A committed patient (for threads), signed in on a fresh client."""
    from api.auth.operations import create_invite
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Partial race {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name="Racing")
        token = create_invite(patient).rsplit("/", 1)[1]
        committed_db.commit()
    return token


def _signed_in(make_client, token):
    client = make_client()
    csrf = client.post("/api/v1/auth/redeem", json={"token": token}).json["csrf_token"]
    return client, csrf


def test_signals_and_the_finished_checkin_racing_raise_one_alert(
    app, committed_db, make_client, committed_patient
):
    client, csrf = _signed_in(make_client, committed_patient)
    checkin_id = uuid.uuid4()
    partial, done = signal(checkin_id=checkin_id), finished(checkin_id)
    calls = [lambda: send(client, csrf, partial)] * 4 + [lambda: post_checkin(client, csrf, done)]
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        responses = list(pool.map(run, calls))
    assert sorted(r.status_code for r in responses[:4]) == [200, 200, 200, 201]
    assert responses[4].status_code == 201
    with app.app_context():
        alerts = committed_db.scalars(sa.select(Alert)).all()
        assert [(a.rule, a.checkin_id) for a in alerts] == [("suicidal_ideation", checkin_id)]
        assert committed_db.scalar(sa.select(sa.func.count()).select_from(CheckinPartial)) == 1
        created = sa.select(sa.func.count()).where(AlertEvent.kind == "created")
        assert committed_db.scalar(created.select_from(AlertEvent)) == 1
        # The finished check-in is the same answer, not a further one of the episode.
        assert alerts[0].repeats == 0


def test_the_patients_record_export_and_erasure_hold_the_signal(
    client, csrf, patient, db_session, make_client, create_clinician, login
):
    payload = signal({"phq9_9": 1})
    assert send(client, csrf, payload).status_code == 201
    admin = make_client()
    token = login(admin, create_clinician(clinic=patient.clinic, role="admin"))
    exported = admin.get(f"/api/v1/admin/patients/{patient.id}/export").json
    assert [(s["id"], s["answers"]) for s in exported["safety_signals"]] == [
        (payload["id"], {"phq9_9": 1})
    ]
    erased = admin.post(
        f"/api/v1/admin/patients/{patient.id}/erase",
        json={"confirm_ref": patient.ref},
        headers={"X-CSRF-Token": token},
    )
    assert erased.status_code == 200, erased.json
    assert erased.json["safety_signals"] == 1
    assert count(db_session, CheckinPartial) == 0


def test_a_safety_answer_changed_before_finishing_stays_visible(
    client, csrf, patient, make_client, create_clinician, login
):
    checkin_id = uuid.uuid4()
    assert send(client, csrf, signal({"phq9_9": 3}, checkin_id=checkin_id)).status_code == 201
    assert post_checkin(client, csrf, finished(checkin_id, q9=0)).status_code == 201
    kept = uuid.uuid4()
    assert send(client, csrf, signal({"phq9_9": 2}, checkin_id=kept)).status_code == 201
    assert post_checkin(client, csrf, finished(kept, q9=2)).status_code == 201
    staff = make_client()
    login(staff, create_clinician(clinic=patient.clinic))
    items = {i["id"]: i for i in staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]}
    changed = items[str(checkin_id)]["signal"]
    assert [(a["link_id"], a["label"]) for a in changed["changed_answers"]] == [
        ("phq9_9", "Nearly every day")
    ]
    assert items[str(kept)]["signal"]["changed_answers"] is None
    assert items[str(kept)]["signal"]["answered_at"]


@pytest.mark.parametrize("sent", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_a_signal_with_a_time_that_cannot_be_stored_still_raises_its_alert(
    client, csrf, db_session, sent
):
    """As for a finished check-in: never refused for its time, stored at its arrival."""
    payload = signal()
    payload["answered_at"] = sent
    response = send(client, csrf, payload)
    assert response.status_code == 201, response.json
    stored = db_session.get(CheckinPartial, uuid.UUID(payload["id"]))
    assert abs(stored.answered_at - stored.received_at) < timedelta(seconds=1)
    assert stored.reported_answered_at is None
    alert = db_session.scalar(sa.select(Alert).where(Alert.dedupe_key.like(f"%{payload['id']}%")))
    assert alert is not None and alert.priority == "urgent"
    # The patient's record still reads back (the clinic's check-in list includes unfinished ones).
    db_session.expire_all()
    assert db_session.get(CheckinPartial, stored.id).answered_at.year >= 2000
