"""Known devices: a signed cookie naming the staff accounts that signed in on this browser.

It is not a credential (the password and the second factor are still asked for); it only
tells the brute-force limits that a sign-in comes from a device that has signed in to the
account before, so that a guessing campaign spread over many addresses, which uses up the
account-wide budget, cannot lock the clinician out of their own laptop (RELIABILITY.md).
The cookie is HttpOnly, Secure, SameSite=Strict, signed with the app's secret and dated:
it cannot be forged, read by scripts, or kept alive past ``KNOWN_DEVICE_LIFETIME``.
"""

from flask import after_this_request, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

from ..models import StaffUser

SALT = "waypoint.known-device"
#: Accounts remembered per browser (a shared clinic workstation has a few users).
MAX_ACCOUNTS = 5


def cookie_name() -> str:
    """The cookie's name: ``__Host-`` bound to this origin whenever cookies are Secure."""
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    return "__Host-waypoint-device" if secure else "waypoint-device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def known_staff_ids() -> list[int]:
    """The staff ids this browser's valid cookie names (none if absent, forged or expired)."""
    value = request.cookies.get(cookie_name())
    if not value:
        return []
    max_age = current_app.config["KNOWN_DEVICE_LIFETIME"].total_seconds()
    try:
        ids = _serializer().loads(value, max_age=max_age)
    except BadData:
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)][:MAX_ACCOUNTS]


def remember_device(staff: StaffUser) -> None:
    """After a successful sign-in, (re)issue the cookie with ``staff`` first."""
    ids = [staff.id] + [i for i in known_staff_ids() if i != staff.id]
    value = _serializer().dumps(ids[:MAX_ACCOUNTS])
    config = current_app.config

    @after_this_request
    def _set_cookie(response):
        response.set_cookie(
            cookie_name(),
            value,
            max_age=int(config["KNOWN_DEVICE_LIFETIME"].total_seconds()),
            path="/",
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Strict",
        )
        return response
