"""Alerts say when and what: when the patient answered, when it arrived, and the answer itself.

Issue #15 item 5: the inbox, the alert detail and the patient page show when the patient gave
the safety answer (not only when the alert was raised), the answer in the instrument's own
words ("Several days" ... "Nearly every day"), and that it sat on an offline phone.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.answers import phq9

ITEM9_WORDS = {1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
ITEM9_TEXT = "Thoughts that you would be better off dead or of hurting yourself in some way"


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


def post(client, csrf, path, body):
    response = client.post(path, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.json
    return body["id"]


def checkin(client, csrf, q9, at=None, checkin_id=None):
    body = {
        "id": str(checkin_id or uuid.uuid4()),
        "instrument": "phq9",
        "answers": phq9(q9=q9, q1=1),
        "completed_at": (at or datetime.now(UTC)).isoformat(),
    }
    return post(client, csrf, "/api/v1/checkins", body)


def partial(client, csrf, q9, at=None, checkin_id=None):
    body = {
        "id": str(checkin_id or uuid.uuid4()),
        "instrument": "phq9",
        "answers": {"phq9_1": 1, "phq9_2": 0, "phq9_9": q9},
        "answered_at": (at or datetime.now(UTC)).isoformat(),
    }
    return post(client, csrf, "/api/v1/checkins/partial", body)


def only_alert(staff):
    items = staff.get("/api/v1/alerts").json["items"]
    assert len(items) == 1, items
    return items[0]


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.mark.parametrize("q9", [1, 2, 3])
def test_an_item9_alert_says_when_it_was_answered_and_what_in_the_phq9s_words(
    client, csrf, staff, q9
):
    answered = datetime.now(UTC) - timedelta(minutes=4)
    checkin(client, csrf, q9, at=answered)
    alert = only_alert(staff)
    assert abs(parse(alert["answered_at"]) - answered) < timedelta(seconds=1)
    assert parse(alert["received_at"]) - answered >= timedelta(minutes=4)
    assert alert["sat_offline"] is False  # four minutes is filling in the check-in
    assert alert["unfinished"] is False
    assert alert["safety_answers"] == [
        {"link_id": "phq9_9", "text": ITEM9_TEXT, "value": q9, "label": ITEM9_WORDS[q9]}
    ]
    detail = staff.get(f"/api/v1/alerts/{alert['id']}").json
    assert detail["safety_answers"] == alert["safety_answers"]
    assert detail["answered_at"] == alert["answered_at"]


def test_an_answer_kept_on_an_offline_phone_for_days_says_so(client, csrf, staff):
    answered = datetime.now(UTC) - timedelta(days=3, hours=2)
    checkin(client, csrf, 3, at=answered)
    alert = only_alert(staff)
    assert alert["sat_offline"] is True
    assert parse(alert["received_at"]) - parse(alert["answered_at"]) > timedelta(days=3)
    # The alert was raised on arrival: raised now, answered three days ago.
    assert parse(alert["created_at"]) - parse(alert["received_at"]) < timedelta(seconds=5)


def test_the_offline_mark_starts_after_ten_minutes(client, csrf, staff, db_session):
    from api.alerts.bodies import sat_offline
    from api.models import Alert

    checkin(client, csrf, 1)
    alert = db_session.get(Alert, uuid.UUID(only_alert(staff)["id"]))
    alert.received_at = alert.answered_at + timedelta(minutes=10)
    assert not sat_offline(alert)
    alert.received_at = alert.answered_at + timedelta(minutes=10, seconds=1)
    assert sat_offline(alert)


def test_an_unfinished_checkins_alert_shows_the_answer_given_then_the_finished_one_joins(
    client, csrf, staff, patient
):
    answered = datetime.now(UTC) - timedelta(minutes=1)
    checkin_id = partial(client, csrf, 3, at=answered)
    alert = only_alert(staff)
    assert alert["unfinished"] is True
    assert alert["safety_answers"][0]["label"] == "Nearly every day"
    assert abs(parse(alert["answered_at"]) - answered) < timedelta(seconds=1)
    assert alert["asq_result"] is None  # the ASQ is offered only after the check-in
    listed = staff.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert [(c["id"], c["status"]) for c in listed] == [(checkin_id, "unfinished")]

    # Finished later with item 9 changed: the same alert, still the answer that raised it.
    checkin(client, csrf, 1, checkin_id=checkin_id)
    alert = only_alert(staff)
    assert alert["unfinished"] is False
    assert alert["safety_answers"][0]["label"] == "Nearly every day"
    assert alert["asq_result"] == "pending"


def test_a_repeated_answer_on_the_open_alert_keeps_its_level_on_the_timeline(client, csrf, staff):
    checkin(client, csrf, 1)
    checkin(client, csrf, 3, at=datetime.now(UTC) - timedelta(days=2))
    alert = only_alert(staff)
    assert alert["repeats"] == 1 and alert["safety_answers"][0]["label"] == "Several days"
    timeline = staff.get(f"/api/v1/alerts/{alert['id']}").json["timeline"]
    repeated = [e for e in timeline if e["kind"] == "repeated"]
    assert [a["label"] for a in repeated[0]["detail"]["answers"]] == ["Nearly every day"]


def test_an_asq_alert_names_every_yes_that_raised_it(client, csrf, staff):
    asq = {"asq_1": 1, "asq_2": 0, "asq_3": 1, "asq_4": 0, "asq_5": 0}
    post(
        client,
        csrf,
        "/api/v1/checkins",
        {
            "id": str(uuid.uuid4()),
            "instrument": "asq",
            "answers": asq,
            "completed_at": datetime.now(UTC).isoformat(),
        },
    )
    alert = only_alert(staff)
    assert alert["rule"] == "non_acute_positive"
    assert [(a["link_id"], a["label"]) for a in alert["safety_answers"]] == [
        ("asq_1", "Yes"),
        ("asq_3", "Yes"),
    ]


def test_an_alert_no_answer_raised_has_no_answer_and_did_not_sit_offline(
    staff, patient, db_session
):
    import surveys
    from api.pipeline.alerts import raise_alerts

    now = datetime.now(UTC)
    hit = surveys.missed_checkin(
        str(patient.id), now - timedelta(days=5), now, surveys.RuleSettings()
    )
    raise_alerts(patient, [hit], answered_at=None)
    alert = only_alert(staff)
    assert alert["rule"] == "missed_checkins"
    assert (alert["answered_at"], alert["received_at"], alert["safety_answers"]) == (None,) * 3
    assert alert["sat_offline"] is False and alert["unfinished"] is False


def test_the_openapi_documents_when_and_what(client):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    alert = schemas["Alert"]["properties"]
    for name in ("answered_at", "received_at", "sat_offline", "safety_answers", "unfinished"):
        assert alert[name].get("description"), name
    assert "10 minutes" in alert["sat_offline"]["description"]
    assert "asq_follow_up_minutes" in alert["asq_result"]["description"]
    rules = schemas["ClinicSettingsIn"]["properties"]["rule_settings"]["description"]
    assert "asq_follow_up_minutes (1-1440, default 60)" in rules
