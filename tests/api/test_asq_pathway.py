"""The ASQ follows the NIMH pathway: every result raises what it should, and the clinic sees it."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert

PHQ9_ITEM9 = {**{f"phq9_{n}": 0 for n in range(1, 9)}, "phq9_9": 2, "phq9_difficulty": 1}
ASQ_NO = {"asq_1": 0, "asq_2": 0, "asq_3": 0, "asq_4": 0}


@pytest.fixture
def patient(create_patient):
    return create_patient()


@pytest.fixture
def csrf(client, patient, redeem):
    return redeem(client, patient)


@pytest.fixture
def staff(make_client, login, create_clinician, patient):
    other = make_client()
    login(other, create_clinician(clinic=patient.clinic))
    return other


def post(client, csrf, instrument, answers, follow_up_of=None, at=None):
    body = {
        "id": str(uuid.uuid4()),
        "instrument": instrument,
        "answers": answers,
        "completed_at": (at or datetime.now(UTC)).isoformat(),
    }
    if follow_up_of:
        body["follow_up_of"] = follow_up_of
    response = client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.json
    return body["id"]


def alerts(db_session):
    return {a.rule: a for a in db_session.scalars(sa.select(Alert))}


@pytest.mark.parametrize(
    ("answers", "rules", "result"),
    [
        (ASQ_NO, set(), "negative"),
        ({**ASQ_NO, "asq_2": 1, "asq_5": 0}, {"non_acute_positive"}, "non_acute_positive"),
        ({**ASQ_NO, "asq_4": 1, "asq_5": 1}, {"imminent"}, "acute_positive"),
    ],
    ids=["negative", "non-acute-positive", "acute-positive"],
)
def test_every_asq_result_raises_what_the_pathway_asks_and_is_shown(
    client, csrf, staff, patient, db_session, answers, rules, result
):
    phq9 = post(client, csrf, "phq9", PHQ9_ITEM9)
    asq = post(client, csrf, "asq", answers, follow_up_of=phq9)
    raised = alerts(db_session)
    assert set(raised) == {"suicidal_ideation", *rules}
    for rule in rules:
        assert (
            raised[rule].priority == {"non_acute_positive": "urgent", "imminent": "imminent"}[rule]
        )
        assert str(raised[rule].checkin_id) == asq

    listed = {a["rule"]: a for a in staff.get("/api/v1/alerts").json["items"]}
    assert {rule: a["asq_result"] for rule, a in listed.items()} == {
        rule: result for rule in listed
    }
    one = staff.get(f"/api/v1/alerts/{listed['suicidal_ideation']['id']}").json
    assert one["asq_result"] == result

    items = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert {i["id"]: i["asq_result"] for i in items} == {phq9: result, asq: result}

    response = staff.get(f"/api/v1/patients/{patient.id}/export.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["checkin_id"]: r["asq_result"] for r in rows} == {phq9: result, asq: result}


def test_an_asq_offered_after_item9_and_not_answered_within_an_hour_says_so(
    client, csrf, staff, patient
):
    old = post(client, csrf, "phq9", PHQ9_ITEM9, at=datetime.now(UTC) - timedelta(hours=2))
    recent = post(client, csrf, "phq9", PHQ9_ITEM9)
    calm = post(client, csrf, "phq9", {f"phq9_{n}": 0 for n in range(1, 10)})
    items = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert {i["id"]: i["asq_result"] for i in items} == {
        recent: "pending",
        old: "not_answered",
        calm: None,
    }
    # One episode (the later item 9 joins it), raised on the check-in whose ASQ never came.
    shown = [a["asq_result"] for a in staff.get("/api/v1/alerts").json["items"]]
    assert shown == ["not_answered"]


def test_a_follow_up_of_an_unknown_or_malformed_id_is_handled(client, csrf):
    post(client, csrf, "asq", ASQ_NO, follow_up_of=str(uuid.uuid4()))  # still on its way
    body = {
        "id": str(uuid.uuid4()),
        "instrument": "asq",
        "answers": ASQ_NO,
        "completed_at": datetime.now(UTC).isoformat(),
        "follow_up_of": "nope",
    }
    response = client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422


def test_repeated_non_acute_positive_screens_are_one_open_alert(client, csrf, db_session):
    """Like item 9: a flood of positive ASQs (never rate-limited) is one alert and one round
    of notifications, every answer recorded on it, not an alert per screen."""
    for _ in range(4):
        post(client, csrf, "asq", {**ASQ_NO, "asq_1": 1, "asq_5": 0})
    rows = db_session.scalars(sa.select(Alert).where(Alert.rule == "non_acute_positive")).all()
    assert len(rows) == 1 and rows[0].status == "open"
    assert rows[0].repeats == 3


@pytest.fixture
def admin(make_client, login, create_clinician, patient):
    other = make_client()
    csrf = login(other, create_clinician(clinic=patient.clinic, role="admin"))
    return other, csrf


def set_rules(admin, **settings):
    client, csrf = admin
    return client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": settings},
        headers={"X-CSRF-Token": csrf},
    )


@pytest.mark.parametrize("value", [0, -5, 1441, 10**9, "60", True, 1.5, [60]])
def test_a_bad_follow_up_time_is_a_clear_422_and_changes_nothing(admin, db_session, value):
    from api.models import Clinic

    response = set_rules(admin, asq_follow_up_minutes=value)
    assert response.status_code == 422, response.json
    assert list(response.json["errors"]) == ["rule_settings.asq_follow_up_minutes"]
    message = " ".join(response.json["errors"]["rule_settings.asq_follow_up_minutes"])
    assert "asq_follow_up_minutes must be a whole number from 1 to 1440" in message
    client, _ = admin
    settings = client.get("/api/v1/clinic/settings").json["rule_settings"]
    assert settings["asq_follow_up_minutes"] == 60
    db_session.expire_all()
    assert all(
        "asq_follow_up_minutes" not in (c.rule_settings or {})
        for c in db_session.scalars(sa.select(Clinic))
    )


def test_the_follow_up_time_is_the_clinics_on_both_sides_of_the_boundary(
    client, csrf, staff, admin, patient
):
    assert set_rules(admin, asq_follow_up_minutes=30).status_code == 200
    now = datetime.now(UTC)
    # A minute either side of 30 (the request's own time lies between these and the read).
    after = post(client, csrf, "phq9", PHQ9_ITEM9, at=now - timedelta(minutes=31))
    before = post(client, csrf, "phq9", PHQ9_ITEM9, at=now - timedelta(minutes=29))
    items = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert {i["id"]: i["asq_result"] for i in items} == {before: "pending", after: "not_answered"}
    # The episode's alert is on the first answer sent, whose ASQ is now overdue.
    listed = staff.get("/api/v1/alerts").json["items"]
    assert [(a["asq_result"], a["repeats"]) for a in listed] == [("not_answered", 1)]

    # Read-time: the clinic's new time applies at once to what is already stored.
    assert set_rules(admin, asq_follow_up_minutes=None).status_code == 200  # default, 60
    items = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert {i["asq_result"] for i in items} == {"pending"}
    # An ASQ that came after all gives its own result, whatever the time.
    post(client, csrf, "asq", ASQ_NO, follow_up_of=after)
    assert staff.get("/api/v1/alerts").json["items"][0]["asq_result"] == "negative"


def test_the_follow_up_state_turns_strictly_after_the_wait():
    from api.checkins.followups import follow_up_state

    offered = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    wait = timedelta(minutes=45)
    assert follow_up_state(offered, offered + wait - timedelta(seconds=1), wait) == "pending"
    assert follow_up_state(offered, offered + wait, wait) == "pending"
    assert follow_up_state(offered, offered + wait + timedelta(seconds=1), wait) == "not_answered"
