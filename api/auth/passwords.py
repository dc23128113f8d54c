"""Password hashing (argon2id) and the minimum we ask of a staff password."""

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
#: Verified against when the email is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("waypoint-timing-equaliser")

MIN_LENGTH = 12
_COMMON = {"password1234", "123456789012", "qwertyuiopas", "letmein12345", "waypoint1234"}


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a password is too weak, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(set(password)) < 5 or password.lower() in _COMMON:
        return "That password is too easy to guess."
    if password.lower() in _breached():
        return "That password is in lists of breached passwords."
    return None


@functools.cache
def _breached() -> frozenset[str]:
    """The most common passwords of published breaches that pass ``MIN_LENGTH``.

    zxcvbn's ranked list: the 30,000 most frequent of Xato's 10 million leaked passwords,
    lower-case. Shorter ones are refused by length already; loaded on the first use.
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p for p in FREQUENCY_LISTS["passwords"] if len(p) >= MIN_LENGTH)
