"""Notification channels and reminders on the clinic's screens, in real Chromium: an admin adds
an Apprise json:// channel to a local receiver (its host allowed as the worker tests allow
theirs), sees it listed masked with its service and rungs, changes its rungs, sees a bad URL
refused beside the field in the API's words, and removes it; the reminder settings show the
SMS URL masked only; the patient page lists the patient's reminder channels and their
reminders with their state, and never the address. axe finds no violation."""

import contextlib
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import clinic_page, committed_clinician, screenshot
from tests.support.live import assert_accessible as axe
from tests.support.live import serving
from tests.support.receivers import receiving

PASSWORD = "channels browser test password"
EMAIL = "quinn.reminded@example.org"
SECRET_TOKEN = "s3cret-token-0123"
#: The refusals the test provokes on purpose.
EXPECTED = ("status of 422",)


@pytest.fixture
def receiver():
    with receiving(status=200) as running:
        yield running


@pytest.fixture
def channels_server(app, database_url, redis_url, receiver):
    """A live app that seals with a key and may send to the receiver's host (plain HTTP)."""
    with serving(
        database_url,
        redis_url,
        SECRET_KEY="channels-browser-test-secret",
        STORED_SECRETS_KEY=Fernet.generate_key().decode(),
        OUTBOUND_ALLOW_HOSTS=(f"127.0.0.1:{receiver.port}",),
    ) as server:
        yield server.url


@pytest.fixture
def reminded_clinic(committed_db):
    """A committed clinic, its admin (with a second factor), and a patient with two reminders:
    one sent by email, one failed by SMS with the worker's reason."""
    from api.models import CheckinDue, ReminderDelivery
    from api.models.base import utcnow
    from api.patients.operations import enrol_patient

    clinic, admin = committed_clinician(
        committed_db, PASSWORD, "Channels clinic", "Ada Admin", role="admin"
    )
    admin.totp_secret, admin.totp_enabled = pyotp.random_base32(), True
    clinic.reminder_channels = ["webpush", "email", "sms"]
    patient = enrol_patient(clinic, display_name="Quinn Reminded")
    patient.email = EMAIL
    patient.reminder_channels = ["sms", "email"]
    now = utcnow()
    for hours, channel, status, error in (
        (30, "email", "sent", None),
        (6, "sms", "failed", "the patient turned this channel off"),
    ):
        slot = CheckinDue(
            patient_id=patient.id,
            instrument="mood",
            due_at=now - timedelta(hours=hours),
            reason="cadence",
            reminded_at=now - timedelta(hours=hours),
        )
        committed_db.add(slot)
        committed_db.flush()
        committed_db.add(
            ReminderDelivery(
                clinic_id=clinic.id,
                patient_id=patient.id,
                due_id=slot.id,
                channel=channel,
                status=status,
                attempts=1,
                last_error=error,
                created_at=now - timedelta(hours=hours),
                sent_at=now - timedelta(hours=hours) if status == "sent" else None,
            )
        )
    committed_db.commit()
    return {
        "email": admin.email,
        "secret": admin.totp_secret,
        "clinic": clinic.id,
        "patient": str(patient.id),
    }


def listing(response):
    return response.url.endswith("/api/v1/clinic/channels")


