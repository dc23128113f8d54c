"""Staff accounts (#17 item 5): invites by email, roles, deactivation, the last admin.

Admin-only and clinic-scoped; the invite's link works once, until it expires; a refused
request changes nothing; a deactivated account's sessions end on its next request.
"""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, AuthSession, StaffInvite, StaffUser
from api.models.base import utcnow
from api.staff.operations import EMAIL_TAKEN, issue_token

NEW_PASSWORD = "a long new passphrase of mine"
ADMIN_ROUTES = (
    ("GET", "/api/v1/staff", None),
    ("POST", "/api/v1/staff/invites", {"email": "x@example.org", "name": "X", "role": "clinician"}),
    ("POST", "/api/v1/staff/{id}/invite", None),
    ("PATCH", "/api/v1/staff/{id}", {"role": "admin"}),
    ("POST", "/api/v1/staff/{id}/deactivate", None),
    ("POST", "/api/v1/staff/{id}/reactivate", None),
)


@pytest.fixture
def admin_client(client, login, create_clinician):
    """(client, csrf, admin) of a signed-in admin (with a second factor)."""
    admin = create_clinician(role="admin", name="Ada Admin")
    return client, login(client, admin), admin


def _call(client, csrf, method, url, body=None):
    return client.open(url, method=method, json=body, headers={"X-CSRF-Token": csrf})


def _invite(client, csrf, email="new.nurse@example.org", role="clinician", name="Nia Nurse"):
    response = _call(
        client, csrf, "POST", "/api/v1/staff/invites", {"email": email, "name": name, "role": role}
    )
    assert response.status_code == 201, response.json
    return response.json


def _token(db_session, staff_id) -> str:
    """The link's token, as the worker makes it for the email."""
    invite = db_session.scalar(
        sa.select(StaffInvite).where(
            StaffInvite.staff_id == staff_id, StaffInvite.revoked_at.is_(None)
        )
    )
    token, _ = issue_token(invite.id)
    return token


def _counts(db_session):
    db_session.expire_all()
    staff = db_session.scalar(sa.select(sa.func.count()).select_from(StaffUser))
    invites = db_session.scalar(sa.select(sa.func.count()).select_from(StaffInvite))
    return staff, invites


def test_only_admins_reach_the_staff_routes(make_client, login, create_clinician):
    clinician = create_clinician()
    target = create_clinician(clinic=clinician.clinic)
    signed_in = make_client()
    csrf = login(signed_in, clinician)
    anonymous = make_client()
    for method, url, body in ADMIN_ROUTES:
        url = url.format(id=target.id)
        assert _call(signed_in, csrf, method, url, body).status_code == 403, url
        assert _call(anonymous, "", method, url, body).status_code == 401, url
    assert target.active and target.role == "clinician"


def test_another_clinics_staff_are_invisible_and_untouchable(
    admin_client, make_client, login, create_clinician, create_clinic, db_session
):
    client, csrf, admin = admin_client
    other_clinic = create_clinic()
    stranger = create_clinician(clinic=other_clinic, email="stranger@example.org")
    listed = client.get("/api/v1/staff").json["items"]
    assert [m["id"] for m in listed] == [admin.id]
    for method, url, body in ADMIN_ROUTES[2:]:
        response = _call(client, csrf, method, url.format(id=stranger.id), body)
        assert response.status_code == 404, url
    db_session.refresh(stranger)
    assert stranger.active and stranger.role == "clinician"
    # An address of another clinic's account gets the same answer as one of this clinic's.
    own = create_clinician(clinic=admin.clinic, email="own@example.org")
    for email in (stranger.email, own.email.upper()):
        response = _call(
            client,
            csrf,
            "POST",
            "/api/v1/staff/invites",
            {"email": email, "name": "Someone", "role": "clinician"},
        )
        assert response.status_code == 409 and response.json["reason"] == "email_taken"
        assert response.json["message"] == EMAIL_TAKEN
    # The other clinic's admin cannot see the invite made here.
    invited = _invite(client, csrf)
    other_admin = create_clinician(clinic=other_clinic, role="admin")
    elsewhere = make_client()
    other_csrf = login(elsewhere, other_admin)
    ids = [m["id"] for m in elsewhere.get("/api/v1/staff").json["items"]]
    assert invited["id"] not in ids and stranger.id in ids
    response = _call(elsewhere, other_csrf, "POST", f"/api/v1/staff/{invited['id']}/invite")
    assert response.status_code == 404


