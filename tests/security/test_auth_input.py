"""Odd input at the sign-in edge gets a 4xx, never a 500: non-ASCII CSRF tokens, Unicode digits.

Found by an outside test: ``hmac.compare_digest`` raises TypeError on ``str`` with non-ASCII
characters, and ``str.isdigit()`` is true for Arabic-Indic digits.
"""

import pyotp
import pytest

from api.models import StaffUser

PASSWORD = "correct horse battery staple"
ARABIC_INDIC = "١٢٣٤٥٦"  # six digits to str.isdigit(), none of them 0-9


def field_errors(response) -> dict:
    """The per-field messages of an error body, before and after the error-model change."""
    errors = response.json.get("errors") or {}
    return errors.get("json", errors)


def _login(client, staff, **extra):
    return client.post(
        "/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD, **extra}
    )


@pytest.mark.parametrize("token", ["é" * 43, "٣" * 43, "\u00ff", "x\udcffy"])
def test_a_non_ascii_csrf_token_is_refused_with_403(client, create_clinician, login, token):
    staff = create_clinician()
    login(client, staff)
    # werkzeug hands headers over as latin-1 text; the test client takes any str.
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 403, response.data
    assert client.get("/api/v1/auth/session").json["signed_in"] is True


def test_a_non_ascii_csrf_header_in_raw_bytes_is_refused_with_403(client, create_clinician, login):
    staff = create_clinician()
    login(client, staff)
    raw = "ü€".encode().decode("latin-1")  # what a server sees of UTF-8 bytes in a header
    response = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": raw})
    assert response.status_code == 403


@pytest.mark.parametrize("code", [ARABIC_INDIC, "１２３４５６", "١٢٣ ٤٥٦"])
def test_unicode_digits_as_a_sign_in_code_are_a_422(client, create_clinician, db_session, code):
    admin = create_clinician(role="admin")
    response = _login(client, admin, totp=code)
    assert response.status_code == 422, response.data
    assert "totp" in field_errors(response)
    assert client.get("/api/v1/auth/session").json["signed_in"] is False
    assert db_session.get(StaffUser, admin.id).totp_last_counter is None


def test_unicode_digits_confirming_enrolment_are_a_422(client, create_clinician, login, db_session):
    staff = create_clinician()
    csrf = login(client, staff)
    started = client.post(
        "/api/v1/account/totp",
        json={"current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert started.status_code == 201, started.json
    response = client.post(
        "/api/v1/account/totp/confirm",
        json={"code": ARABIC_INDIC, "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.data
    assert "code" in field_errors(response)
    assert db_session.get(StaffUser, staff.id).totp_enabled is False


def test_recovery_codes_still_sign_in(client, create_clinician, login):
    """The sign-in code field takes recovery codes too: ASCII letters, digits, dashes."""
    staff = create_clinician()
    csrf = login(client, staff)
    started = client.post(
        "/api/v1/account/totp",
        json={"current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    confirmed = client.post(
        "/api/v1/account/totp/confirm",
        json={"code": pyotp.TOTP(started.json["secret"]).now(), "current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert confirmed.status_code == 200, confirmed.json
    recovery = confirmed.json["recovery_codes"][0]
    client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": confirmed.json["csrf_token"]})
    assert _login(client, staff, totp=recovery.upper()).status_code == 200
