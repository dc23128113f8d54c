"""The known-device cookie is encrypted, not only signed (issue #14, finding 12): it named
the staff accounts that signed in on a browser to anyone who could read the cookie."""

import base64
import binascii

from itsdangerous import URLSafeTimedSerializer

COOKIE = "__Host-waypoint-device"


def _decodable_parts(value: str) -> list[bytes]:
    """Every piece of ``value`` that base64-decodes (how a signed cookie shows its payload)."""
    found = []
    for part in value.replace(".", " ").split():
        try:
            found.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        except (binascii.Error, ValueError):
            continue
    return found


def _known_ids(app, cookie_value):
    from api.auth.devices import known_staff_ids

    with app.test_request_context(headers={"Cookie": f"{COOKIE}={cookie_value}"}):
        return known_staff_ids()


def test_the_cookie_does_not_show_which_accounts_signed_in(app, client, create_clinician, login):
    staff = create_clinician()
    login(client, staff)
    value = client.get_cookie(COOKIE).value
    assert _known_ids(app, value) == [staff.id]
    payloads = b" ".join(_decodable_parts(value))
    assert f"[{staff.id}]".encode() not in payloads


def test_a_tampered_cookie_is_not_recognised(app, client, create_clinician, login):
    staff = create_clinician()
    login(client, staff)
    value = client.get_cookie(COOKIE).value
    tampered = value[:-6] + ("A" if value[-6] != "A" else "B") + value[-5:]
    assert _known_ids(app, tampered) == []


def test_an_old_signed_cookie_is_simply_no_longer_recognised(app, create_clinician):
    staff = create_clinician()
    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="waypoint.known-device")
    assert _known_ids(app, old.dumps([staff.id])) == []
    assert _known_ids(app, "not a cookie at all") == []