def test_an_invite_is_accepted_once_with_a_password_that_passes_the_rules(
    admin_client, make_client, login, db_session
):
    client, csrf, admin = admin_client
    invited = _invite(client, csrf)
    assert invited["status"] == "invited" and invited["invite"]["sent_at"] is None
    row = db_session.get(StaffUser, invited["id"])
    assert not row.active and row.clinic_id == admin.clinic_id
    token = _token(db_session, invited["id"])
    # Only the hash is kept.
    stored = db_session.scalar(sa.select(StaffInvite.token_hash))
    assert stored and token not in stored

    browser = make_client()
    preview = browser.post("/api/v1/staff/invite/preview", json={"token": token})
    assert preview.status_code == 200
    assert preview.json["email"] == "new.nurse@example.org"
    assert preview.json["clinic"] == admin.clinic.name

    for weak, why in (("short", "at least 12"), ("password1234", "too easy")):
        refused = browser.post(
            "/api/v1/staff/invite/accept", json={"token": token, "password": weak}
        )
        assert refused.status_code == 422 and why in refused.json["errors"]["password"][0]
    breached = browser.post(
        "/api/v1/staff/invite/accept", json={"token": token, "password": "1qaz2wsx3edc"}
    )
    assert breached.status_code == 422, breached.json  # in zxcvbn's breached list
    assert breached.json["errors"]["password"] == [
        "That password is in lists of breached passwords."
    ]

    accepted = browser.post(
        "/api/v1/staff/invite/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["signed_in"] and accepted.json["staff"]["id"] == invited["id"]
    assert accepted.json["mfa_enrolment_required"] is False  # a clinician, MFA not required here
    assert browser.get("/api/v1/account/sessions").status_code == 200

    again = make_client().post(
        "/api/v1/staff/invite/accept", json={"token": token, "password": "another new passphrase"}
    )
    assert again.status_code == 422 and again.json["reason"] == "invite_not_valid"
    gone = make_client().post("/api/v1/staff/invite/preview", json={"token": token})
    assert gone.status_code == 422
    # The password is the invitee's own: they sign in with it.
    login(make_client(), db_session.get(StaffUser, invited["id"]), password=NEW_PASSWORD)
    listed = {m["id"]: m for m in client.get("/api/v1/staff").json["items"]}
    assert listed[invited["id"]]["status"] == "active" and listed[invited["id"]]["invite"] is None
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(invited["id"]))
    ).all()
    assert {"staff.invite", "staff.invite.view", "staff.invite.accept"} <= set(actions)


def test_an_invited_admin_must_set_up_two_step_sign_in_first(admin_client, make_client, db_session):
    client, csrf, _ = admin_client
    invited = _invite(client, csrf, email="second.admin@example.org", role="admin")
    browser = make_client()
    accepted = browser.post(
        "/api/v1/staff/invite/accept",
        json={"token": _token(db_session, invited["id"]), "password": NEW_PASSWORD},
    )
    assert accepted.status_code == 200 and accepted.json["mfa_enrolment_required"] is True
    assert browser.get("/api/v1/staff").json["reason"] == "mfa_enrolment_required"
    started = browser.post(
        "/api/v1/account/totp",
        json={"current_password": NEW_PASSWORD},
        headers={"X-CSRF-Token": accepted.json["csrf_token"]},
    )
    assert started.status_code == 201


