"""Web Push (pywebpush, VAPID) to every browser a person registered."""

import json

from flask import current_app
from pywebpush import WebPushException, webpush

from api.extensions import db

from . import DeliveryError

#: Push services keep an undelivered notification this long (seconds) for an offline device.
TTL = 3600


def send_push(subscriptions: list, payload: dict) -> int:
    """Push ``payload`` to each subscription; gone ones are removed. Returns how many took it."""
    config = current_app.config
    if not config["VAPID_PRIVATE_KEY"]:
        raise DeliveryError("Web Push is not configured (VAPID key)", permanent=True)
    if not subscriptions:
        raise DeliveryError("no push subscription", permanent=True)
    data = json.dumps(payload)
    sent, errors = 0, []
    for subscription in subscriptions:
        try:
            webpush(
                {
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=data,
                vapid_private_key=config["VAPID_PRIVATE_KEY"],
                vapid_claims={"sub": config["VAPID_SUBJECT"]},
                timeout=config["NOTIFY_TIMEOUT_SECONDS"],
                ttl=TTL,
            )
            sent += 1
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):  # the browser unsubscribed: stop trying it
                db.session.delete(subscription)
            errors.append(f"HTTP {status}" if status else "push refused")
        except (ValueError, OSError) as exc:  # requests' errors are OSErrors
            errors.append(type(exc).__name__)
    if not sent:
        raise DeliveryError(f"push failed: {', '.join(errors)}")
    return sent
