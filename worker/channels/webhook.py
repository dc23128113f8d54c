"""A signed JSON webhook for chat or paging bridges.

The body is signed with HMAC-SHA256 over ``timestamp + "." + body`` using the clinic's
secret and sent as ``X-Waypoint-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver
recomputes the digest, compares in constant time and refuses old timestamps (replays).
``X-Waypoint-Delivery`` (and ``delivery_id`` in the body) identifies the delivery, the same on
every attempt of it: the key a receiver dedupes on to drop a repeated send (the signature and
its timestamp differ per attempt, so they are not).
"""

import hashlib
import hmac
import json
import time

from api import outbound

from . import DeliveryError

SIGNATURE_HEADER = "X-Waypoint-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


#: Answers that refuse the request itself (RFC 9110 15.5): sending the same bytes to the same
#: URL again gets the same answer, so the delivery fails at once and the admin sees why. Any
#: other answer (a 5xx, 408, 429, a redirect, 401 or 403 of a secret being rotated) is retried.
REFUSED_FOR_GOOD = frozenset({400, 404, 405, 410, 413, 414, 415, 422})


def post_webhook(
    url: str, secret: str | None, payload: dict, delivery_id, timeout: float, allow: tuple = ()
) -> None:
    """POST the signed payload through the outbound guard; any answer but 2xx is a failure.

    A redirect is a failure too: following it would re-send the body somewhere else.
    """
    if not secret:
        raise DeliveryError("webhook secret not configured", permanent=True)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Waypoint-Webhook/1",
        "X-Waypoint-Delivery": str(delivery_id),
        SIGNATURE_HEADER: f"t={timestamp},v1={signature(secret, timestamp, body)}",
    }
    try:
        status = outbound.post(url, body, headers, timeout=timeout, allow=allow)
    except outbound.Refused as exc:
        # Retrying cannot help: the admin has to change the URL (or the operator the allow-list).
        raise DeliveryError(f"webhook refused: {exc}", permanent=True) from None
    except outbound.Unreachable as exc:
        raise DeliveryError(f"webhook {exc}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}", permanent=status in REFUSED_FOR_GOOD)
