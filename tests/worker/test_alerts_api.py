"""The alerts API the clinician views are built on: inbox order and filters, detail with
timeline and deliveries, acknowledge and resolve, clinic scoping and bad input."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert, AuditEvent
from api.patients.operations import enrol_patient
from api.pipeline.alerts import raise_alerts
from surveys import RuleHit
from tests.support.cases import outcome


def _hit(rule, priority):
    return RuleHit(f"test:{uuid.uuid4()}", rule, priority, f"{rule} for the test")


@pytest.fixture
def staff_client(make_client, login, team):
    client = make_client()
    token = login(client, team.clinician)
    return client, token


def _raise(team, db_session, rule, priority, minutes_ago, patient=None):
    [alert] = raise_alerts(patient or team.patient, [_hit(rule, priority)])
    alert.created_at = alert.created_at - timedelta(minutes=minutes_ago)
    db_session.flush()
    return alert


def test_inbox_is_ordered_by_priority_then_oldest_first(staff_client, team, db_session):
    client, _ = staff_client
    routine = _raise(team, db_session, "missed_checkins", "routine", 500)
    new_urgent = _raise(team, db_session, "suicidal_ideation", "urgent", 1)
    # A patient has one open item-9 episode (api/pipeline/alerts.py): the second urgent
    # alert is another patient's.
    other_patient = enrol_patient(team.clinic, display_name="Second Patient")
    old_urgent = _raise(team, db_session, "suicidal_ideation", "urgent", 30, other_patient)
    high = _raise(team, db_session, "worsening", "high", 60)
    imminent = _raise(team, db_session, "imminent", "imminent", 0)
    response = client.get("/api/v1/alerts?status=open")
    assert response.status_code == 200
    ids = [item["id"] for item in response.json["items"]]
    expected = [imminent, old_urgent, new_urgent, high, routine]
    assert ids == [str(a.id) for a in expected]
    first = response.json["items"][0]
    assert first["patient"] == {
        "id": str(team.patient.id),
        "ref": team.patient.ref,
        "display_name": team.patient.display_name,
    }
    assert first["deliveries"] == {"sent": 0, "pending": 0, "failed": 0}
    assert first["acknowledged_by"] is None and first["escalation_level"] == 0
    urgent = client.get("/api/v1/alerts?priority=urgent").json["items"]
    assert [i["id"] for i in urgent] == [str(old_urgent.id), str(new_urgent.id)]
    other = client.get(f"/api/v1/alerts?patient_id={uuid.uuid4()}").json["items"]
    assert other == []
    # Audit rows outlive other tests' committed data (append-only): count this clinician's.
    listed = db_session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.action == "alert.list", AuditEvent.actor_id == str(team.clinician.id)
        )
    )
    assert listed == 3


def test_acknowledge_then_resolve_with_timeline(staff_client, team, db_session):
    client, token = staff_client
    alert = _raise(team, db_session, "suicidal_ideation", "urgent", 2)
    headers = {"X-CSRF-Token": token}
    acked = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", json={}, headers=headers)
    assert acked.status_code == 200, acked.json
    assert acked.json["status"] == "acknowledged" and acked.json["acknowledged_at"]
    again = client.post(f"/api/v1/alerts/{alert.id}/acknowledge", json={}, headers=headers)
    assert again.status_code == 409
    assert client.get("/api/v1/alerts?status=open").json["items"] == []

    bare = client.post(
        f"/api/v1/alerts/{alert.id}/resolve", json={"note": "Seen in clinic."}, headers=headers
    )
    assert bare.status_code == 422 and bare.json["errors"] == {
        "outcome": ["Record the outcome of the assessment."]
    }
    resolved = client.post(
        f"/api/v1/alerts/{alert.id}/resolve",
        json={"note": "Seen in clinic.", "outcome": outcome()},
        headers=headers,
    )
    assert resolved.status_code == 200, resolved.json
    detail = client.get(f"/api/v1/alerts/{alert.id}").json
    assert detail["status"] == "resolved"
    assert [e["kind"] for e in detail["timeline"]] == ["created", "acknowledged", "resolved"]
    assert detail["timeline"][-1]["detail"] == {"note": "Seen in clinic."}
    assert detail["delivery_list"] == []
    assert (
        client.post(f"/api/v1/alerts/{alert.id}/resolve", json={}, headers=headers).status_code
        == 409
    )
    db_session.expire_all()
    assert db_session.get(Alert, alert.id).escalate_at is None


def test_alert_of_another_clinic_is_a_404_and_unchanged(
    make_client, login, create_clinician, team, db_session
):
    alert = _raise(team, db_session, "suicidal_ideation", "urgent", 0)
    stranger = make_client()
    token = login(stranger, create_clinician())
    assert stranger.get(f"/api/v1/alerts/{alert.id}").status_code == 404
    response = stranger.post(
        f"/api/v1/alerts/{alert.id}/acknowledge", json={}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 404 and response.json["code"] == 404
    assert stranger.get("/api/v1/alerts").json["items"] == []
    db_session.expire_all()
    assert db_session.get(Alert, alert.id).status == "open"
    denied = db_session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.action == "alert.read", AuditEvent.outcome == "denied"
        )
    )
    assert denied == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/alerts?status=closed", None),
        ("get", "/api/v1/alerts?priority=panic", None),
        ("get", "/api/v1/alerts?patient_id=not-a-uuid", None),
        ("get", "/api/v1/alerts?colour=red", None),
        ("post", "/api/v1/alerts/{id}/acknowledge", {"note": "x" * 2001}),
        ("post", "/api/v1/alerts/{id}/acknowledge", {"urgent": True}),
        ("post", "/api/v1/alerts/{id}/resolve", {"note": 5}),
    ],
)
def test_bad_input_is_a_422_and_changes_nothing(staff_client, team, db_session, method, path, body):
    client, token = staff_client
    alert = _raise(team, db_session, "suicidal_ideation", "urgent", 0)
    url = path.format(id=alert.id)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    assert response.json["code"] == 422 and response.json["errors"]
    db_session.expire_all()
    assert db_session.get(Alert, alert.id).status == "open"


def test_patients_and_strangers_cannot_read_alerts(client, redeem, team, make_client):
    redeem(client, team.patient)
    assert client.get("/api/v1/alerts").status_code == 403
    assert make_client().get("/api/v1/alerts").status_code == 401
