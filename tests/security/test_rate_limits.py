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
        # Scoped to this test's addresses: tests on committed data leave their audit rows.
        sa.select(AuditEvent).where(
            AuditEvent.action == "auth.throttled",
            AuditEvent.ip.in_(["203.0.113.9", "198.51.100.4"]),
        )
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


DEVICE_COOKIE = "__Host-waypoint-device"


def test_a_campaign_over_many_addresses_cannot_lock_the_owner_out_of_a_known_device(
    make_client, create_clinician
):
    alice, mallory = create_clinician(), create_clinician()
    laptop = _from(make_client(), "198.51.100.20")
    assert _login(laptop, alice.email, PASSWORD).status_code == 200  # a device Alice uses
    cookie = laptop.get_cookie(DEVICE_COOKIE)
    assert cookie is not None and cookie.secure and cookie.http_only
    assert cookie.same_site == "Strict" and cookie.path == "/" and cookie.max_age > 86400 * 300
    # Mallory signs in to her own account: her browser is a known device of hers only.
    mallory_browser = _from(make_client(), "203.0.113.99")
    assert _login(mallory_browser, mallory.email, PASSWORD).status_code == 200

    for n in range(55):  # 55 wrong passwords, each from a different address
        answer = _login(_from(make_client(), f"203.0.113.{n + 1}"), alice.email)
        assert answer.status_code in (401, 429)
    # The account-wide budget (50 an hour) is spent: an unknown device is throttled,
    _assert_throttled(_login(_from(make_client(), "198.51.100.21"), alice.email, PASSWORD))
    # and so is Mallory's browser, whose cookie names her account, not Alice's,
    _assert_throttled(_login(mallory_browser, alice.email, PASSWORD))
    # and a cookie that was tampered with counts for nothing,
    forged = _from(make_client(), "198.51.100.22")
    forged.set_cookie(DEVICE_COOKIE, cookie.value[:-2] + "xx", domain="localhost")
    _assert_throttled(_login(forged, alice.email, PASSWORD))
    # but Alice on her own laptop signs in (and can acknowledge the urgent alert).
    assert _login(laptop, alice.email, PASSWORD).status_code == 200


def test_a_known_device_still_has_the_per_address_limit(make_client, create_clinician):
    alice = create_clinician()
    laptop = _from(make_client(), "198.51.100.30")
    assert _login(laptop, alice.email, PASSWORD).status_code == 200
    for _ in range(5):
        assert _login(laptop, alice.email).status_code == 401
    _assert_throttled(_login(laptop, alice.email, PASSWORD))
