"""Staff login, sessions, CSRF and patient invites."""

import time
from datetime import timedelta

import sqlalchemy as sa

from api.models import AuditEvent, AuthSession, Invite
from api.models.base import utcnow


def _audit(db_session, action):
    return db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_login_opens_a_session_with_hardened_cookie(client, create_clinician):
    staff = create_clinician()
    response = client.post(
        "/api/v1/auth/login",
        json={"email": staff.email.upper(), "password": "correct horse battery staple"},
    )
    assert response.status_code == 200
    assert response.json["signed_in"] is True and response.json["kind"] == "staff"
    (cookie,) = [
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-waypoint=")
    ]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(client, create_clinician):
    staff = create_clinician()
    wrong = client.post("/api/v1/auth/login", json={"email": staff.email, "password": "nope"})
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json


def test_unknown_email_takes_about_as_long_as_a_wrong_password(client, create_clinician):
    staff = create_clinician()

    def timed(email):
        start = time.perf_counter()
        client.post("/api/v1/auth/login", json={"email": email, "password": "nope"})
        return time.perf_counter() - start

    wrong = min(timed(staff.email) for _ in range(3))
    unknown = min(timed("nobody@example.org") for _ in range(3))
    # Both verify an argon2 hash; without the dummy hash the unknown email is ~100x faster.
    assert unknown > wrong / 3


def test_failed_login_is_audited_even_though_the_request_failed(
    client, create_clinician, db_session
):
    staff = create_clinician()
    client.post("/api/v1/auth/login", json={"email": staff.email, "password": "nope"})
    # Scoped to this account: tests on committed data leave their (append-only) audit rows.
    rows = [r for r in _audit(db_session, "auth.login") if r.object_id == str(staff.id)]
    assert [(r.outcome, r.object_id) for r in rows] == [("failure", str(staff.id))]


def test_new_session_id_at_login(client, create_clinician, login):
    staff = create_clinician()
    login(client, staff)
    first = client.get_cookie("__Host-waypoint").value
    login(client, staff)
    assert client.get_cookie("__Host-waypoint").value != first


def test_logout_ends_the_session_on_the_server(
    client, make_client, create_clinician, login, create_patient, db_session
):
    staff = create_clinician()
    csrf = login(client, staff)
    stolen_cookie = client.get_cookie("__Host-waypoint").value
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    # Replaying the old cookie from another device no longer works.
    other = make_client()
    other.set_cookie("__Host-waypoint", stolen_cookie, domain="localhost")
    assert other.get("/api/v1/auth/session").json["signed_in"] is False
    revoked = db_session.scalars(sa.select(AuthSession)).all()
    assert revoked[0].revoked_reason == "logout"


def test_state_change_without_csrf_token_is_refused(client, create_clinician, login):
    staff = create_clinician()
    login(client, staff)
    response = client.post("/api/v1/patients", json={"display_name": "Someone"})
    assert response.status_code == 403
    assert "CSRF" in response.json["message"]


def test_staff_idle_timeout(client, create_clinician, login, db_session):
    staff = create_clinician()
    login(client, staff)
    row = db_session.scalar(sa.select(AuthSession))
    db_session.execute(
        AuthSession.__table__.update().values(last_seen_at=utcnow() - timedelta(minutes=31))
    )
    assert row is not None
    assert client.get("/api/v1/auth/session").json["signed_in"] is False


def test_anonymous_gets_401_and_patient_gets_403_on_staff_route(client, create_patient, redeem):
    assert client.post("/api/v1/patients", json={}).status_code == 401
    patient = create_patient()
    csrf = redeem(client, patient)
    response = client.post(
        "/api/v1/patients", json={"display_name": "x"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 403


def test_enrol_returns_an_invite_that_redeems_once(
    client, make_client, create_clinician, login, db_session
):
    staff = create_clinician()
    csrf = login(client, staff)
    response = client.post(
        "/api/v1/patients",
        json={"display_name": "Pat", "timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.json
    url = response.json["invite_url"]
    assert url.startswith("https://waypoint.test/join/")
    token = url.rsplit("/", 1)[1]
    stored = db_session.scalar(sa.select(Invite))
    assert token not in (stored.token_hash,) and len(stored.token_hash) == 64

    phone = make_client()
    with phone.get(f"/join/{token}") as page:  # a GET shows a page and consumes nothing
        assert page.status_code == 200
    first = phone.post("/api/v1/auth/redeem", json={"token": token})
    assert first.status_code == 200 and first.json["kind"] == "patient"
    second = make_client().post("/api/v1/auth/redeem", json={"token": token})
    assert second.status_code == 400


def test_fresh_invite_revokes_the_older_one(client, make_client, create_clinician, login):
    staff = create_clinician()
    csrf = login(client, staff)
    enrolled = client.post(
        "/api/v1/patients", json={"display_name": "Pat"}, headers={"X-CSRF-Token": csrf}
    ).json
    old_token = enrolled["invite_url"].rsplit("/", 1)[1]
    fresh = client.post(
        f"/api/v1/patients/{enrolled['patient']['id']}/invite", headers={"X-CSRF-Token": csrf}
    )
    assert fresh.status_code == 201
    assert make_client().post("/api/v1/auth/redeem", json={"token": old_token}).status_code == 400
    new_token = fresh.json["invite_url"].rsplit("/", 1)[1]
    assert make_client().post("/api/v1/auth/redeem", json={"token": new_token}).status_code == 200


def test_expired_invite_is_refused(client, create_patient, app, db_session):
    from api.auth.operations import create_invite

    patient = create_patient()
    with app.test_request_context():
        token = create_invite(patient).rsplit("/", 1)[1]
    db_session.execute(Invite.__table__.update().values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.post("/api/v1/auth/redeem", json={"token": token}).status_code == 400


def test_invite_of_another_clinic_cannot_be_reissued(
    client, create_clinician, create_patient, login
):
    staff = create_clinician()
    stranger = create_patient()  # of another clinic
    csrf = login(client, staff)
    response = client.post(f"/api/v1/patients/{stranger.id}/invite", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 404


def test_right_password_without_the_required_code_is_audited(client, create_clinician, db_session):
    admin = create_clinician(role="admin")  # enrolled in TOTP by the factory
    response = client.post(
        "/api/v1/auth/login",
        json={"email": admin.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 401 and "totp" in response.json["errors"]
    rows = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "auth.login", AuditEvent.object_id == str(admin.id)
        )
    ).all()
    assert [(r.outcome, r.detail["reason"]) for r in rows] == [("failure", "totp_required")]