def test_an_expired_or_replaced_invite_does_nothing(admin_client, make_client, db_session):
    client, csrf, _ = admin_client
    invited = _invite(client, csrf)
    first = _token(db_session, invited["id"])
    again = _call(client, csrf, "POST", f"/api/v1/staff/{invited['id']}/invite")
    assert again.status_code == 200 and again.json["status"] == "invited"
    second = _token(db_session, invited["id"])
    browser = make_client()
    body = {"token": first, "password": NEW_PASSWORD}
    assert browser.post("/api/v1/staff/invite/accept", json=body).status_code == 422
    invite = db_session.scalar(sa.select(StaffInvite).where(StaffInvite.revoked_at.is_(None)))
    invite.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    body = {"token": second, "password": NEW_PASSWORD}
    expired = browser.post("/api/v1/staff/invite/accept", json=body)
    assert expired.status_code == 422 and expired.json["reason"] == "invite_not_valid"
    listed = {m["id"]: m for m in client.get("/api/v1/staff").json["items"]}
    assert listed[invited["id"]]["invite"]["expired"] is True
    db_session.expire_all()
    row = db_session.get(StaffUser, invited["id"])
    assert not row.active and row.invite_pending
    # A second invite of a pending address replaces the first, name and role included.
    third = _invite(client, csrf, role="admin", name="Nia N. Nurse")
    assert third["id"] == invited["id"] and third["role"] == "admin"
    live = db_session.scalars(
        sa.select(StaffInvite).where(
            StaffInvite.staff_id == invited["id"], StaffInvite.revoked_at.is_(None)
        )
    ).all()
    assert len(live) == 1


def test_deactivation_ends_every_session_at_once_and_stops_sign_in(
    admin_client, make_client, login, create_clinician, db_session
):
    client, csrf, admin = admin_client
    nurse = create_clinician(clinic=admin.clinic, on_call=True)
    laptop, phone = make_client(), make_client()
    login(laptop, nurse)
    login(phone, nurse)
    assert laptop.get("/api/v1/patients").status_code == 200

    ended = _call(client, csrf, "POST", f"/api/v1/staff/{nurse.id}/deactivate")
    assert ended.status_code == 200, ended.json
    assert ended.json["sessions_ended"] == 2 and ended.json["status"] == "deactivated"
    assert ended.json["on_call"] is False
    for device in (laptop, phone):
        assert device.get("/api/v1/patients").status_code == 401
    revoked = db_session.scalars(
        sa.select(AuthSession.revoked_reason).where(AuthSession.staff_id == nurse.id)
    ).all()
    assert revoked == ["deactivated", "deactivated"]
    refused = make_client().post(
        "/api/v1/auth/login",
        json={"email": nurse.email, "password": "correct horse battery staple"},
    )
    assert refused.status_code == 401

    back = _call(client, csrf, "POST", f"/api/v1/staff/{nurse.id}/reactivate")
    assert back.status_code == 200 and back.json["status"] == "active"
    login(make_client(), nurse)


def test_the_last_admin_cannot_demote_or_deactivate_themselves(
    admin_client, create_clinician, db_session
):
    client, csrf, admin = admin_client
    for method, url, body in (
        ("PATCH", f"/api/v1/staff/{admin.id}", {"role": "clinician"}),
        ("POST", f"/api/v1/staff/{admin.id}/deactivate", None),
    ):
        refused = _call(client, csrf, method, url, body)
        assert refused.status_code == 409 and refused.json["reason"] == "last_admin"
    db_session.refresh(admin)
    assert admin.role == "admin" and admin.active
    # An invited admin who has not accepted yet does not count; an active one does.
    _invite(client, csrf, email="future.admin@example.org", role="admin")
    refused = _call(client, csrf, "PATCH", f"/api/v1/staff/{admin.id}", {"role": "clinician"})
    assert refused.status_code == 409
    create_clinician(clinic=admin.clinic, role="admin")
    demoted = _call(client, csrf, "PATCH", f"/api/v1/staff/{admin.id}", {"role": "clinician"})
    assert demoted.status_code == 200 and demoted.json["role"] == "clinician"
    # Now a clinician: the admin routes are closed to this session at once.
    assert client.get("/api/v1/staff").status_code == 403


