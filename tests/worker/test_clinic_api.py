"""Clinic administration: notification settings, the on-call list, clinicians' Web Push."""

import pytest

from api.models import Clinic, PushSubscription


@pytest.fixture
def admin_client(make_client, login, team):
    client = make_client()
    return client, login(client, team.admin)


def test_admin_reads_and_changes_notification_settings(admin_client, team, db_session):
    client, token = admin_client
    before = client.get("/api/v1/clinic/settings").json
    assert before["webhook_secret_set"] is True and "webhook_secret" not in before
    assert before["escalate_urgent_minutes"] == 15 and before["escalate_imminent_minutes"] == 5
    assert before["effective_crisis_resources"][0]["phone"] == "911"

    change = {
        "webhook_url": "https://chat.example.org/hooks/waypoint",
        "webhook_secret": "a-new-secret-of-enough-length",
        "escalate_urgent_minutes": 10,
        "crisis_resources": [
            {"name": "Clinic line", "phone": "+1 555 0100", "kind": "clinic"},
            {"name": "Emergency services", "phone": "911", "kind": "emergency"},
        ],
        "monitoring_hours": "Weekdays 8-6.",
        "rule_settings": {"missed_checkins_days": 5},
    }
    response = client.patch("/api/v1/clinic/settings", json=change, headers={"X-CSRF-Token": token})
    assert response.status_code == 200, response.json
    assert response.json["escalate_urgent_minutes"] == 10
    assert response.json["escalate_imminent_minutes"] == 5  # not sent, unchanged
    assert response.json["rule_settings"]["missed_checkins_days"] == 5
    db_session.expire_all()
    clinic = db_session.get(Clinic, team.clinic.id)
    assert clinic.webhook_secret == "a-new-secret-of-enough-length"
    assert clinic.effective_crisis_resources()[0]["name"] == "Clinic line"


@pytest.mark.parametrize(
    "bad",
    [
        {"webhook_url": "ftp://example.org/x"},
        {"webhook_secret": "short"},
        {"escalate_urgent_minutes": 0},
        {"escalate_imminent_minutes": "soon"},
        {"rule_settings": {"missed_checkins_days": 0}},
        {"rule_settings": {"no_such_rule": True}},
        {"crisis_resources": [{"phone": "988"}]},
        {"colour": "blue"},
        {"webhook_url": "https://chat.example.org/x", "webhook_secret": None},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(admin_client, team, db_session, bad):
    client, token = admin_client
    response = client.patch("/api/v1/clinic/settings", json=bad, headers={"X-CSRF-Token": token})
    assert response.status_code == 422 and response.json["errors"]
    db_session.expire_all()
    clinic = db_session.get(Clinic, team.clinic.id)
    assert clinic.escalate_urgent_minutes == 15 and clinic.rule_settings == {}


def test_clinicians_cannot_change_settings(make_client, login, team):
    client = make_client()
    token = login(client, team.clinician)
    assert client.get("/api/v1/clinic/settings").status_code == 403
    response = client.patch(
        "/api/v1/clinic/settings", json={"monitoring_hours": "x"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 403


def test_on_call_list_is_kept_by_admins(admin_client, make_client, login, team, create_clinician):
    client, token = admin_client
    staff = {s["id"]: s for s in client.get("/api/v1/clinic/staff").json["items"]}
    assert (
        staff[team.on_call.id]["on_call"] is True and staff[team.clinician.id]["on_call"] is False
    )
    response = client.patch(
        f"/api/v1/clinic/staff/{team.clinician.id}",
        json={"on_call": True},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200 and response.json["on_call"] is True
    stranger = create_clinician()
    response = client.patch(
        f"/api/v1/clinic/staff/{stranger.id}",
        json={"on_call": True},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 404
    assert stranger.on_call is False


def test_clinician_registers_a_browser_for_push(make_client, login, team, db_session):
    client = make_client()
    token = login(client, team.clinician)
    subscription = {
        "endpoint": "https://push.example.org/abc",
        "keys": {"p256dh": "B", "auth": "a"},
    }
    response = client.post(
        "/api/v1/staff/me/push-subscription", json=subscription, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 201 and response.json["subscriptions"] == 1
    row = db_session.query(PushSubscription).one()
    assert row.staff_id == team.clinician.id and row.patient_id is None
    insecure = {**subscription, "endpoint": "http://push.example.org/abc"}
    response = client.post(
        "/api/v1/staff/me/push-subscription", json=insecure, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 422
