"""Clinic settings and the on-call list: errors name the field where the PWA looks for it."""

from api.models import Clinic


def test_webhook_without_secret_names_the_body_field(client, login, create_clinician, db_session):
    admin = create_clinician(role="admin")
    csrf = login(client, admin)
    response = client.patch(
        "/api/v1/clinic/settings",
        json={"webhook_url": "https://chat.example.org/hook"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert "webhook_secret" in response.json["errors"]
    db_session.expire_all()
    assert db_session.get(Clinic, admin.clinic_id).webhook_url is None


def test_on_call_of_another_clinics_staff_is_404(client, login, create_clinician):
    admin = create_clinician(role="admin")
    csrf = login(client, admin)
    stranger = create_clinician()
    url = f"/api/v1/clinic/staff/{stranger.id}"
    response = client.patch(url, json={"on_call": True}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 404 and not stranger.on_call
    colleague = create_clinician(clinic=admin.clinic)
    url = f"/api/v1/clinic/staff/{colleague.id}"
    response = client.patch(url, json={"on_call": True}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200 and response.json["on_call"] is True
