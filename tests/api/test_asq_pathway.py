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
