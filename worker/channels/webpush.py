"""Web Push (RFC 8291 encryption by pywebpush, RFC 8292 VAPID) to every browser a person registered.

pywebpush encrypts and py_vapid signs; the request itself goes through the outbound guard
(api/outbound.py), because the endpoint is whatever a browser, or someone posing as one, sent.
"""

import json
import time
from urllib.parse import urlsplit

from flask import current_app
from py_vapid import Vapid, VapidException
from pywebpush import WebPusher, WebPushException

from api import outbound
from api.extensions import db

from . import DeliveryError

#: Push services keep an undelivered notification this long (seconds) for an offline device.
TTL = 3600
#: A VAPID token's lifetime (seconds); push services refuse more than 24 h.
VAPID_LIFETIME = 12 * 3600


def send_push(subscriptions: list, payload: dict, topic: str | None = None) -> int:
    """Push ``payload`` to each subscription; gone ones are removed. Returns how many took it.

    ``topic``: the RFC 8030 ``Topic`` (``content.push_topic``), so that a push service holding
    an undelivered message of the same delivery replaces it with a repeat.
    """
    config = current_app.config
    if not config["VAPID_PRIVATE_KEY"]:
        raise DeliveryError("Web Push is not configured (VAPID key)", permanent=True)
    if not subscriptions:
        raise DeliveryError("no push subscription", permanent=True)
    try:
        vapid = Vapid.from_string(private_key=config["VAPID_PRIVATE_KEY"])
    except (VapidException, ValueError):
        raise DeliveryError("invalid VAPID key", permanent=True) from None
    data = json.dumps(payload).encode()
    sent, errors, retryable = 0, [], False
    for subscription in subscriptions:
        try:
            status = _push(subscription, data, vapid, config, topic)
        except outbound.Refused as exc:
            errors.append(f"refused: {exc}")
            continue
        except outbound.Unreachable as exc:
            errors.append(str(exc))
            retryable = True
            continue
        except (WebPushException, VapidException, ValueError):  # keys or URL pywebpush refuses
            errors.append("invalid subscription")
            continue
        if 200 <= status <= 202:  # what push services answer (pywebpush's bound too)
            sent += 1
            continue
        if status in (404, 410):  # the browser unsubscribed: stop trying it
            db.session.delete(subscription)
        else:
            retryable = True
        errors.append(f"HTTP {status}")
    if not sent:
        # Every browser gone, refused or invalid: another try would find the same.
        raise DeliveryError(f"push failed: {', '.join(errors)}", permanent=not retryable)
    return sent


def _push(subscription, data: bytes, vapid: Vapid, config, topic: str | None = None) -> int:
    """Encrypt ``data`` for one browser and POST it; the push service's HTTP status."""
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    encrypted = WebPusher(info).encode(data, "aes128gcm")
    parts = urlsplit(subscription.endpoint)
    claims = {
        "sub": config["VAPID_SUBJECT"],
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + VAPID_LIFETIME,
    }
    headers = {
        **vapid.sign(claims),
        "Content-Encoding": "aes128gcm",
        "TTL": str(TTL),
        **({"Topic": topic} if topic else {}),
    }
    return outbound.post(
        subscription.endpoint,
        encrypted["body"],
        headers,
        timeout=config["NOTIFY_TIMEOUT_SECONDS"],
        allow=config["OUTBOUND_ALLOW_HOSTS"],
    )