def test_promoting_and_demoting_others(admin_client, create_clinician, db_session):
    client, csrf, admin = admin_client
    nurse = create_clinician(clinic=admin.clinic)
    promoted = _call(client, csrf, "PATCH", f"/api/v1/staff/{nurse.id}", {"role": "admin"})
    assert promoted.status_code == 200 and promoted.json["role"] == "admin"
    demoted = _call(client, csrf, "PATCH", f"/api/v1/staff/{nurse.id}", {"role": "clinician"})
    assert demoted.status_code == 200 and demoted.json["role"] == "clinician"
    audited = db_session.scalars(
        sa.select(AuditEvent.detail).where(
            AuditEvent.action == "staff.role", AuditEvent.object_id == str(nurse.id)
        )
    ).all()
    assert {"role": "admin", "was": "clinician"} in audited


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not an address", "name": "X", "role": "clinician"},
        {"email": "a@example.org", "name": "", "role": "clinician"},
        {"email": "a@example.org", "name": "Line\nbreak", "role": "clinician"},
        {"email": "a@example.org", "name": "X", "role": "owner"},
        {"email": "a@example.org", "name": "X"},
        {"email": "a@example.org", "name": "X", "role": "clinician", "password": "x"},
        {"email": "a@example.org", "name": "X" * 201, "role": "clinician"},
    ],
)
def test_bad_invites_are_4xx_and_change_nothing(admin_client, db_session, body):
    client, csrf, _ = admin_client
    before = _counts(db_session)
    response = _call(client, csrf, "POST", "/api/v1/staff/invites", body)
    assert response.status_code == 422, response.json
    assert response.json["errors"]
    assert _counts(db_session) == before


def test_bad_role_changes_and_tokens_are_4xx_and_change_nothing(
    admin_client, make_client, create_clinician, db_session
):
    client, csrf, admin = admin_client
    nurse = create_clinician(clinic=admin.clinic)
    for body in ({"role": "owner"}, {}, {"role": "admin", "active": False}, {"role": None}):
        response = _call(client, csrf, "PATCH", f"/api/v1/staff/{nurse.id}", body)
        assert response.status_code == 422, body
    db_session.refresh(nurse)
    assert nurse.role == "clinician" and nurse.active
    browser = make_client()
    for body in ({"token": "short"}, {"token": "x" * 40}, {"password": NEW_PASSWORD}):
        response = browser.post("/api/v1/staff/invite/accept", json={"password": "p", **body})
        assert 400 <= response.status_code < 500
    # Sending the invite again to an account that is set up, or reactivating an invitee.
    response = _call(client, csrf, "POST", f"/api/v1/staff/{nurse.id}/invite")
    assert response.status_code == 409 and response.json["reason"] == "already_joined"
    invited = _invite(client, csrf)
    response = _call(client, csrf, "POST", f"/api/v1/staff/{invited['id']}/reactivate")
    assert response.status_code == 409 and response.json["reason"] == "not_joined"


def test_deactivating_an_invitee_cancels_the_link(admin_client, make_client, db_session):
    client, csrf, _ = admin_client
    invited = _invite(client, csrf)
    token = _token(db_session, invited["id"])
    cancelled = _call(client, csrf, "POST", f"/api/v1/staff/{invited['id']}/deactivate")
    assert cancelled.status_code == 200 and cancelled.json["status"] == "invited"
    assert cancelled.json["invite"] is None
    response = make_client().post(
        "/api/v1/staff/invite/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert response.status_code == 422


def test_the_token_is_in_no_log_and_no_audit_row(admin_client, make_client, db_session, caplog):
    client, csrf, _ = admin_client
    invited = _invite(client, csrf)
    token = _token(db_session, invited["id"])
    caplog.set_level(logging.DEBUG)
    browser = make_client()
    browser.post("/api/v1/staff/invite/preview", json={"token": token})
    browser.post("/api/v1/staff/invite/accept", json={"token": token, "password": "weak"})
    browser.post("/api/v1/staff/invite/accept", json={"token": token, "password": NEW_PASSWORD})
    browser.post("/api/v1/staff/invite/accept", json={"token": token, "password": NEW_PASSWORD})
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records and token not in logged
    rows = db_session.scalars(sa.select(AuditEvent)).all()
    assert rows and not any(token in str(r.detail) or token in str(r.object_id) for r in rows)
