"""Patient reminders by email and SMS besides Web Push: the patient's choice among the clinic's
offer; SMS through Apprise's json:// transport to a local receiver, email to the SMTP sink;
one reminder per slot across channels; the opt-out link honoured at once; quiet hours in the
patient's own time zone across a DST change; bad numbers and URLs refused with a 4xx."""

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from api.models import AuditEvent, CheckinDue, Patient, ReminderDelivery
from surveys.slots import held_by_quiet_hours
from tests.support.mail import Inbox
from tests.support.receivers import receiving
from tests.support.worker import free_port, https_client, wait_for

KEY = Fernet.generate_key().decode()
PHONE = "+12025550123"
DAILY = {"cadence_days": 1, "cadence_instruments": ["mood"], "session_anchored": False}


@pytest.fixture
def sealing(app, monkeypatch):
    monkeypatch.setitem(app.config, "STORED_SECRETS_KEY", KEY)


def sms_clinic(clinic, url, offer=("webpush", "email", "sms"), quiet=(None, None)):
    from api.sealed import seal

    clinic.reminder_channels = list(offer)
    clinic.reminder_sms_sealed = seal(url)
    clinic.reminder_sms_masked = "json://…"
    clinic.quiet_hours_start, clinic.quiet_hours_end = quiet


def reminders_of(session, patient_id):
    session.expire_all()
    return session.scalars(
        sa.select(ReminderDelivery)
        .where(ReminderDelivery.patient_id == patient_id)
        .order_by(ReminderDelivery.id)
    ).all()


def stop_token(text: str) -> str:
    return re.search(r"/stop/([A-Za-z0-9_.\-]+)", text).group(1)


# --- the patient's choice ------------------------------------------------------------------------


def test_patient_chooses_channels_and_a_bad_number_changes_nothing(
    client, redeem, create_clinic, create_patient, db_session, sealing, make_client, login,
    create_clinician,
):  # fmt: skip
    clinic = create_clinic()
    sms_clinic(clinic, "json://127.0.0.1:9/sms")
    patient = create_patient(clinic, email="pat@example.org")
    csrf = redeem(client, patient)
    mine = client.get("/api/v1/me/reminders").json
    assert mine["offered"] == ["webpush", "email", "sms"]
    assert mine["channels"] == ["webpush", "email"] and mine["email_hint"] == "p•••@example.org"

    def patch(body):
        return client.patch("/api/v1/me/reminders", json=body, headers={"X-CSRF-Token": csrf})

    for bad, field in (
        ({"phone": "12345", "channels": ["sms"]}, "phone"),
        ({"phone": "+1 555 010 0199"}, "phone"),  # fictional: not a valid number
        ({"phone": "+44 20 7946 0958", "channels": ["sms"]}, "phone"),  # a London landline
        ({"channels": ["sms"]}, "phone"),  # no number yet
        ({"channels": ["email", "email"]}, "channels"),
        ({"channels": ["fax"]}, "channels"),
    ):
        response = patch(bad)
        assert response.status_code == 422, (bad, response.json)
        assert any(k.split(".")[0] == field for k in response.json["errors"]), response.json
        db_session.expire_all()
        stored = db_session.get(Patient, patient.id)
        assert stored.phone_sealed is None and stored.reminder_channels is None

    response = patch({"channels": ["sms", "email"], "phone": "+1 (202) 555-0123"})
    assert response.status_code == 200, response.json
    assert response.json["channels"] == ["sms", "email"]
    assert response.json["phone_hint"] == "•••• 23"
    db_session.expire_all()
    stored = db_session.get(Patient, patient.id)
    assert "5550123" not in stored.phone_sealed
    from api.reminders.operations import phone_of

    assert phone_of(stored) == PHONE
    audit = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "patient.reminders.update")
    ).all()
    assert audit and all("5550123" not in json.dumps(a.detail) for a in audit)

    staff = make_client()
    login(staff, create_clinician(clinic))
    seen = staff.get(f"/api/v1/patients/{patient.id}/reminders").json
    assert seen["channels"] == ["sms", "email"] and seen["phone_set"] is True
    assert "5550123" not in json.dumps(seen) and "pat@" not in json.dumps(seen)

    clinic.reminder_channels = ["webpush", "email"]  # the clinic stops offering SMS
    db_session.flush()
    refused = patch({"channels": ["sms"]})
    assert refused.status_code == 422 and "channels" in refused.json["errors"], refused.json
    assert client.get("/api/v1/me/reminders").json["channels"] == ["email"]


