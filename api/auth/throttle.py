"""Brute-force limits on password guesses and invite redemption (Flask-Limiter on Redis).

Password guesses are made at sign-in and wherever a signed-in staff member must re-enter
the password to change the account (``reauth_limits``); both draw on the same budgets.

Only failed attempts count (``deduct_when``), so a user who signs in many times is never
slowed down. Three keys per attempt, each its own budget:

- account + IP: the tight limit; an attacker elsewhere does not use up the owner's budget;
- account: a looser limit that stops a guessing campaign spread over many addresses; it
  does not apply on a device that has signed in to the account before (a signed cookie,
  api/auth/devices.py), so such a campaign cannot lock the clinician out of their laptop;
- IP: stops one address from trying many accounts.

Keys name accounts by a hash, never by the email address, and the answer is the same
429 whether the account exists or not (no user enumeration). When the limit storage is
down, Flask-Limiter counts in memory (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) and never
turns a sign-in into a 500 (RATELIMIT_SWALLOW_ERRORS); nothing here talks to the storage.
"""

import hashlib

from flask import g, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address

from ..audit import record
from ..extensions import db, limiter
from ..models import StaffUser
from .devices import known_staff_ids
from .principal import current_principal

LOGIN_PER_ACCOUNT_AND_IP = "5 per minute; 20 per hour"
LOGIN_PER_ACCOUNT = "50 per hour"
LOGIN_PER_IP = "30 per minute; 300 per hour"
#: Shared scopes: sign-in and re-authentication (api/account/) draw on the same budgets.
SCOPE_ACCOUNT_AND_IP = "password:account+ip"
SCOPE_ACCOUNT = "password:account"
SCOPE_IP = "password:ip"
REDEEM_PER_INVITE = "5 per minute"
REDEEM_PER_IP = "20 per minute; 200 per hour"

MESSAGE = "Too many attempts. Please wait a little and try again."
#: A sign-in or redemption that did not work; the only answers that use up the budget.
FAILED = frozenset({400, 401, 422})


def _failed(response) -> bool:
    return response.status_code in FAILED


def _body_field(name: str) -> str:
    body = request.get_json(silent=True)
    value = body.get(name) if isinstance(body, dict) else None
    return value.strip().lower() if isinstance(value, str) else ""


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _signed_in_email() -> str:
    principal = current_principal()
    staff = principal.staff if principal is not None else None
    return staff.email.lower() if staff is not None else ""


def _account_key() -> str:
    return "account:" + _digest(_body_field("email"))


def _account_ip_key() -> str:
    return f"{_account_key()}:{get_remote_address()}"


def _own_account_key() -> str:
    # The same key as a sign-in naming this account: one budget for both kinds of guess.
    return "account:" + _digest(_signed_in_email())


def _own_account_ip_key() -> str:
    return f"{_own_account_key()}:{get_remote_address()}"


def _token_key() -> str:
    # The token itself is case-sensitive; hash it as sent.
    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    return "token:" + _digest(token if isinstance(token, str) else "")


def _ip_key() -> str:
    return "ip:" + get_remote_address()


def _known_device() -> bool:
    """True if this browser has signed in before to the account the body names."""
    known, email = known_staff_ids(), _body_field("email")
    if not known or not email:
        return False
    staff_id = db.session.scalar(db.select(StaffUser.id).where(StaffUser.email == email))
    return staff_id in known


def _on_breach(limit: RequestLimit) -> None:
    record("auth.throttled", outcome="denied", endpoint=request.endpoint, limit=str(limit.limit))


def _limit(value: str, key_func, exempt_when=None, scope=None, deduct_when=_failed):
    common = dict(
        key_func=key_func,
        deduct_when=deduct_when,
        exempt_when=exempt_when,
        error_message=MESSAGE,
        on_breach=_on_breach,
    )
    if scope is None:
        return limiter.limit(value, **common)
    return limiter.shared_limit(value, scope, **common)


def login_limits(view):
    """Apply the sign-in limits to a view."""
    for value, key_func, exempt_when, scope in (
        (LOGIN_PER_ACCOUNT_AND_IP, _account_ip_key, None, SCOPE_ACCOUNT_AND_IP),
        (LOGIN_PER_ACCOUNT, _account_key, _known_device, SCOPE_ACCOUNT),
        (LOGIN_PER_IP, _ip_key, None, SCOPE_IP),
    ):
        view = _limit(value, key_func, exempt_when, scope)(view)
    return view


def mark_wrong_password() -> None:
    """Count this request against the re-authentication budgets (the password was wrong)."""
    g.wrong_current_password = True


def _wrong_password(_response) -> bool:
    return g.get("wrong_current_password", False)


def reauth_limits(view):
    """Apply sign-in's budgets to a view that asks a signed-in staff member for the password.

    Same limits and keys as sign-in, so guesses there and here add up; only a wrong current
    password counts (``mark_wrong_password``), not a weak new one. No known-device exemption:
    whoever holds a stolen session holds that browser too.
    """
    for value, key_func, scope in (
        (LOGIN_PER_ACCOUNT_AND_IP, _own_account_ip_key, SCOPE_ACCOUNT_AND_IP),
        (LOGIN_PER_ACCOUNT, _own_account_key, SCOPE_ACCOUNT),
        (LOGIN_PER_IP, _ip_key, SCOPE_IP),
    ):
        view = _limit(value, key_func, scope=scope, deduct_when=_wrong_password)(view)
    return view


def redeem_limits(view):
    """Apply the invite-redemption limits to a view."""
    for value, key_func in ((REDEEM_PER_INVITE, _token_key), (REDEEM_PER_IP, _ip_key)):
        view = _limit(value, key_func)(view)
    return view
