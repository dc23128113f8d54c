"""Staff two-step sign-in: TOTP enrolment, required for admins and, per clinic, clinicians."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pyotp
import sqlalchemy as sa

from api.models import AuditEvent, StaffUser

PASSWORD = "correct horse battery staple"


def _login(client, staff, totp=None):
    body = {"email": staff.email, "password": PASSWORD}
    if totp is not None:
        body["totp"] = totp
    return client.post("/api/v1/auth/login", json=body)


def _code(secret, offset_steps=0):
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(datetime.now(UTC)) + offset_steps)


def _enrol(client, csrf):
    """Enrol TOTP on a signed-in client; return (secret, recovery codes, new csrf)."""
    started = client.post(
        "/api/v1/account/totp", json={"current_password": PASSWORD}, headers={"X-CSRF-Token": csrf}
    )
    assert started.status_code == 201, started.json
    secret = started.json["secret"]
    confirmed = client.post(
        "/api/v1/account/totp/confirm",
        json={"code": _code(secret), "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert confirmed.status_code == 200, confirmed.json
    return secret, confirmed.json["recovery_codes"], confirmed.json["csrf_token"]


def test_admin_without_totp_reaches_only_enrolment_until_enrolled(
    client, create_clinician, db_session
):
    admin = create_clinician(role="admin", totp_enabled=False)
    signed_in = _login(client, admin)
    assert signed_in.status_code == 200
    assert signed_in.json["mfa_enrolment_required"] is True
    csrf = signed_in.json["csrf_token"]

    for path in ("/api/v1/admin/audit", "/api/v1/instruments", "/api/v1/account/sessions"):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused.json["reason"] == "mfa_enrolment_required"
    assert client.get("/api/v1/auth/session").json["signed_in"] is True

    started = client.post(
        "/api/v1/account/totp", json={"current_password": PASSWORD}, headers={"X-CSRF-Token": csrf}
    )
    assert started.status_code == 201
    uri = urlparse(started.json["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [started.json["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["Waypoint"]

    wrong = client.post(
        "/api/v1/account/totp/confirm",
        json={"code": "000000", "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert wrong.status_code == 422 and "code" in wrong.json["errors"]
    assert client.get("/api/v1/admin/audit").status_code == 403

    old_cookie = client.get_cookie("__Host-waypoint").value
    confirmed = client.post(
        "/api/v1/account/totp/confirm",
        json={"code": _code(started.json["secret"]), "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert confirmed.status_code == 200
    codes = confirmed.json["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    # The rights of the session changed, so the session did too.
    assert client.get_cookie("__Host-waypoint").value != old_cookie
    assert confirmed.json["csrf_token"] != csrf
    assert client.get("/api/v1/admin/audit").status_code == 200

    stored = db_session.scalar(sa.select(StaffUser).where(StaffUser.id == admin.id))
    db_session.refresh(stored)
    assert stored.totp_enabled is True
    assert len(stored.recovery_codes) == 10
    assert not set(codes) & set(stored.recovery_codes)  # stored hashed, never as shown
    assert all(h.startswith("$argon2id$") for h in stored.recovery_codes)
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.actor_id == str(admin.id))
    ).all()
    assert {"mfa.enrol_start", "mfa.enrol"} <= set(actions)


def test_login_with_totp_codes_once_and_recovery_codes_once(client, make_client, create_clinician):
    staff = create_clinician()
    csrf = _login(client, staff).json["csrf_token"]
    secret, recovery, _ = _enrol(client, csrf)

    missing = _login(make_client(), staff)
    assert missing.status_code == 401 and "totp" in missing.json["errors"]
    assert _login(make_client(), staff, "123456").status_code == 401

    code = _code(secret, offset_steps=1)  # the enrolment used the current step
    assert _login(make_client(), staff, code).status_code == 200
    replay = _login(make_client(), staff, code)
    assert replay.status_code == 401  # a code works once, even inside its window

    assert _login(make_client(), staff, recovery[0].upper()).status_code == 200
    assert _login(make_client(), staff, recovery[0]).status_code == 401
    assert _login(make_client(), staff, "zzzz-zzzz-zzzz").status_code == 401


def test_second_enrolment_is_refused(client, create_clinician, login):
    admin = create_clinician(role="admin")  # enrolled by the factory
    csrf = login(client, admin)
    response = client.post(
        "/api/v1/account/totp", json={"current_password": PASSWORD}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 409


def test_clinic_can_require_mfa_of_clinicians(client, make_client, create_clinic, create_clinician):
    strict = create_clinic(require_mfa_clinicians=True)
    relaxed = create_clinic()
    bound = create_clinician(strict)
    free = create_clinician(relaxed)

    assert _login(client, bound).json["mfa_enrolment_required"] is True
    assert client.get("/api/v1/alerts").status_code == 403

    other = make_client()
    assert _login(other, free).json["mfa_enrolment_required"] is False
    assert other.get("/api/v1/alerts").status_code == 200


def test_turning_the_requirement_on_restricts_live_sessions(
    client, create_clinic, create_clinician, db_session
):
    clinic = create_clinic()
    staff = create_clinician(clinic)
    _login(client, staff)
    assert client.get("/api/v1/alerts").status_code == 200
    clinic.require_mfa_clinicians = True
    db_session.flush()
    assert client.get("/api/v1/alerts").status_code == 403
    assert client.get("/api/v1/auth/session").json["mfa_enrolment_required"] is True


def test_patients_are_never_asked_for_mfa(client, create_patient, redeem):
    patient = create_patient()
    redeem(client, patient)
    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/auth/session").json["mfa_enrolment_required"] is False
