"""Sessions: tokens, fixation, server-side ends (logout, password, admin, owner), timeouts."""

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from api.models import AuditEvent, AuthSession
from api.models.base import utcnow

COOKIE = "__Host-waypoint"
PASSWORD = "correct horse battery staple"


def _token(app, client) -> str:
    """The server-side session token inside the signed session cookie."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(client.get_cookie(COOKIE).value)["_user_id"]


def _signed_in(client) -> bool:
    return client.get("/api/v1/auth/session").json["signed_in"]


def test_token_is_long_random_and_stored_only_as_a_hash(app, client, create_clinician, login):
    staff = create_clinician()
    login(client, staff)
    token = _token(app, client)
    assert len(token) >= 43  # 32 random bytes, url-safe base64: 256 bits
    row = sa.select(AuthSession.token_hash).where(AuthSession.staff_id == staff.id)
    from api.extensions import db

    assert db.session.scalar(row) == hashlib.sha256(token.encode()).hexdigest()


def test_login_replaces_the_pre_login_session(client, create_clinician, login):
    staff = create_clinician()
    before = client.get("/api/v1/auth/csrf").json["csrf_token"]
    cookie_before = client.get_cookie(COOKIE).value
    after = login(client, staff)
    assert after != before
    assert client.get_cookie(COOKIE).value != cookie_before
    # The token planted before sign-in is worthless after it.
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": before})
    assert response.status_code == 403


def test_cookie_flags(client, make_client, create_clinician, create_patient, login, redeem):
    login(client, create_clinician())
    staff_cookie = client.get_cookie(COOKIE)
    assert staff_cookie.secure and staff_cookie.http_only and staff_cookie.same_site == "Lax"
    assert staff_cookie.path == "/" and staff_cookie.domain in ("localhost", None, "")
    assert staff_cookie.expires is None  # a staff session ends with the browser

    phone = make_client()
    redeem(phone, create_patient())
    patient_cookie = phone.get_cookie(COOKIE)
    assert patient_cookie.secure and patient_cookie.http_only
    assert patient_cookie.expires is not None  # the patient stays signed in on the device


def test_patient_logout_ends_the_session_server_side(app, client, make_client, create_patient):
    from tests.support.session import COOKIE as NAME

    patient = create_patient()
    from api.auth.operations import create_invite

    with app.test_request_context():
        token = create_invite(patient).rsplit("/", 1)[1]
    csrf = client.post("/api/v1/auth/redeem", json={"token": token}).json["csrf_token"]
    stolen = client.get_cookie(NAME).value
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    replay = make_client()
    replay.set_cookie(NAME, stolen, domain="localhost")
    assert replay.get("/api/v1/me").status_code == 401


def test_password_change_ends_every_other_session(
    client, make_client, create_clinician, login, db_session
):
    staff = create_clinician()
    laptop, phone = make_client(), make_client()
    login(laptop, staff)
    login(phone, staff)
    csrf = login(client, staff)

    weak = client.post(
        "/api/v1/account/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers={"X-CSRF-Token": csrf},
    )
    assert weak.status_code == 422 and "new_password" in weak.json["errors"]
    wrong = client.post(
        "/api/v1/account/password",
        json={"current_password": "not it", "new_password": "a much longer passphrase 2"},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]
    assert _signed_in(laptop) and _signed_in(phone)

    changed = client.post(
        "/api/v1/account/password",
        json={"current_password": PASSWORD, "new_password": "a much longer passphrase 2"},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 200 and changed.json == {"sessions_ended": 2}
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert _signed_in(client)
    old = make_client().post(
        "/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD}
    )
    assert old.status_code == 401
    reasons = db_session.scalars(
        sa.select(AuthSession.revoked_reason).where(AuthSession.revoked_at.is_not(None))
    ).all()
    assert reasons == ["password_changed", "password_changed"]


def test_admin_signs_out_a_staff_member_and_a_patients_devices(
    client, make_client, create_clinic, create_clinician, create_patient, login, redeem, db_session
):
    clinic = create_clinic()
    admin = create_clinician(clinic, role="admin")
    staff = create_clinician(clinic)
    patient = create_patient(clinic)
    laptop, phone, tablet = make_client(), make_client(), make_client()
    login(laptop, staff)
    redeem(phone, patient)
    redeem(tablet, patient)
    csrf = login(client, admin)

    response = client.post(
        f"/api/v1/admin/staff/{staff.id}/revoke-sessions", headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200 and response.json == {"revoked": 1}
    assert not _signed_in(laptop)
    response = client.post(
        f"/api/v1/admin/patients/{patient.id}/revoke-sessions", headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200 and response.json == {"revoked": 2}
    assert phone.get("/api/v1/me").status_code == 401
    assert tablet.get("/api/v1/me").status_code == 401
    assert _signed_in(client)
    # Audit rows outlive other tests' committed data (append-only): this admin's only.
    events = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "session.revoke", AuditEvent.actor_id == str(admin.id)
        )
    ).all()
    assert {(e.object_type, e.detail["revoked"]) for e in events} == {
        ("staff", 1),
        ("patient", 2),
    }


def test_own_sessions_listed_and_revoked(client, make_client, create_clinician, login):
    staff = create_clinician()
    other_device = make_client()
    login(other_device, staff)
    csrf = login(client, staff)
    listed = client.get("/api/v1/account/sessions").json["items"]
    assert len(listed) == 2
    assert [s["current"] for s in listed] == [True, False]
    other_id = listed[1]["id"]
    stranger = make_client()
    stranger_csrf = login(stranger, create_clinician())
    assert (
        stranger.delete(
            f"/api/v1/account/sessions/{other_id}", headers={"X-CSRF-Token": stranger_csrf}
        ).status_code
        == 404
    )
    assert _signed_in(other_device)
    response = client.delete(f"/api/v1/account/sessions/{other_id}", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert not _signed_in(other_device)
    assert [s["id"] for s in client.get("/api/v1/account/sessions").json["items"]] == [
        listed[0]["id"]
    ]


def test_idle_timeout_for_staff_but_not_for_patient_devices(
    client, make_client, create_clinician, create_patient, login, redeem, db_session
):
    login(client, create_clinician())
    phone = make_client()
    redeem(phone, create_patient())
    db_session.execute(sa.update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert not _signed_in(client)
    assert not _signed_in(client)  # and stays dead: its last_seen_at no longer moves
    assert _signed_in(phone)


def test_idle_timeout_is_not_reached_by_an_active_session(
    client, create_clinician, login, db_session
):
    login(client, create_clinician())
    db_session.execute(sa.update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=29)))
    assert _signed_in(client)


def test_absolute_lifetime_ends_even_an_active_session(
    client, make_client, create_clinician, create_patient, login, redeem, db_session
):
    staff = create_clinician()
    login(client, staff)
    phone = make_client()
    redeem(phone, create_patient())
    row = db_session.scalar(sa.select(AuthSession).where(AuthSession.staff_id == staff.id))
    assert row.expires_at - row.created_at == timedelta(hours=12)
    db_session.execute(sa.update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert not _signed_in(client)
    assert phone.get("/api/v1/me").status_code == 401
