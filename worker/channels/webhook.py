"""A signed JSON webhook for chat or paging bridges.

The body is signed with HMAC-SHA256 over ``timestamp + "." + body`` using the clinic's
secret and sent as ``X-Waypoint-Signature: t=<unix seconds>,v1=<hex digest>``. A receiver
recomputes the digest, compares in constant time and refuses old timestamps (replays).
``X-Waypoint-Delivery`` identifies the delivery, so a receiver can drop a retried duplicate.
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from . import DeliveryError

SIGNATURE_HEADER = "X-Waypoint-Signature"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    signed = timestamp.encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: following it would re-send the body somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def post_webhook(url: str, secret: str | None, payload: dict, delivery_id, timeout: float) -> None:
    """POST the signed payload; any answer but 2xx is a failure."""
    if not secret:
        raise DeliveryError("webhook secret not configured", permanent=True)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (http/https only, checked when saved)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Waypoint-Webhook/1",
            "X-Waypoint-Delivery": str(delivery_id),
            SIGNATURE_HEADER: f"t={timestamp},v1={signature(secret, timestamp, body)}",
        },
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook unreachable: {type(exc).__name__}") from None
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook answered HTTP {status}")
