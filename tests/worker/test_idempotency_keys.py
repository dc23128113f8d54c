"""Duplicates a receiver can drop: a send repeated because its commit was lost (a worker killed
between the send and the commit) carries the same key as the first one, per delivery: the
email's Message-ID, the webhook's X-Waypoint-Delivery, the Web Push Topic and tag. Real SMTP
server (aiosmtpd), real HTTP receiver and push service, real PostgreSQL commits."""

import base64
import json
import os
import re

import http_ece
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from api.database_roles import migrations_engine
from api.models import Alert, Delivery, PushSubscription
from tests.support.answers import phq9, submit


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def commit_refused(app):
    """Until undone, the database refuses the "delivered" event that a successful send
    commits with its status: the send happens, its commit does not (as if the worker died)."""
    owner = migrations_engine(app)

    def refuse():
        with owner.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE FUNCTION refuse_delivered() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    "BEGIN RAISE EXCEPTION 'commit lost (the test)'; END $$"
                )
            )
            conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse_delivered BEFORE INSERT ON alert_events FOR EACH ROW "
                    "WHEN (NEW.kind = 'delivered') EXECUTE FUNCTION refuse_delivered()"
                )
            )

    def undo():
        with owner.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS refuse_delivered ON alert_events"))
            conn.execute(sa.text("DROP FUNCTION IF EXISTS refuse_delivered()"))

    yield refuse, undo
    undo()


def test_a_send_repeated_after_a_lost_commit_carries_the_same_keys(
    app, committed_team, committed_db, patient_client, run_task, smtp, webhooks, monkeypatch,
    commit_refused,
):  # fmt: skip
    team = committed_team
    vapid = ec.generate_private_key(ec.SECP256R1())
    monkeypatch.setitem(
        app.config, "VAPID_PRIVATE_KEY", b64(vapid.private_numbers().private_value.to_bytes(32))
    )
    browser = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    committed_db.add(
        PushSubscription(
            staff_id=team.clinician.id,
            endpoint=webhooks.url.replace("/hook", "/push/browser-1"),
            p256dh=b64(
                browser.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
            ),
            auth=b64(auth),
        )
    )
    committed_db.commit()
    client, csrf = patient_client(team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1))
    alert = committed_db.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    sends = dict(
        committed_db.execute(
            sa.select(Delivery.channel, Delivery.id).where(Delivery.alert_id == alert.id)
        ).all()
    )
    assert set(sends) == {"email", "webhook", "webpush"}
    committed_db.commit()

    webhooks.status = 201  # what push services answer; a webhook takes any 2xx
    refuse, undo = commit_refused
    refuse()
    for delivery_id in sends.values():
        with pytest.raises(sa.exc.SQLAlchemyError, match="commit lost"):
            run_task("waypoint.send_delivery", delivery_id)
    undo()
    statuses = committed_db.execute(sa.select(Delivery.status).where(Delivery.alert_id == alert.id))
    assert {status for (status,) in statuses} == {"pending"}  # sent, but not recorded
    for delivery_id in sends.values():
        assert run_task("waypoint.send_delivery", delivery_id) == "sent"

    # Email: the same Message-ID both times, made of the delivery id and a keyed digest.
    first, again = smtp.to(team.clinician.email)
    assert first["message_id"] == again["message_id"]
    assert re.fullmatch(
        rf"<delivery\.{sends['email']}\.[0-9a-f]{{16}}@localhost>", first["message_id"]
    )

    # Webhook: the same X-Waypoint-Delivery header and delivery_id in the body.
    hooks = [r for r in webhooks.received if r["path"] == "/hook"]
    assert [r["headers"]["X-Waypoint-Delivery"] for r in hooks] == [str(sends["webhook"])] * 2
    assert {json.loads(r["body"])["delivery_id"] for r in hooks} == {sends["webhook"]}

    # Web Push: the same Topic (the push service replaces an undelivered one) and the same
    # tag (the browser replaces the notification on show).
    pushes = [r for r in webhooks.received if r["path"] == "/push/browser-1"]
    assert [r["headers"]["Topic"] for r in pushes] == [f"waypoint-delivery-{sends['webpush']}"] * 2
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,32}", pushes[0]["headers"]["Topic"])  # RFC 8030
    tags = {
        json.loads(
            http_ece.decrypt(r["body"], private_key=browser, auth_secret=auth, version="aes128gcm")
        )["tag"]
        for r in pushes
    }
    assert tags == {f"alert-{alert.id}-{sends['webpush']}"}

    # No PHI in any key: opaque numbers, a digest, the alert's random id.
    keys = " ".join([first["message_id"], *tags, pushes[0]["headers"]["Topic"]]).lower()
    for phi in (team.patient.ref.lower(), team.patient.display_name.lower(), "phq", "suicid"):
        assert phi not in keys


def test_a_message_id_is_stable_per_delivery_and_unique_per_installation():
    from worker.channels.content import message_id

    assert message_id(7, "secret", "example.org") == message_id(7, "secret", "example.org")
    assert message_id(7, "secret", "example.org") != message_id(8, "secret", "example.org")
    # Another installation (another secret) never makes the same id for its delivery 7.
    assert message_id(7, "secret", "example.org") != message_id(7, "other", "example.org")
