"""Known devices: a signed cookie naming the staff accounts that signed in on this browser.

It is not a credential (the password and the second factor are still asked for); it only
tells the brute-force limits that a sign-in comes from a device that has signed in to the
account before, so that a guessing campaign spread over many addresses, which uses up the
account-wide budget, cannot lock the clinician out of their own laptop (RELIABILITY.md).
The cookie is HttpOnly, Secure, SameSite=Strict, and a Fernet token (AES-CBC with an
HMAC, dated) under a key derived from the app's secret: it cannot be forged, read by
scripts, kept alive past ``KNOWN_DEVICE_LIFETIME``, or read by anyone who copies it
(which accounts use a workstation is nobody else's business). Cookies of the older,
signed-only form are simply not recognised.
"""

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import after_this_request, current_app, request

from ..models import StaffUser

#: HKDF's info: this key is for this cookie only, whatever else SECRET_KEY keys.
KEY_INFO = b"waypoint.known-device.v2"
#: Accounts remembered per browser (a shared clinic workstation has a few users).
MAX_ACCOUNTS = 5


def cookie_name() -> str:
    """The cookie's name: ``__Host-`` bound to this origin whenever cookies are Secure."""
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    return "__Host-waypoint-device" if secure else "waypoint-device"


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def known_staff_ids() -> list[int]:
    """The staff ids this browser's valid cookie names (none if absent, forged or expired)."""
    value = request.cookies.get(cookie_name())
    if not value:
        return []
    max_age = current_app.config["KNOWN_DEVICE_LIFETIME"].total_seconds()
    try:
        ids = json.loads(_fernet().decrypt(value.encode("ascii"), ttl=int(max_age)))
    except (InvalidToken, UnicodeEncodeError, ValueError):
        return []
    if not isinstance(ids, list):
        return []
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)][:MAX_ACCOUNTS]


def remember_device(staff: StaffUser) -> None:
    """After a successful sign-in, (re)issue the cookie with ``staff`` first."""
    ids = [staff.id] + [i for i in known_staff_ids() if i != staff.id]
    value = _fernet().encrypt(json.dumps(ids[:MAX_ACCOUNTS]).encode()).decode("ascii")
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
