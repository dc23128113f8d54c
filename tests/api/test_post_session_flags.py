"""The post-session check's red flags through the API: each raises its alert and notifies; the
urgent one leaves the phone at once as a safety signal that the finished check-in joins; bad
input is a 4xx that changes nothing; check-ins of the first version still read and render."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

import surveys
from api.checkins.operations import scored_checkin
from api.models import Alert, AlertEvent, Checkin, CheckinPartial, Delivery
from api.models.base import utcnow
from api.pipeline.evaluate import evaluate

DEFINITION = surveys.get_definition("post_session")
CALM = {i.link_id: min(i.values) for i in DEFINITION.items if i.type == "choice"}

#: Each red flag, its documented priority (docs/clinical.md), and an answer that raises it.
FLAGS = [
    ("bp_crisis_signs", "urgent", {"ps_bp_vision": 2}),
    ("dissociation_next_day", "high", {"ps_dissociation": 3}),
    ("sedation_next_day", "high", {"ps_sleepy": 3}),
    ("drove_on_treatment_day", "high", {"ps_drove": 1}),
    ("bladder_symptoms", "high", {"ps_bladder": 3}),
    ("craving", "high", {"ps_craving": 2}),
    ("persisting_effects", "routine", {"ps_thinking": 3}),
]


@pytest.fixture
def patient(create_patient, create_clinician, db_session):
    patient = create_patient()
    patient.care_team.append(create_clinician(clinic=patient.clinic))
    db_session.flush()
    return patient


@pytest.fixture
def csrf(client, patient, redeem):
    return redeem(client, patient)


def finished(answers, checkin_id=None, completed_at=None):
    return {
        "id": str(checkin_id or uuid.uuid4()),
        "instrument": "post_session",
        "answers": {**CALM, **answers},
        "completed_at": (completed_at or datetime.now(UTC)).isoformat(),
    }


def signal(answers, checkin_id=None, instrument="post_session"):
    return {
        "id": str(checkin_id or uuid.uuid4()),
        "instrument": instrument,
        "answers": answers,
        "answered_at": datetime.now(UTC).isoformat(),
    }


def post(client, csrf, path, payload):
    return client.post(path, json=payload, headers={"X-CSRF-Token": csrf})


def count(db_session, model):
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(("rule", "priority", "answer"), FLAGS)
def test_each_red_flag_raises_its_alert_and_its_first_notifications_at_submit(
    client, csrf, patient, db_session, rule, priority, answer
):
    payload = finished(answer)
    response = post(client, csrf, "/api/v1/checkins", payload)
    assert response.status_code == 201, response.json
    alert = db_session.scalars(sa.select(Alert)).one()
    assert (alert.rule, alert.priority, alert.status) == (rule, priority, "open")
    assert alert.dedupe_key == f"checkin:{payload['id']}:{rule}"
    assert alert.checkin_id == uuid.UUID(payload["id"])
    assert alert.reason.startswith("Post-session check: ")
    assert alert.episode is True
    (member,) = patient.care_team
    deliveries = db_session.scalars(sa.select(Delivery)).all()
    assert [(d.alert_id, d.recipient, d.round) for d in deliveries] == [
        (alert.id, f"staff:{member.id}", 0)
    ]
    # Urgent escalates when nobody acknowledges; high and routine do not.
    assert (alert.escalate_at is not None) == (priority == "urgent")
    # The worker's evaluation later finds the same hit and adds nothing.
    evaluate(uuid.UUID(payload["id"]), utcnow())
    assert count(db_session, Alert) == 1


def test_a_calm_check_and_any_free_text_raise_nothing(client, csrf, db_session):
    words = "chest pain all night, I drove home, I want more ketamine"
    response = post(client, csrf, "/api/v1/checkins", finished({"ps_other": words}))
    assert response.status_code == 201, response.json
    assert count(db_session, Alert) == 0


@pytest.mark.parametrize("value", [1, 2], ids=["gone", "now"])
def test_a_warning_sign_leaves_the_phone_at_once_and_the_finished_check_joins_it(
    client, csrf, db_session, value
):
    checkin_id = uuid.uuid4()
    so_far = {"ps_bp_headache": 0, "ps_bp_chest": value}
    response = post(client, csrf, "/api/v1/checkins/partial", signal(so_far, checkin_id))
    assert response.status_code == 201, response.json
    alert = db_session.scalars(sa.select(Alert)).one()
    assert (alert.rule, alert.priority, alert.checkin_id) == ("bp_crisis_signs", "urgent", None)
    assert ("call 911 now" in alert.reason) == (value == 2)
    assert count(db_session, Delivery) == 1
    assert db_session.get(CheckinPartial, checkin_id).answers == so_far

    rest = {"ps_bp_chest": value, "ps_dissociation": 3}
    response = post(client, csrf, "/api/v1/checkins", finished(rest, checkin_id))
    assert response.status_code == 201, response.json
    db_session.expire_all()  # the join is one UPDATE statement
    alerts = {a.rule: a for a in db_session.scalars(sa.select(Alert))}
    assert set(alerts) == {"bp_crisis_signs", "dissociation_next_day"}
    assert (alerts["bp_crisis_signs"].id, alerts["bp_crisis_signs"].checkin_id) == (
        alert.id,
        checkin_id,
    )
    evaluate(checkin_id, utcnow())
    assert count(db_session, Alert) == 2
    # One case, one round: the warning sign's (from its signal). The high flag joins the
    # case the care team was told of, and evaluating it again adds nothing.
    assert count(db_session, Delivery) == 1
    db_session.expire_all()
    high = db_session.get(Alert, alerts["dissociation_next_day"].id)
    assert (high.case_id, high.notify) == (alert.case_id, False)


def test_a_second_warning_sign_while_the_alert_is_open_joins_its_episode(client, csrf, db_session):
    first = finished({"ps_bp_breath": 2})
    assert post(client, csrf, "/api/v1/checkins", first).status_code == 201
    later = finished({"ps_bp_breath": 1})
    assert post(client, csrf, "/api/v1/checkins", later).status_code == 201
    alert = db_session.scalars(sa.select(Alert)).one()
    assert alert.repeats == 1
    kinds = db_session.scalars(sa.select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id))
    assert "repeated" in list(kinds)
    assert count(db_session, Delivery) == 1


def test_an_urgent_warning_sign_is_never_refused_for_its_time(client, csrf, db_session):
    old = datetime.now(UTC) - timedelta(days=40)
    response = post(
        client, csrf, "/api/v1/checkins", finished({"ps_bp_chest": 1}, completed_at=old)
    )
    assert response.status_code == 201, response.json
    # A calm one that old is refused.
    response = post(client, csrf, "/api/v1/checkins", finished({}, completed_at=old))
    assert response.status_code == 422
    assert "completed_at" in response.json["errors"]


@pytest.mark.parametrize(
    ("answers", "instrument", "field"),
    [
        ({"ps_dissociation": 3, "ps_drove": 1}, "post_session", "answers"),  # high only
        ({"ps_bp_chest": 3}, "post_session", "answers"),  # not an allowed answer
        ({"ps_bp_chest": True}, "post_session", "answers"),
        ({"ps_chest": 2}, "post_session", "answers"),  # unknown question
        ({"ps_bp_chest": 2}, "phq9", "answers"),  # the wrong instrument
        ({"ps_bp_chest": 2}, "post_sesion", "instrument"),
        ({"ps_other": "chest pain now"}, "post_session", "answers"),  # free text is no signal
    ],
)
def test_bad_or_non_urgent_signals_are_refused_and_change_nothing(
    client, csrf, db_session, answers, instrument, field
):
    response = post(client, csrf, "/api/v1/checkins/partial", signal(answers, None, instrument))
    assert response.status_code == 422, response.json
    assert any(key.split(".")[0] == field for key in response.json["errors"])
    assert (count(db_session, CheckinPartial), count(db_session, Alert)) == (0, 0)


def test_the_high_only_signal_says_why(client, csrf):
    response = post(client, csrf, "/api/v1/checkins/partial", signal({"ps_drove": 1}))
    assert response.status_code == 422
    assert response.json["reason"] == "no_safety_rule"


def test_a_replay_with_other_answers_is_a_conflict_that_changes_nothing(client, csrf, db_session):
    checkin_id = uuid.uuid4()
    payload = signal({"ps_bp_chest": 2}, checkin_id)
    assert post(client, csrf, "/api/v1/checkins/partial", payload).status_code == 201
    again = post(client, csrf, "/api/v1/checkins/partial", payload)
    assert again.status_code == 200
    other = {**payload, "answers": {"ps_bp_chest": 1}}
    response = post(client, csrf, "/api/v1/checkins/partial", other)
    assert response.status_code == 409, response.json
    assert db_session.get(CheckinPartial, checkin_id).answers == {"ps_bp_chest": 2}
    assert (count(db_session, Alert), count(db_session, Delivery)) == (1, 1)


def test_a_bad_finished_check_is_refused_and_changes_nothing(client, csrf, db_session):
    response = post(client, csrf, "/api/v1/checkins", finished({"ps_bladder": 4}))
    assert response.status_code == 422
    assert "answers.ps_bladder" in response.json["errors"]
    # The first version's questions are not asked any more.
    response = post(client, csrf, "/api/v1/checkins", finished({"ps_dizziness": 1}))
    assert response.status_code == 422
    assert (count(db_session, Checkin), count(db_session, Alert)) == (0, 0)


def test_a_check_in_of_the_first_version_still_reads_and_renders(
    client, csrf, patient, db_session, make_client, create_clinician, login
):
    old = surveys.get_definition("post_session", "1.0.0")
    answers = {
        "ps_nausea": 1,
        "ps_dizziness": 2,
        "ps_headache": 0,
        "ps_dissociation": 3,
        "ps_sleep": 1,
    }
    row = scored_checkin(patient, old, answers, surveys.score(old, answers), completed_at=utcnow())
    db_session.add(row)
    db_session.flush()
    assert evaluate(row.id, utcnow())["status"] == "evaluated"
    assert count(db_session, Alert) == 0  # the first version had no red flags
    staff = make_client()
    login(staff, create_clinician(clinic=patient.clinic))
    (item,) = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    shown = [(a["link_id"], a["label"]) for a in item["answers"]]
    assert ("ps_dizziness", "Quite a bit") in shown
    assert len(shown) == 5


def test_a_check_begun_on_the_first_version_is_scored_as_it_was_asked(client, csrf, db_session):
    """A phone that opened the check before the update sends the version it asked."""
    answers = {
        "ps_nausea": 0,
        "ps_dizziness": 1,
        "ps_headache": 0,
        "ps_dissociation": 0,
        "ps_sleep": 0,
    }
    payload = {**finished({}), "answers": answers}
    refused = post(client, csrf, "/api/v1/checkins", payload)
    assert refused.status_code == 422  # read with the current version it is not valid
    response = post(client, csrf, "/api/v1/checkins", {**payload, "version": "1.0.0"})
    assert response.status_code == 201, response.json
    stored = db_session.get(Checkin, uuid.UUID(payload["id"]))
    assert (stored.instrument_version, stored.answers) == ("1.0.0", answers)
    # A version Waypoint does not keep is read as the current one.
    current = finished({"ps_drove": 1})
    response = post(client, csrf, "/api/v1/checkins", {**current, "version": "0.1"})
    assert response.status_code == 201, response.json
    assert db_session.get(Checkin, uuid.UUID(current["id"])).instrument_version == "2.0.0"
    assert db_session.scalars(sa.select(Alert.rule)).all() == ["drove_on_treatment_day"]
