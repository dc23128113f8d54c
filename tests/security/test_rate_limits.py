"""Brute-force limits: per account and per IP, 429 with Retry-After, nobody else locked out."""

import redis
import sqlalchemy as sa

from api.auth.throttle import MESSAGE
from api.models import AuditEvent

PASSWORD = "correct horse battery staple"


def _from(client, ip):
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _login(client, email, password="wrong password"):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def _assert_throttled(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.json["code"] == 429 and response.json["message"] == MESSAGE


def test_failed_logins_are_throttled_per_account_not_globally(
    make_client, create_clinician, db_session
):
    alice, bob = create_clinician(), create_clinician()
    attacker = _from(make_client(), "203.0.113.9")
    for _ in range(5):
        assert _login(attacker, alice.email).status_code == 401
    _assert_throttled(_login(attacker, alice.email))
    # Throttled means throttled: not even the right password from there gets through...
    _assert_throttled(_login(attacker, alice.email, PASSWORD))
    # ...but another account from the same address signs in,
    assert _login(attacker, bob.email, PASSWORD).status_code == 200
    # and Alice herself, from her own address, is not locked out by the attacker.
    assert _login(_from(make_client(), "198.51.100.4"), alice.email, PASSWORD).status_code == 200
    throttled = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.throttled")
    ).all()
    assert len(throttled) == 2 and {e.outcome for e in throttled} == {"denied"}
    assert {e.ip for e in throttled} == {"203.0.113.9"}


def test_unknown_and_known_accounts_are_throttled_alike(make_client, create_clinician):
    known = create_clinician()
    answers = []
    for email in (known.email, "nobody-here@example.org"):
        client = _from(make_client(), "203.0.113.10")
        for _ in range(5):
            _login(client, email)
        answers.append(_login(client, email))
    for answer in answers:
        _assert_throttled(answer)
    assert answers[0].json == answers[1].json


def test_successful_logins_do_not_count(make_client, create_clinician):
    staff = create_clinician()
    client = _from(make_client(), "203.0.113.11")
    for _ in range(7):
        assert _login(client, staff.email, PASSWORD).status_code == 200


def test_one_address_trying_many_accounts_is_throttled(make_client, create_clinician):
    staff = create_clinician()
    sprayer = _from(make_client(), "203.0.113.12")
    for n in range(30):
        assert _login(sprayer, f"user{n}@example.org").status_code == 401
    _assert_throttled(_login(sprayer, "user-next@example.org"))
    assert _login(_from(make_client(), "198.51.100.5"), staff.email, PASSWORD).status_code == 200


def test_invite_guessing_is_throttled_per_address(app, make_client, create_patient):
    from api.auth.operations import create_invite

    guesser = _from(make_client(), "203.0.113.13")
    for n in range(20):
        response = guesser.post("/api/v1/auth/redeem", json={"token": f"guess-{n:04d}-xxxxxxxxxx"})
        assert response.status_code == 400
    _assert_throttled(guesser.post("/api/v1/auth/redeem", json={"token": "guess-last-xxxxxxxxxx"}))
    with app.test_request_context():
        token = create_invite(create_patient()).rsplit("/", 1)[1]
    phone = _from(make_client(), "198.51.100.6")
    assert phone.post("/api/v1/auth/redeem", json={"token": token}).status_code == 200


def test_limit_keys_name_no_email_address(make_client, create_clinician, redis_url):
    staff = create_clinician()
    _login(_from(make_client(), "203.0.113.14"), staff.email)
    store = redis.Redis.from_url(redis_url)
    try:
        keys = [k.decode() for k in store.scan_iter("LIMITS*")]
    finally:
        store.close()
    assert keys, "the limits are kept in Redis"
    local_part = staff.email.split("@")[0]
    assert not [k for k in keys if local_part in k or staff.email in k]