@pytest.mark.parametrize(
    ("body", "field", "english", "spanish"),
    [
        ({"phone": "12345", "channels": ["sms"]}, "phone", "Not a phone number", "No es un número"),
        ({"phone": "+1 555 010 0199"}, "phone", "Not a valid phone", "No es un número de teléfono"),
        ({"phone": "+44 20 7946 0958"}, "phone", "cannot take text", "no puede recibir mensajes"),
        ({"phone": "+1" + "2" * 40}, "phone", "Longer than a phone", "Es más largo"),
        ({"channels": ["sms"]}, "phone", "A mobile number is needed", "Se necesita un número"),
        ({"email": "not-an-address"}, "email", "Not a valid email", "No es una dirección"),
        ({"email": "a" * 250 + "@x.org"}, "email", "Longer than an email", "Es más largo"),
        ({"channels": ["webpush", "webpush"]}, "channels", "Each way once", "Cada forma"),
        ({"channels": ["email"]}, "email", "An email address is needed", "Se necesita una"),
    ],
)
def test_a_refused_choice_says_why_in_the_patients_language(
    client, redeem, create_clinic, create_patient, db_session, sealing, body, field, english,
    spanish,
):  # fmt: skip
    """The phone shows the server's reasons as they come: a Spanish-speaking patient reads
    them in Spanish (the app has one status line for them, api/i18n.py picks the language)."""
    clinic = create_clinic()
    sms_clinic(clinic, "json://127.0.0.1:9/sms")
    patient = create_patient(clinic)
    csrf = redeem(client, patient)
    for language, words in (("en", english), ("es", spanish)):
        patient.language = language
        db_session.flush()
        response = client.patch("/api/v1/me/reminders", json=body, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 422, response.json
        reasons = " ".join(response.json["errors"][field])
        assert words in reasons, (language, response.json)
        db_session.expire_all()
        stored = db_session.get(Patient, patient.id)
        assert stored.phone_sealed is None and stored.reminder_channels is None and not stored.email


def test_the_clinic_sms_url_and_quiet_hours_are_validated(make_client, login, team, db_session):
    client = make_client()
    token = login(client, team.admin)

    def patch(body):
        return client.patch("/api/v1/clinic/settings", json=body, headers={"X-CSRF-Token": token})

    for bad, field in (
        ({"reminder_sms_url": "twilio://nope"}, "reminder_sms_url"),
        ({"reminder_sms_url": "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ"}, None),
        ({"reminder_sms_url": "json://10.1.2.3/sms"}, "reminder_sms_url"),
        ({"reminder_sms_url": "forms://sms.example.org/send?method=GET"}, "reminder_sms_url"),
        ({"reminder_channels": ["pigeon"]}, "reminder_channels"),
        ({"quiet_hours_start": "25:00"}, "quiet_hours_start"),
        ({"quiet_hours_start": None}, "quiet_hours_start"),  # an end without a start
    ):
        response = patch(bad)
        assert response.status_code == 422, (bad, response.json)
        blamed = {k.split(".")[0] for k in response.json["errors"]}
        assert (field or "reminder_sms_url") in blamed, response.json
        db_session.expire_all()
        assert team.clinic.reminder_sms_sealed is None
        assert (team.clinic.quiet_hours_start, team.clinic.quiet_hours_end) == ("21:00", "08:00")

    twilio = "twilio://AC" + "a" * 32 + ":" + "b" * 32 + "@+12025550100"
    response = patch(
        {
            "reminder_sms_url": twilio,
            "reminder_channels": ["email", "sms"],
            "quiet_hours_end": "07:30",
        }
    )
    assert response.status_code == 200, response.json
    assert response.json["reminder_sms_url_masked"] == "twilio://…"
    assert "b" * 32 not in json.dumps(client.get("/api/v1/clinic/settings").json)
    assert response.json["quiet_hours_end"] == "07:30"


# --- quiet hours ----------------------------------------------------------------------------------


def test_quiet_hours_are_wall_clock_in_the_patients_zone():
    zone = __import__("zoneinfo").ZoneInfo("America/New_York")
    due = datetime(2025, 3, 9, 1, 50, tzinfo=UTC)  # 20:50 EST on 8 March
    late = datetime(2025, 3, 9, 2, 10, tzinfo=UTC)  # 21:10 EST
    assert held_by_quiet_hours(late, due, zone, "21:00", "08:00")
    # 07:59 and 08:00 EDT the morning after the clocks went forward (11:59 / 12:00 UTC).
    assert held_by_quiet_hours(
        datetime(2025, 3, 9, 11, 59, tzinfo=UTC), due, zone, "21:00", "08:00"
    )
    assert not held_by_quiet_hours(
        datetime(2025, 3, 9, 12, tzinfo=UTC), due, zone, "21:00", "08:00"
    )
    chosen = datetime(2025, 3, 9, 3, 30, tzinfo=UTC)  # 22:30: the patient's own time
    assert not held_by_quiet_hours(chosen, chosen, zone, "21:00", "08:00")
    assert not held_by_quiet_hours(chosen + timedelta(hours=1), chosen, zone, "21:00", "08:00")
    # The same slot hours late (workers down): not at 03:00, but at 08:00 like any other.
    night = chosen + timedelta(hours=4, minutes=30)  # 03:00 EDT
    assert held_by_quiet_hours(night, chosen, zone, "21:00", "08:00")
    assert not held_by_quiet_hours(
        datetime(2025, 3, 9, 12, tzinfo=UTC), chosen, zone, "21:00", "08:00"
    )
    assert not held_by_quiet_hours(late, due, zone, None, None)


def test_quiet_hours_hold_a_late_reminder_until_they_end_across_dst(
    create_clinic, create_patient, db_session, run_task, run_tick, smtp
):
    clinic = create_clinic(timezone="America/New_York")
    late = create_patient(
        clinic, timezone="America/New_York", email="late@example.org",
        schedule={**DAILY, "local_time": "20:50"},
    )  # fmt: skip
    night = create_patient(
        clinic, timezone="America/New_York", email="night@example.org",
        schedule={**DAILY, "local_time": "22:30"},
    )  # fmt: skip
    late.created_at = night.created_at = datetime(2025, 3, 8, 12, tzinfo=UTC)
    db_session.flush()
    sent_at = {}
    # 20:40 EST, 21:10 EST (the planner late), 22:30 EST, 01:00 EST, 07:59 EDT, 08:00 EDT.
    for at in ("2025-03-09T01:40", "2025-03-09T02:10", "2025-03-09T03:30", "2025-03-09T06:00",
               "2025-03-09T11:59", "2025-03-09T12:00"):  # fmt: skip
        now = datetime.fromisoformat(at).replace(tzinfo=UTC)
        for patient_id in run_tick("waypoint.run_schedules", now=now.isoformat())["reminders"]:
            result = run_task("waypoint.send_reminder", patient_id, now=now.isoformat())
            assert result == "sent:email"
            sent_at.setdefault(patient_id, []).append(now)
    # The late one waited for 08:00 on the wall clock (12:00 UTC after the change, not 13:00);
    # the one whose chosen time is inside the quiet hours came at that time.
    assert sent_at == {
        str(late.id): [datetime(2025, 3, 9, 12, tzinfo=UTC)],
        str(night.id): [datetime(2025, 3, 9, 3, 30, tzinfo=UTC)],
    }
    assert len(smtp.to("late@example.org")) == len(smtp.to("night@example.org")) == 1


# --- one reminder per slot ----------------------------------------------------------------------


def test_one_reminder_per_slot_across_channels_with_retries_on_its_own_channel(
    create_clinic, create_patient, db_session, run_task, run_tick, smtp, sealing, app
):
    from api.sealed import seal

    with receiving(status=200, fail_first=1) as gateway:
        clinic = create_clinic()
        sms_clinic(clinic, f"json://{gateway.url[7:]}/sms")
        patient = create_patient(
            clinic,
            timezone="UTC",
            email="both@example.org",
            schedule={**DAILY, "local_time": "09:00"},
        )
        patient.created_at = datetime(2025, 6, 2, 8, tzinfo=UTC)
        patient.phone_sealed = seal(PHONE)
        patient.reminder_channels = ["webpush", "sms", "email"]  # no push: VAPID is not set
        db_session.flush()
        now = datetime(2025, 6, 2, 9, 1, tzinfo=UTC)
        for _ in range(2):  # the tick and each send twice: still one reminder
            for patient_id in run_tick("waypoint.run_schedules", now=now.isoformat())["reminders"]:
                first = run_task("waypoint.send_reminder", patient_id, now=now.isoformat())
                assert first == "retrying"  # the gateway answered 500
            assert run_task("waypoint.send_reminder", str(patient.id), now=now.isoformat()) == (
                "nothing_due"
            )
        [reminder] = reminders_of(db_session, patient.id)
        assert (reminder.channel, reminder.status, reminder.attempts) == ("sms", "pending", 1)
        later = (now + timedelta(minutes=5)).isoformat()
        assert run_task("waypoint.send_reminder_delivery", reminder.id, now=later) == "sent:sms"
        assert run_task("waypoint.send_reminder_delivery", reminder.id, now=later) == "sent"
        assert len(gateway.received()) == 2  # the failed attempt and the one that took it
    assert smtp.to("both@example.org") == []  # never a second channel for the same slot
    slot = db_session.get(CheckinDue, reminder.due_id)
    assert slot.reminded_at is not None
    body = json.loads(gateway.received()[-1]["body"])
    assert body["to"] == PHONE and "/stop/" in body["message"]
    assert patient.display_name not in body["message"] and clinic.name not in body["message"]
    # The database's own guard of one reminder per slot.
    with pytest.raises(sa.exc.IntegrityError), db_session.begin_nested():
        db_session.add(
            ReminderDelivery(
                clinic_id=clinic.id, patient_id=patient.id, due_id=slot.id, channel="email"
            )
        )
        db_session.flush()


# --- what the clinic reads of a failure ------------------------------------------------------


class RefusingData(Inbox):
    """A mail server that refuses the message with an answer naming its recipient, as many do."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return f"554 5.7.1 <{envelope.rcpt_tos[0]}>: message refused by policy"


def test_a_mail_server_answer_naming_the_patient_is_not_what_the_clinic_reads(
    app, monkeypatch, create_clinic, create_patient, db_session, run_task, run_tick
):
    from aiosmtpd.controller import Controller

    server = Controller(RefusingData(), hostname="127.0.0.1", port=free_port())
    server.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
        patient = create_patient(
            create_clinic(), timezone="UTC", email="jo.doe@example.org",
            schedule={**DAILY, "local_time": "09:00"},
        )  # fmt: skip
        patient.created_at = datetime(2025, 6, 2, 8, tzinfo=UTC)
        db_session.flush()
        now = datetime(2025, 6, 2, 9, 1, tzinfo=UTC).isoformat()
        assert str(patient.id) in run_tick("waypoint.run_schedules", now=now)["reminders"]
        # A 554 is a permanent refusal: failed at once, not retried.
        assert run_task("waypoint.send_reminder", str(patient.id), now=now) == "failed"
    finally:
        server.stop()
    [reminder] = reminders_of(db_session, patient.id)
    assert reminder.last_error.startswith("SMTP 554"), reminder.last_error
    assert "jo.doe" not in reminder.last_error and "example.org" not in reminder.last_error


def test_a_retry_the_clinic_no_longer_offers_is_failed_with_that_reason(
    create_clinic, create_patient, db_session, run_task, sealing
):
    from api.sealed import seal

    clinic = create_clinic()
    sms_clinic(clinic, "json://127.0.0.1:9/sms")
    patient = create_patient(clinic, timezone="UTC")
    patient.phone_sealed, patient.reminder_channels = seal(PHONE), ["sms"]
    now = datetime(2025, 6, 2, 9, 5, tzinfo=UTC)
    slot = CheckinDue(
        patient_id=patient.id, instrument="mood", due_at=now - timedelta(minutes=5),
        reason="cadence", reminded_at=now - timedelta(minutes=5),
    )  # fmt: skip
    db_session.add(slot)
    db_session.flush()
    queued = ReminderDelivery(
        clinic_id=clinic.id, patient_id=patient.id, due_id=slot.id, channel="sms",
        status="pending", attempts=1, next_attempt_at=now,
    )  # fmt: skip
    db_session.add(queued)
    clinic.reminder_channels = ["webpush", "email"]  # the clinic stopped offering texts
    db_session.flush()
    outcome = run_task("waypoint.send_reminder_delivery", queued.id, now=now.isoformat())
    assert outcome == "stopped"
    db_session.refresh(queued)
    assert (queued.status, queued.last_error) == (
        "failed",
        "the clinic no longer offers this channel",
    )


# --- real workers: SMS and email, the opt-out -------------------------------------------


@pytest.mark.worker
def test_reminders_by_sms_then_email_with_each_opt_out_honoured_at_once(
    app, committed_team, committed_db, live, smtp, sealing, run_task, run_tick
):
    from api.sealed import seal

    patient = committed_db.get(Patient, committed_team.patient.id)
    clinic = patient.clinic
    now = datetime.now(UTC)
    local_time = (now - timedelta(minutes=10)).strftime("%H:%M")
    with receiving(status=200) as gateway:
        sms_clinic(clinic, f"json://{gateway.url[7:]}/sms", offer=("email", "sms"))
        clinic.reminder_names_clinic = True  # the clinic chose to be named
        patient.timezone = "UTC"
        patient.email = "reminded@example.org"
        patient.phone_sealed = seal(PHONE)
        patient.reminder_channels = ["sms", "email"]
        patient.schedule = {**DAILY, "local_time": local_time}
        patient.created_at = now - timedelta(days=2)
        committed_db.commit()
        live.start_worker(
            beat=True,
            STORED_SECRETS_KEY=KEY,
            SECRET_KEY=app.config["SECRET_KEY"],
            SCHEDULE_SECONDS="1",
        )
        wait_for(lambda: gateway.received(), timeout=40, what="the reminder by text")
        [sent] = wait_for(
            lambda: [r for r in reminders_of(committed_db, patient.id) if r.status == "sent"],
            what="the reminder's delivery row",
        )
        [text] = gateway.received()
    body = json.loads(text["body"])
    assert body["to"] == PHONE and sent.channel == "sms"
    assert clinic.name in body["message"] and "Replies are not read" in body["message"]
    assert patient.display_name not in body["message"]
    assert smtp.to("reminded@example.org") == []

    anyone = https_client(app)  # nobody signed in: the link is the authority
    assert anyone.post("/api/v1/reminders/stop/not-a-token").status_code == 404
    stopped = anyone.post(f"/api/v1/reminders/stop/{stop_token(body['message'])}")
    assert stopped.status_code == 200, stopped.json
    assert stopped.json["channel"] == "sms" and "text message" in stopped.json["message"]
    committed_db.expire_all()
    assert committed_db.get(Patient, patient.id).reminder_channels == ["email"]
    page = anyone.get(f"/stop/{stop_token(body['message'])}")  # the page with the button
    assert page.status_code == 200 and b"Stop these reminders" in page.data
    page.close()

    # The next day's reminder goes by email, the one channel left; its own link stops that.
    tomorrow = (now + timedelta(days=1)).isoformat()
    run_tick("waypoint.run_schedules", now=tomorrow)
    assert run_task("waypoint.send_reminder", str(patient.id), now=tomorrow) == "sent:email"
    [mail] = smtp.to("reminded@example.org")
    assert "/stop/" in mail["body"] and mail["headers"]["List-Unsubscribe-Post"]
    assert patient.display_name not in mail["body"]
    one_click = mail["headers"]["List-Unsubscribe"].strip().strip("<>")
    assert one_click.startswith("https://waypoint.test/api/v1/reminders/stop/")
    answer = anyone.post(
        one_click.removeprefix("https://waypoint.test"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200 and answer.json["channel"] == "email"
    committed_db.expire_all()
    assert committed_db.get(Patient, patient.id).reminder_channels == []
    day_after = (now + timedelta(days=2)).isoformat()
    run_tick("waypoint.run_schedules", now=day_after)
    assert run_task("waypoint.send_reminder", str(patient.id), now=day_after) == "no_channel"
    assert len(gateway.received()) == 1 and len(smtp.to("reminded@example.org")) == 1


@pytest.mark.worker
def test_an_opt_out_stops_a_retry_already_queued_and_a_failure_is_shown(
    app, committed_team, committed_db, live, smtp, sealing, login
):
    """A real worker retries an SMS whose gateway fails; the patient stops texts in between:
    the retry sends nothing. Another that keeps failing ends ``failed``, shown to the clinic."""
    from api.sealed import seal

    patient = committed_db.get(Patient, committed_team.patient.id)
    now = datetime.now(UTC)
    with receiving(status=503) as gateway:
        sms_clinic(patient.clinic, f"json://{gateway.url[7:]}/sms", offer=("sms",))
        patient.timezone = "UTC"
        patient.phone_sealed = seal(PHONE)
        patient.reminder_channels = ["sms"]
        patient.schedule = {**DAILY, "local_time": (now - timedelta(minutes=10)).strftime("%H:%M")}
        patient.created_at = now - timedelta(days=2)
        committed_db.commit()
        live.start_worker(
            beat=True, STORED_SECRETS_KEY=KEY, SECRET_KEY=app.config["SECRET_KEY"],
            SCHEDULE_SECONDS="1",
        )  # fmt: skip
        [failed] = wait_for(
            lambda: [r for r in reminders_of(committed_db, patient.id) if r.status == "failed"],
            timeout=40,
            what="the reminder to fail for good",
        )
        assert failed.attempts == 3 and len(gateway.received()) == 3
    staff = https_client(app)
    login(staff, committed_team.clinician)
    [shown] = staff.get(f"/api/v1/patients/{patient.id}/reminders").json["deliveries"]
    assert (shown["channel"], shown["status"], shown["attempts"]) == ("sms", "failed", 3)
    assert "json" in shown["last_error"] and PHONE not in shown["last_error"]

    # A pending retry, then the opt-out: the retry finds the channel off and sends nothing.
    slot = CheckinDue(
        patient_id=patient.id,
        instrument="mood",
        due_at=now - timedelta(minutes=1),
        reason="cadence",
        reminded_at=now,
    )
    committed_db.add(slot)
    committed_db.flush()
    queued = ReminderDelivery(
        clinic_id=patient.clinic_id, patient_id=patient.id, due_id=slot.id, channel="sms",
        status="pending", attempts=1, next_attempt_at=now - timedelta(minutes=5),
        last_published_at=now - timedelta(minutes=5),
    )  # fmt: skip
    committed_db.add(queued)
    patient.reminder_channels = []  # what the opt-out link does
    committed_db.commit()
    with receiving(status=200) as gateway:
        wait_for(
            lambda: (
                committed_db.get(ReminderDelivery, queued.id, populate_existing=True).status
                == "failed"
            ),
            timeout=30,
            what="the reconciler's re-publish to find the channel off",
        )
        assert gateway.received() == []
    assert committed_db.get(ReminderDelivery, queued.id).last_error == (
        "the patient turned this channel off"
    )


@pytest.mark.worker
def test_a_reminder_whose_message_was_lost_is_republished_and_sent_once(
    app, committed_team, committed_db, live, smtp
):
    """A real worker and beat: a pending reminder whose retry message was lost (its worker
    died, or the Redis restarted) is re-published by the reconciler and sent once, with its
    own Message-ID; the ticks after that send nothing more."""
    patient = committed_db.get(Patient, committed_team.patient.id)
    now = datetime.now(UTC)
    patient.email = "lost@example.org"
    patient.reminder_channels = ["email"]
    slot = CheckinDue(
        patient_id=patient.id, instrument="mood", due_at=now - timedelta(minutes=2),
        reason="cadence", reminded_at=now - timedelta(minutes=2),
    )  # fmt: skip
    committed_db.add(slot)
    committed_db.flush()
    lost = ReminderDelivery(
        clinic_id=patient.clinic_id, patient_id=patient.id, due_id=slot.id, channel="email",
        status="pending", attempts=1, next_attempt_at=now - timedelta(minutes=1),
        last_published_at=now - timedelta(minutes=1),
    )  # fmt: skip
    committed_db.add(lost)
    committed_db.commit()
    live.start_worker(beat=True, SECRET_KEY=app.config["SECRET_KEY"])  # RECONCILE_SECONDS=1
    wait_for(lambda: smtp.to("lost@example.org"), timeout=40, what="the re-published reminder")
    time.sleep(4)  # a few more ticks of the reconciler (one a second)
    [mail] = smtp.to("lost@example.org")
    sent = committed_db.get(ReminderDelivery, lost.id, populate_existing=True)
    assert (sent.status, sent.attempts, sent.enqueue_count) == ("sent", 2, 1)
    assert mail["message_id"].startswith(f"<reminder.{lost.id}.")
