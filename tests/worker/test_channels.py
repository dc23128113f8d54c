"""Care-team channels through Apprise, for real: Apprise's own json:// transport to a local HTTP
receiver and its mailto:// transport to the local SMTP sink, sent by real worker processes
(delivery, retry after the receiver fails, "failed" after the last retry, escalation through a
paging channel); the URLs stored sealed and never shown back; bad URLs refused with a 4xx."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from api.models import Alert, AlertEvent, ClinicChannel, Delivery
from tests.support.answers import phq9, submit
from tests.support.receivers import receiving
from tests.support.worker import https_client, wait_for

pytestmark = pytest.mark.worker

KEY = Fernet.generate_key().decode()


@pytest.fixture
def sealing(app, monkeypatch):
    """The test app and the workers seal and open with the same key."""
    monkeypatch.setitem(app.config, "STORED_SECRETS_KEY", KEY)
    return {"STORED_SECRETS_KEY": KEY}


def add_channel(app, session, clinic, url, rungs=("care_team", "on_call", "admins"), label="Ch"):
    """A committed channel, sealed as the API seals it."""
    from api.channels.operations import add_channel as add

    with app.test_request_context():
        channel = add(clinic.id, {"label": label, "url": url, "rungs": list(rungs)})
        row = {c: getattr(channel, c) for c in ("clinic_id", "label", "kind", "url_sealed")}
        row.update(url_masked=channel.url_masked, rungs=channel.rungs)
        from api.extensions import db

        db.session.rollback()
    stored = ClinicChannel(**row)
    session.add(stored)
    session.get(type(clinic), clinic.id).channel_rungs = sorted(
        {r for c in session.scalars(sa.select(ClinicChannel.rungs)) for r in c} | set(rungs)
    )
    session.commit()
    return stored


def deliveries(session, channel_id, **where):
    session.expire_all()
    return session.scalars(
        sa.select(Delivery)
        .where(Delivery.recipient == f"channel:{channel_id}")
        .filter_by(**where)
        .order_by(Delivery.id)
    ).all()


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def admin(make_client, login, team):
    client = make_client()
    return client, login(client, team.admin)


def test_admin_adds_a_channel_that_is_stored_sealed_and_shown_masked(
    admin, team, db_session, sealing
):
    client, token = admin
    url = "pagerduty://integration0123456789abcdef@apikey0123456789abcdef"
    response = client.post(
        "/api/v1/clinic/channels",
        json={"label": "On-call pager", "url": url, "rungs": ["on_call", "admins"]},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["kind"], body["rungs"], body["url_masked"]) == (
        "paging",
        ["on_call", "admins"],
        "pagerduty://…",
    )
    listed = client.get("/api/v1/clinic/channels").json["items"]
    assert [c["label"] for c in listed] == ["On-call pager"]
    assert "apikey0123456789abcdef" not in json.dumps(listed)
    stored = db_session.get(ClinicChannel, body["id"])
    assert "apikey" not in stored.url_sealed and "integration" not in stored.url_sealed
    from api.sealed import unseal

    assert unseal(stored.url_sealed) == url

    hooked = client.post(
        "/api/v1/clinic/channels",
        json={"label": "Local bridge", "url": "json://127.0.0.1:8080/hook?+X-Token=s3cret"},
        headers={"X-CSRF-Token": token},
    ).json
    assert hooked["kind"] == "http" and hooked["url_masked"] == "json://127.0.0.1:8080/…"

    changed = client.patch(
        f"/api/v1/clinic/channels/{body['id']}",
        json={"active": False},
        headers={"X-CSRF-Token": token},
    )
    assert changed.status_code == 200 and changed.json["active"] is False
    gone = client.delete(f"/api/v1/clinic/channels/{body['id']}", headers={"X-CSRF-Token": token})
    assert gone.status_code == 204


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("not a url", "Not a supported service"),
        ("gopher://example.org/x", "Not a supported service"),
        ("syslog://", "Not a supported service"),  # Apprise has it; a care team does not
        ("slack://", "Apprise could not read"),
        ("pagerduty://", "Apprise could not read"),
        ("json://10.0.0.5/hook", "must use TLS"),
        ("jsons://10.0.0.5/hook", "internal host"),
        ("jsons://169.254.169.254/latest", "internal host"),
        ("mailtos://localhost?to=a@example.org", "internal host"),
        ("zulip://bot@chat.localhost/" + "a" * 32, "internal host"),  # an organization's host
        ("jsons://[::ffff:127.0.0.1]/hook", "internal host"),  # Apprise keeps the brackets
        ("jsons://[fe80::1%25eth0]/hook", "internal host"),
        ("jsons://hooks.example.org:99999/hook", "port from 1 to 65535"),
        # The message (an SMS's number too) would go in the URL, kept by every access log.
        ("forms://hooks.example.org/hook?method=GET", "in a request body"),
        ("jsons://hooks.example.org/hook?method=delete", "in a request body"),
        ("xmls://hooks.example.org/hook?method=HEAD", "in a request body"),
    ],
)
def test_a_bad_channel_url_is_a_422_and_changes_nothing(admin, db_session, sealing, url, words):
    client, token = admin
    before = db_session.scalar(sa.select(sa.func.count()).select_from(ClinicChannel))
    response = client.post(
        "/api/v1/clinic/channels",
        json={"label": "Bad", "url": url},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 422, response.json
    assert words in response.json["errors"]["url"][0]
    assert response.json["message"]
    after = db_session.scalar(sa.select(sa.func.count()).select_from(ClinicChannel))
    assert after == before


def test_only_admins_manage_channels(make_client, login, team, sealing):
    client = make_client()
    token = login(client, team.clinician)
    response = client.post(
        "/api/v1/clinic/channels",
        json={"label": "x", "url": "opsgenie://apikey0123456789"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 403


# --- real workers -----------------------------------------------------------------------------


def test_an_urgent_alert_reaches_a_chat_channel_through_apprise_without_phi(
    app, committed_team, committed_db, live, sealing
):
    with receiving(status=200) as chat:
        channel = add_channel(
            app, committed_db, committed_team.clinic, f"json://{chat.url[7:]}/chat"
        )
        live.start_worker(**sealing)
        submit(live.client, live.csrf, phq9(q9=2))
        wait_for(lambda: chat.received(), timeout=30, what="the chat message")
        [sent] = wait_for(
            lambda: deliveries(committed_db, channel.id, status="sent"), what="the delivery row"
        )
    [request] = chat.received()
    assert request["path"] == "/chat"
    message = json.loads(request["body"])
    patient = committed_team.patient
    assert (
        patient.ref in message["title"]
        and "https://waypoint.test/clinic/alerts/" in (message["message"])
    )
    assert patient.display_name not in request["body"].decode()
    assert "PHQ" not in request["body"].decode() and "item 9" not in request["body"].decode()
    assert sent.channel == "apprise" and sent.round == 0 and sent.attempts == 1


def test_a_switched_off_channel_is_told_nothing_while_the_others_are(
    app, committed_team, committed_db, live, sealing
):
    """An admin switches a channel off (the pager of a rota on holiday) without deleting it:
    the alert's round tells the clinic's other channel and creates no delivery for it."""
    with receiving(status=200) as chat, receiving(status=200) as pager:
        told = add_channel(app, committed_db, committed_team.clinic, f"json://{chat.url[7:]}/c")
        off = add_channel(app, committed_db, committed_team.clinic, f"json://{pager.url[7:]}/p")
        committed_db.get(ClinicChannel, off.id).active = False
        committed_db.commit()
        live.start_worker(**sealing)
        submit(live.client, live.csrf, phq9(q9=2))
        wait_for(lambda: deliveries(committed_db, told.id, status="sent"), timeout=30, what="chat")
        assert pager.received() == []
    assert deliveries(committed_db, off.id) == []
    assert len(chat.received()) == 1


def test_a_channel_that_fails_is_retried_then_sent(
    app, committed_team, committed_db, live, sealing
):
    with receiving(status=200, fail_first=1) as pager:
        channel = add_channel(app, committed_db, committed_team.clinic, f"json://{pager.url[7:]}/")
        live.start_worker(**sealing)
        submit(live.client, live.csrf, phq9(q9=1))
        [sent] = wait_for(
            lambda: deliveries(committed_db, channel.id, status="sent"),
            timeout=30,
            what="the retried delivery",
        )
        assert len(pager.received()) == 2
    assert sent.attempts == 2 and sent.last_error.startswith("json:")


def test_a_channel_that_keeps_failing_is_failed_after_the_last_retry_and_shown(
    app, committed_team, committed_db, live, sealing, login
):
    with receiving(status=503) as pager:
        channel = add_channel(app, committed_db, committed_team.clinic, f"json://{pager.url[7:]}/")
        live.start_worker(**sealing)
        submit(live.client, live.csrf, phq9(q9=1))
        [failed] = wait_for(
            lambda: deliveries(committed_db, channel.id, status="failed"),
            timeout=30,
            what="the delivery to fail for good",
        )
        assert len(pager.received()) == 3  # DELIVERY_MAX_ATTEMPTS of the test workers
    assert failed.attempts == 3
    staff = https_client(app)
    login(staff, committed_team.clinician)
    detail = staff.get(f"/api/v1/alerts/{failed.alert_id}").json
    [shown] = [d for d in detail["delivery_list"] if d["channel"] == "apprise"]
    assert shown["status"] == "failed" and shown["recipient"] == f"channel:{channel.id}"
    assert "delivery_failed" in [e["kind"] for e in detail["timeline"]]
    assert detail["status"] == "open"


def test_escalation_pages_the_on_call_rung_through_a_paging_channel_and_mail(
    app, committed_team, committed_db, live, sealing, smtp
):
    """The ladder: a pager set for the on-call rung only hears of round 1, by the worker's own
    escalation tick; a mailto:// channel (Apprise's mail transport) reaches the SMTP sink."""
    mail = f"mailto://127.0.0.1:{smtp.port}?from=waypoint@example.org&to=rota@example.org&mode=insecure"
    with receiving(status=200) as pager:
        paging = add_channel(
            app, committed_db, committed_team.clinic, f"json://{pager.url[7:]}/page", ("on_call",)
        )
        rota = add_channel(app, committed_db, committed_team.clinic, mail, ("care_team",))
        live.start_worker(beat=True, **sealing)
        checkin_id = submit(live.client, live.csrf, phq9(q9=1))
        wait_for(lambda: smtp.to("rota@example.org"), timeout=30, what="the round-0 mail")
        assert pager.received() == []  # round 0 is the care team's
        alert = committed_db.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
        alert.escalate_at = alert.created_at - timedelta(seconds=1)  # the deadline has passed
        committed_db.commit()
        wait_for(lambda: pager.received(), timeout=30, what="the page to the on-call rung")
        [page] = pager.received()
    body = json.loads(page["body"])
    assert "escalated" in body["title"] and committed_team.patient.ref in body["title"]
    [sent] = deliveries(committed_db, paging.id)
    assert sent.round == 1
    [mailed] = smtp.to("rota@example.org")
    assert committed_team.patient.ref in mailed["subject"]
    assert committed_team.patient.display_name not in mailed["body"]
    assert [d.round for d in deliveries(committed_db, rota.id)] == [0]
    steps = committed_db.scalars(
        sa.select(AlertEvent.kind).where(AlertEvent.alert_id == alert.id)
    ).all()
    assert "escalated" in steps


def test_two_admins_adding_channels_at_once_keep_every_rung(
    make_client, login, committed_db, app, sealing
):
    """A review found the clinic's list of rungs with channels restated from what each
    request could see: two channels added at once could each miss the other's rung, and an
    urgent alert's round would then skip an active pager. The clinic's row lock orders them."""
    from api.models import Clinic
    from tests.support.races import race, racing_staff

    clinic, admins = racing_staff(committed_db, "Channel race", role="admin", totp=True)

    def adding(admin, label, rungs):
        client = make_client()
        csrf = login(client, admin)
        url = f"pagerduty://integration{label}0123456789@apikey0123456789abcdef"
        return lambda: (
            client.post(
                "/api/v1/clinic/channels",
                json={"label": label, "url": url, "rungs": rungs},
                headers={"X-CSRF-Token": csrf},
            ).status_code
        )

    calls = adding(admins[0], "pager", ["on_call"]), adding(admins[1], "admins", ["admins"])
    assert race(*calls) == [201, 201]
    committed_db.expire_all()
    assert committed_db.get(Clinic, clinic.id).channel_rungs == ["on_call", "admins"]