def stored_channels(app, clinic_id):
    """The clinic's channels as the database has them now: (rungs, sealed URL) each."""
    from api.extensions import db
    from api.models import ClinicChannel

    with app.app_context():  # the browser's thread has none of its own
        rows = db.session.execute(
            sa.select(ClinicChannel.rungs, ClinicChannel.url_sealed).where(
                ClinicChannel.clinic_id == clinic_id
            )
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def switched(app, clinic_id):
    """Whether each of the clinic's channels is on, and the rungs the clinic is covered on."""
    from api.extensions import db
    from api.models import Clinic, ClinicChannel

    with app.app_context():
        active = db.session.scalars(
            sa.select(ClinicChannel.active).where(ClinicChannel.clinic_id == clinic_id)
        ).all()
        rungs = db.session.get(Clinic, clinic_id).channel_rungs
        db.session.remove()
    return active, rungs


def stored_reminders(app, clinic_id):
    """The clinic's quiet hours, and whether an SMS URL is stored (sealed, without the token)."""
    from api.extensions import db
    from api.models import Clinic

    with app.app_context():
        clinic = db.session.get(Clinic, clinic_id)
        sealed = clinic.reminder_sms_sealed
        found = (clinic.quiet_hours_start, clinic.quiet_hours_end, bool(sealed))
        assert sealed is None or SECRET_TOKEN not in sealed
        db.session.remove()
    return found


@pytest.mark.browser
def test_an_admin_manages_channels_and_sees_a_patients_reminders(
    clinic_browser, channels_server, receiver, reminded_clinic, app
):
    problems = []
    url = f"json://127.0.0.1:{receiver.port}/hook?+X-Token={SECRET_TOKEN}"

    def scenario(browser):
        context, page = clinic_page(browser, channels_server, 1366, problems, EXPECTED)
        try:
            signed_in = context.request.post(
                "/api/v1/auth/login",
                data={
                    "email": reminded_clinic["email"],
                    "password": PASSWORD,
                    "totp": pyotp.TOTP(reminded_clinic["secret"]).now(),
                },
            )
            assert signed_in.status == 200, signed_in.text()
            page.goto("/clinic/settings")
            card = page.locator("#channels-card")
            card.wait_for()
            assert card.locator("#no-channels").is_visible()
            reminders = page.locator("#reminders")
            assert "None set." in reminders.inner_text()
            axe(page, "settings with no channel")

            # A bad URL: refused beside the URL field, in the API's words; nothing stored.
            add = page.locator("#channel-add")
            add.get_by_label("Name").fill("Ward chat")
            add.get_by_label("Apprise URL").fill("json://10.0.0.5/hook")
            add.get_by_role("button", name="Add channel").click()
            error = add.locator("#channel-url + .field-error")
            error.wait_for()
            assert "must use TLS" in error.inner_text()
            assert page.locator("#channel-url").get_attribute("aria-invalid") == "true"
            assert stored_channels(app, reminded_clinic["clinic"]) == []
            axe(page, "a channel refused")

            # Added on two rungs: listed masked, the token nowhere on the page.
            add.get_by_label("Apprise URL").fill(url)
            add.get_by_label("Administrators (later escalations)").uncheck()
            add.get_by_role("button", name="Add channel").click()
            item = card.locator("li.channel")
            item.wait_for()
            text = item.inner_text()
            assert "Ward chat" in text and "json (HTTP bridge)" in text, text
            assert item.locator(".masked-url").inner_text() == f"json://127.0.0.1:{receiver.port}/…"
            assert SECRET_TOKEN not in page.content()
            assert add.locator(".field-error").count() == 0
            assert add.get_by_label("Apprise URL").input_value() == ""
            [(rungs, sealed)] = stored_channels(app, reminded_clinic["clinic"])
            assert rungs == ["care_team", "on_call"] and SECRET_TOKEN not in sealed
            screenshot(page, "settings-channels")
            axe(page, "settings with a channel")

            # The rungs changed: on call only.
            item.get_by_label("Care team (the first alert)").uncheck()
            with page.expect_response(lambda r: r.request.method == "GET" and listing(r)):
                item.get_by_role("button", name="Save rungs").click()
            [(rungs, _)] = stored_channels(app, reminded_clinic["clinic"])
            assert rungs == ["on_call"]
            assert not item.get_by_label("Care team (the first alert)").is_checked()
            assert item.get_by_label("On call (the first escalation)").is_checked()

            # No rung at all is refused beside the rungs.
            item.get_by_label("On call (the first escalation)").uncheck()
            item.get_by_role("button", name="Save rungs").click()
            item.locator("fieldset .field-error").wait_for()
            [(rungs, _)] = stored_channels(app, reminded_clinic["clinic"])
            assert rungs == ["on_call"]

            # Switched off: kept with its URL and rungs, but no rung is covered by it any more;
            # switched on again, it covers its rung again.
            with page.expect_response(lambda r: r.request.method == "GET" and listing(r)):
                item.get_by_role("button", name="Switch off Ward chat").click()
            assert switched(app, reminded_clinic["clinic"]) == ([False], [])
            assert "(off)" in item.locator("h3").inner_text()
            assert item.locator(".channel-state").inner_text().startswith("Off")
            assert item.get_by_label("On call (the first escalation)").is_checked()
            with page.expect_response(lambda r: r.request.method == "GET" and listing(r)):
                item.get_by_role("button", name="Switch on Ward chat").click()
            assert switched(app, reminded_clinic["clinic"]) == ([True], ["on_call"])
            assert item.locator(".channel-state").inner_text() == "On"

            # Removed, after a confirmation.
            dialogs = []

            def accept(dialog):
                dialogs.append(dialog.message)
                dialog.accept()

            page.once("dialog", accept)
            item.get_by_role("button", name="Remove Ward chat").click()
            card.locator("#no-channels").wait_for(state="visible")
            assert card.locator("li.channel").count() == 0
            assert dialogs and "Ward chat" in dialogs[0]
            assert stored_channels(app, reminded_clinic["clinic"]) == []

            # The reminders' SMS URL: saved, shown back masked only; quiet hours need both ends.
            reminders.get_by_label("SMS provider (Apprise URL)").fill(
                f"json://127.0.0.1:{receiver.port}/sms?+X-Token={SECRET_TOKEN}"
            )
            reminders.get_by_label("From", exact=True).fill("22:00")
            reminders.get_by_label("Until", exact=True).fill("")
            reminders.get_by_role("button", name="Save reminders").click()
            reminders.locator("#quiet-end + .field-error").wait_for()
            assert "None set." in reminders.inner_text()
            reminders.get_by_label("Until", exact=True).fill("07:30")
            reminders.get_by_role("button", name="Save reminders").click()
            reminders.locator("#reminders-saved:has-text('saved')").wait_for()
            masked = reminders.locator("#reminder-sms-masked").inner_text()
            assert masked == f"Now: json://127.0.0.1:{receiver.port}/…", masked
            assert reminders.get_by_label("SMS provider (Apprise URL)").input_value() == ""
            assert stored_reminders(app, reminded_clinic["clinic"]) == ("22:00", "07:30", True)
            assert SECRET_TOKEN not in page.content()
            axe(page, "reminder settings saved")

            # The patient page: channels in the patient's order, the reminders with their
            # state, no address.
            page.goto(f"/clinic/patients/{reminded_clinic['patient']}")
            box = page.locator("#patient-reminders")
            box.wait_for()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            channels = box.locator("#reminder-channels").inner_text()
            # SMS is chosen but no number is on file: the card says it cannot reach them.
            assert channels == (
                "Text message (SMS) (cannot reach: no mobile number on file), then Email"
            ), channels
            rows = box.locator("#reminder-deliveries tbody tr")
            assert rows.count() == 2
            failed, sent = rows.nth(0).inner_text(), rows.nth(1).inner_text()
            assert "Text message (SMS)" in failed, failed
            assert "Failed: the patient turned this channel off" in failed, failed
            assert "Email" in sent and "Sent " in sent, sent
            assert EMAIL not in page.content()
            screenshot(page, "patient-reminders")
            axe(page, "patient page with reminders")

            # On an admin's phone (390 px): each fact keeps room for its value (a long term
            # wraps instead of squeezing "Yes" into a letter a line), nothing scrolls sideways.
            page.set_viewport_size({"width": 390, "height": 900})
            widths = box.locator("dl.facts dd").evaluate_all(
                "(dds) => dds.map((dd) => dd.getBoundingClientRect().width)"
            )
            assert widths and min(widths) >= 100, widths
            # Chart.js redraws the trend for the new width a frame or more later (its
            # ResizeObserver); until then the old canvas is wider than the phone.
            fits = "() => document.documentElement.scrollWidth <= innerWidth"
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_function(fits, timeout=5000)
            scroll, inner = page.evaluate(
                "() => [document.documentElement.scrollWidth, innerWidth]"
            )
            assert scroll <= inner, (scroll, inner)
            screenshot(page, "patient-reminders")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario, timeout=120)
