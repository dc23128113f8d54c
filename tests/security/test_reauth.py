"""Re-authentication for account changes (#14 finding 6).

A stolen staff session must not become a permanent takeover: changing the password or the
second factor asks for the current password, those guesses share sign-in's budgets (per
account and address, per account, per address; 429 with Retry-After), and every change is
told to the account's email after the commit.
"""

import base64
import json

import pyotp
import pytest
import redis

from api.auth.throttle import MESSAGE
from api.models import StaffUser
from api.pipeline.routing import SEND_ACCOUNT_NOTICE as NOTICE_TASK

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase"


def field_errors(response) -> dict:
    """The per-field messages of an error body, before and after the error-model change."""
    errors = response.json.get("errors") or {}
    return errors.get("json", errors)


def _from(client, ip):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _assert_throttled(response):
    assert response.status_code == 429, response.json
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["message"] == MESSAGE


def _post(client, csrf, path, body):
    return client.post(f"/api/v1/account/{path}", json=body, headers={"X-CSRF-Token": csrf})


def _change(client, csrf, current, new=NEW_PASSWORD):
    return _post(client, csrf, "password", {"current_password": current, "new_password": new})


def _start(client, csrf, current=PASSWORD):
    return _post(client, csrf, "totp", {"current_password": current})


def _stored(db_session, staff) -> StaffUser:
    """The staff row as the requests left it (they use sessions of their own)."""
    db_session.expire_all()
    return db_session.get(StaffUser, staff.id)


def notices(redis_url, staff_id) -> list[list]:
    """The account-notice tasks waiting for ``staff_id``, oldest first (kombu LPUSHes)."""
    client = redis.Redis.from_url(redis_url)
    found = []
    for raw in client.lrange("default", 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        if message["headers"]["task"] == NOTICE_TASK and args[0] == staff_id:
            found.append(args)
    client.close()
    return found[::-1]


@pytest.fixture
def signed_in(make_client, create_clinician, login):
    """A clinician signed in from 203.0.113.50: (client, csrf, staff)."""
    staff = create_clinician()
    client = _from(make_client(), "203.0.113.50")
    return client, login(client, staff), staff


def test_password_change_guesses_are_throttled_like_sign_in(signed_in, make_client, db_session):
    client, csrf, staff = signed_in
    before = staff.password_hash
    for _ in range(5):
        refused = _change(client, csrf, "a wrong guess")
        assert refused.status_code == 422 and "current_password" in field_errors(refused)
    _assert_throttled(_change(client, csrf, "another guess"))
    # Throttled means throttled: the right password from there is refused too.
    _assert_throttled(_change(client, csrf, PASSWORD))
    assert _stored(db_session, staff).password_hash == before
    # The owner elsewhere is not locked out.
    owner = _from(make_client(), "198.51.100.50")
    answer = owner.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    assert answer.status_code == 200


def test_re_authentication_and_sign_in_share_one_budget(signed_in, make_client):
    client, csrf, staff = signed_in
    attacker = _from(make_client(), "203.0.113.50")
    for _ in range(3):
        answer = attacker.post(
            "/api/v1/auth/login", json={"email": staff.email, "password": "nope"}
        )
        assert answer.status_code == 401
    for _ in range(2):
        assert _start(client, csrf, "still wrong").status_code == 422
    _assert_throttled(
        attacker.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    )
    _assert_throttled(_start(client, csrf))


def test_a_weak_new_password_is_not_a_guess(signed_in):
    client, csrf, _ = signed_in
    for _ in range(7):
        refused = _change(client, csrf, PASSWORD, new="short")
        assert refused.status_code == 422 and "new_password" in field_errors(refused)
    assert _change(client, csrf, PASSWORD).status_code == 200


def test_two_step_enrolment_needs_the_current_password(signed_in, db_session):
    client, csrf, staff = signed_in
    missing = client.post("/api/v1/account/totp", json={}, headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 422 and "current_password" in field_errors(missing)
    no_body = client.post("/api/v1/account/totp", headers={"X-CSRF-Token": csrf})
    assert no_body.status_code == 422
    wrong = _start(client, csrf, "not the password")
    assert wrong.status_code == 422 and "current_password" in field_errors(wrong)
    assert _stored(db_session, staff).totp_secret is None

    started = _start(client, csrf)
    assert started.status_code == 201, started.json
    code = pyotp.TOTP(started.json["secret"]).now()
    for body in ({"code": code}, {"code": code, "current_password": "not the password"}):
        refused = _post(client, csrf, "totp/confirm", body)
        assert refused.status_code == 422 and "current_password" in field_errors(refused)
        assert _stored(db_session, staff).totp_enabled is False
    confirmed = _post(client, csrf, "totp/confirm", {"code": code, "current_password": PASSWORD})
    assert confirmed.status_code == 200, confirmed.json
    assert _stored(db_session, staff).totp_enabled is True


def test_enrolment_guesses_are_throttled(signed_in):
    client, csrf, _ = signed_in
    for _ in range(5):
        assert _start(client, csrf, "guess").status_code == 422
    _assert_throttled(_start(client, csrf))
    _assert_throttled(
        _post(client, csrf, "totp/confirm", {"code": "123456", "current_password": PASSWORD})
    )


def test_each_change_queues_a_notice_after_the_commit(signed_in, redis_url):
    client, csrf, staff = signed_in
    assert _change(client, csrf, "wrong").status_code == 422
    assert _start(client, csrf, "wrong").status_code == 422
    assert notices(redis_url, staff.id) == []

    assert _change(client, csrf, PASSWORD).status_code == 200
    started = _start(client, csrf, NEW_PASSWORD)
    assert started.status_code == 201
    assert [n[1] for n in notices(redis_url, staff.id)] == ["password_changed"]
    code = pyotp.TOTP(started.json["secret"]).now()
    body = {"code": code, "current_password": NEW_PASSWORD}
    assert _post(client, csrf, "totp/confirm", body).status_code == 200
    sent = notices(redis_url, staff.id)
    assert [n[1] for n in sent] == ["password_changed", "two_step_enrolled"]
    assert all(len(n) == 3 for n in sent)  # id, what changed, when: nothing else
