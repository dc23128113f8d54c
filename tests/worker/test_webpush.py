"""Web Push to a clinician's browser: VAPID-signed, encrypted, and carrying no PHI.

The push service is a real HTTP receiver in the test process that decrypts the message with
the subscription's keys, as a browser would.
"""

import base64
import json
import os

import http_ece
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from api.models import Alert, Delivery, PushSubscription
from tests.support.answers import phq9, submit


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_alert_push_is_encrypted_signed_and_free_of_phi(
    app, client, redeem, team, db_session, run_task, smtp, webhooks, monkeypatch
):
    vapid = ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setitem(
        app.config, "VAPID_PRIVATE_KEY", b64(vapid.private_numbers().private_value.to_bytes(32))
    )
    browser = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    db_session.add(
        PushSubscription(
            staff_id=team.clinician.id,
            # The API only accepts https endpoints; the test's push service is plain HTTP.
            endpoint=webhooks.url.replace("/hook", "/push/browser-1"),
            p256dh=b64(
                browser.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
            ),
            auth=b64(auth),
        )
    )
    db_session.flush()
    webhooks.status = 201  # what push services answer

    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1))
    run_task("waypoint.evaluate_checkin", str(checkin_id))
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    push = db_session.scalar(
        sa.select(Delivery).where(Delivery.alert_id == alert.id, Delivery.channel == "webpush")
    )
    assert push.recipient == f"staff:{team.clinician.id}"
    assert run_task("waypoint.send_delivery", push.id) == "sent"

    [request] = [r for r in webhooks.received if r["path"] == "/push/browser-1"]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    message = json.loads(
        http_ece.decrypt(
            request["body"], private_key=browser, auth_secret=auth, version="aes128gcm"
        )
    )
    assert message["url"] == f"https://waypoint.test/clinic/alerts/{alert.id}"
    assert team.patient.ref in message["body"] and "urgent" in message["title"]
    text = json.dumps(message).lower()
    for phi in (team.patient.display_name.lower(), "self-harm", "phq", "suicid"):
        assert phi not in text


def test_a_long_failure_is_recorded_within_the_column(
    app, client, redeem, team, db_session, run_task, smtp, webhooks, monkeypatch
):
    """Eighty browsers failing at once make a long error; it is kept, cut to the column."""
    vapid = ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setitem(
        app.config, "VAPID_PRIVATE_KEY", b64(vapid.private_numbers().private_value.to_bytes(32))
    )
    for n in range(80):
        browser = ec.generate_private_key(ec.SECP256R1())
        db_session.add(
            PushSubscription(
                staff_id=team.clinician.id,
                endpoint=webhooks.url.replace("/hook", f"/push/browser-{n}"),
                p256dh=b64(
                    browser.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
                ),
                auth=b64(os.urandom(16)),
            )
        )
    db_session.flush()
    webhooks.status = 500  # every push service is failing

    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1))
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    push = db_session.scalar(
        sa.select(Delivery).where(Delivery.alert_id == alert.id, Delivery.channel == "webpush")
    )
    assert run_task("waypoint.send_delivery", push.id) == "retrying"
    db_session.refresh(push)
    assert push.last_error.startswith("push failed: HTTP 500, HTTP 500")
    assert len(push.last_error) == Delivery.last_error.type.length
