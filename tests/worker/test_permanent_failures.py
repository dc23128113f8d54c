"""A refusal that another try cannot mend fails the delivery at once; the rest are retried.

An SMTP 5yz reply (but the server's own sign-in), a webhook's answer that refuses the request
itself, and Web Push to browsers that all unsubscribed are permanent: retrying them for hours
would only hide from the clinic that this channel did not reach anyone. A 4yz reply, a 5xx
answer and a push service that is down are retried as before.
"""

import base64
import os

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from api.models import AlertEvent, PushSubscription


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def failures(db_session, delivery) -> int:
    return db_session.scalar(
        sa.select(sa.func.count()).where(
            AlertEvent.alert_id == delivery.alert_id, AlertEvent.kind == "delivery_failed"
        )
    )


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ("550 5.1.1 No such mailbox", "failed"),
        ("553 5.1.3 Bad recipient address syntax", "failed"),
        ("451 4.3.0 Try again later", "retrying"),
        ("452 4.2.2 Mailbox full for now", "retrying"),
    ],
)
def test_an_smtp_refusal_fails_at_once_only_when_it_is_permanent(
    smtp, send_urgent, run_task, db_session, reply, outcome
):
    smtp.refuse = reply
    result, delivery = send_urgent("email")
    assert (result, delivery.status, delivery.attempts) == (
        outcome,
        "failed" if outcome == "failed" else "pending",
        1,
    )
    assert reply.split()[0] in delivery.last_error
    assert (delivery.next_attempt_at is None) == (outcome == "failed")
    assert failures(db_session, delivery) == (1 if outcome == "failed" else 0)
    smtp.refuse = False
    if outcome == "retrying":  # the server takes it again: the next attempt sends it
        delivery.next_attempt_at = None
        db_session.flush()
        assert run_task("waypoint.send_delivery", delivery.id) == "sent"


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(410, "failed"), (404, "failed"), (422, "failed"), (503, "retrying"), (429, "retrying")],
)
def test_a_webhook_answer_fails_at_once_only_when_it_refuses_the_request(
    webhooks, send_urgent, db_session, status, outcome
):
    webhooks.status = status
    result, delivery = send_urgent("webhook")
    assert (result, delivery.attempts) == (outcome, 1)
    assert delivery.last_error == f"webhook answered HTTP {status}"
    assert len(webhooks.received) == 1
    assert failures(db_session, delivery) == (1 if outcome == "failed" else 0)


def browser_subscription(db_session, team, endpoint):
    browser = ec.generate_private_key(ec.SECP256R1())
    subscription = PushSubscription(
        staff_id=team.clinician.id,
        endpoint=endpoint,
        p256dh=b64(
            browser.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        ),
        auth=b64(os.urandom(16)),
    )
    db_session.add(subscription)
    db_session.flush()
    return subscription


@pytest.mark.parametrize(("status", "outcome"), [(410, "failed"), (500, "retrying")])
def test_push_fails_at_once_when_every_browser_unsubscribed(
    app, monkeypatch, team, db_session, webhooks, send_urgent, status, outcome
):
    vapid = ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setitem(
        app.config, "VAPID_PRIVATE_KEY", b64(vapid.private_numbers().private_value.to_bytes(32))
    )
    for n in range(2):
        browser_subscription(db_session, team, webhooks.url.replace("/hook", f"/push/{n}"))
    webhooks.status = status
    result, delivery = send_urgent("webpush")
    assert (result, delivery.attempts) == (outcome, 1)
    assert delivery.last_error == f"push failed: HTTP {status}, HTTP {status}"
    left = db_session.scalar(
        sa.select(sa.func.count()).where(PushSubscription.staff_id == team.clinician.id)
    )
    assert left == (0 if status == 410 else 2)  # the unsubscribed browsers are forgotten
