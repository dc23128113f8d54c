"""Secrets and contact details kept encrypted at rest: Fernet tokens (AES-CBC with an HMAC).

What is sealed: a clinic's Apprise URLs (they carry the chat, paging or SMS provider's
tokens) and a patient's phone number (PHI). A database dump, a backup or a read-only SQL
role shows neither; only a process holding the key reads them.

The key: ``STORED_SECRETS_KEY``, one or more Fernet keys separated by commas (the first seals,
every one opens: rotate by putting a new key first, re-saving, then dropping the old one).
Unset, it is derived from ``SECRET_KEY`` (HKDF, an info string of its own), which is enough
for ``make run``; production sets it, so that rotating ``SECRET_KEY`` (which signs everyone
out) does not also lose every stored URL. The web and the workers must share it.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

#: HKDF's info: this key seals stored secrets only, whatever else SECRET_KEY keys.
KEY_INFO = b"waypoint.stored-secrets.v1"


class Unreadable(Exception):
    """A sealed value no configured key opens (the key changed): it has to be entered again."""


def _derived(secret) -> bytes:
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_INFO).derive(secret)
    return base64.urlsafe_b64encode(key)


def check_keys(value: str) -> None:
    """Refuse a ``STORED_SECRETS_KEY`` that is not comma-separated Fernet keys (at start)."""
    for key in (k.strip() for k in value.split(",")):
        if key:
            try:
                Fernet(key)
            except ValueError:
                message = "STORED_SECRETS_KEY: comma-separated Fernet keys (Fernet.generate_key())"
                raise ValueError(message) from None


def _fernet() -> MultiFernet:
    config = current_app.config
    keys = [k.strip() for k in (config.get("STORED_SECRETS_KEY") or "").split(",") if k.strip()]
    return MultiFernet([Fernet(k) for k in keys] or [Fernet(_derived(config["SECRET_KEY"]))])


def seal(value: str) -> str:
    """``value`` encrypted, as text for a column."""
    return _fernet().encrypt(value.encode()).decode("ascii")


def unseal(token: str) -> str:
    """The value a ``seal`` made; Unreadable if no configured key opens it."""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise Unreadable() from None
