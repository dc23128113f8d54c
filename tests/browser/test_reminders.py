"""The patient sees when check-ins come and moves them to a time (and weekday) that suits."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.support.browser import screenshot, wait_for_app
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

PHONE_ZONE = "America/Chicago"


@pytest.fixture
def context_options():
    # The phone is in another time zone than the clinic's (America/New_York).
    return {"timezone_id": PHONE_ZONE, "locale": "en-US"}


def test_patient_moves_weekly_check_ins_to_thursday_morning(page, signed_in, committed_db):
    from api.models import CheckinDue, Patient

    page.goto("/")
    wait_for_app(page)
    page.get_by_role("link", name="Reminders").click()
    page.get_by_role("heading", name="Your reminders").wait_for()
    summary = page.locator("#reminder-summary")
    summary.get_by_text("at 6:00 PM").wait_for()
    assert summary.inner_text().count("Every week") == 1
    assert page.get_by_label("Time of day").input_value() == "18:00"
    zone = page.get_by_label(f"Use this phone's time zone ({PHONE_ZONE}) instead of America/")
    assert not zone.is_checked()
    assert_accessible(page, "reminders")
    screenshot(page, "reminders")

    page.get_by_label("Time of day").fill("08:30")
    page.get_by_label("Day of the week").select_option("Thursday")
    zone.check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved. Your check-ins will come at the new time.").first.wait_for()
    summary.get_by_text("Every week, on Thursdays, at 8:30 AM.").wait_for()
    upcoming = page.locator(".upcoming li").all_inner_texts()
    assert upcoming and any(u.startswith("Mood check-in: Thursday") for u in upcoming)
    assert all("8:30 AM" in u for u in upcoming)
    assert_accessible(page, "reminders saved")
    screenshot(page, "reminders-saved")

    committed_db.rollback()
    patient = committed_db.get(Patient, signed_in.id)
    committed_db.refresh(patient)
    assert patient.timezone == PHONE_ZONE
    assert (patient.schedule["local_time"], patient.schedule["weekday"]) == ("08:30", 3)
    dues = committed_db.scalars(
        select(CheckinDue).where(
            CheckinDue.patient_id == patient.id, CheckinDue.completed_checkin_id.is_(None)
        )
    ).all()
    assert dues
    for due in dues:
        local = due.due_at.astimezone(ZoneInfo(PHONE_ZONE))
        assert (local.weekday(), local.hour, local.minute) == (3, 8, 30)
        assert local > datetime.now(ZoneInfo(PHONE_ZONE))


def test_reminders_need_the_network_and_say_so(page, context, signed_in):
    page.goto("/")
    wait_for_app(page)
    page.add_script_tag(url="/pwa/vendor/axe.min.js")  # while it can still be fetched
    context.set_offline(True)
    page.get_by_role("link", name="Reminders").click()
    page.get_by_text("Seeing and changing your reminders needs the internet.").wait_for()
    assert_accessible(page, "reminders offline")


# --- how reminders reach the patient, and the opt-out link's page -------------------------

#: The live server's SECRET_KEY (tests/browser/conftest.py), which signs opt-out links.
LIVE_SECRET = "browser-test-secret-key"


def no_sideways_scroll(page):
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, (width, inner)


def test_patient_chooses_text_messages_at_360_px_a_bad_number_says_why(
    page, context, enrolled, committed_db
):
    from api.models import Patient

    context.expected_console.append("status of 422")  # the bad number, refused on purpose
    page.set_viewport_size({"width": 360, "height": 760})
    # The clinic offers texts (an SMS URL is set; nothing is sent in this test).
    patient, token = enrolled(
        reminder_channels=["webpush", "email", "sms"], reminder_sms_sealed="set"
    )
    assert context.request.post("/api/v1/auth/redeem", data={"token": token}).status == 200
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("link", name="Reminders").click()
    form = page.locator("#reminder-channels")
    form.wait_for()
    # The address field has a label of its own (a walk found it sharing the Email box's id:
    # its label ticked the box, and the field had no name).
    address = form.get_by_label("Email address")
    assert address.get_attribute("type") == "email"
    assert address.bounding_box()["height"] >= 44
    form.get_by_label("Email", exact=True).uncheck()
    form.get_by_label("Text message").check()
    phone = form.get_by_label("Mobile number, with country code")
    assert phone.bounding_box()["height"] >= 44  # a field a thumb can hit
    phone.fill("12345")
    form.get_by_role("button", name="Use these ways").click()
    status = form.locator("#channels-message")
    status.get_by_text("Not a phone number", exact=False).wait_for()
    assert "each field says why" not in status.inner_text()
    committed_db.expire_all()
    stored = committed_db.get(Patient, patient.id)
    assert stored.phone_sealed is None and stored.reminder_channels is None

    phone.fill("+1 202 555 0123")
    form.get_by_role("button", name="Use these ways").click()
    page.locator("#channels-saved").wait_for()
    page.get_by_text("Now: •••• 23. Leave empty to keep it.").wait_for()
    committed_db.expire_all()
    stored = committed_db.get(Patient, patient.id)
    assert stored.reminder_channels == ["webpush", "sms"] and stored.phone_sealed
    assert "5550123" not in stored.phone_sealed
    no_sideways_scroll(page)
    assert_accessible(page, "reminder channels")
    screenshot(page, "reminder-channels")

    page.add_script_tag(url="/pwa/vendor/axe.min.js")  # while it can still be fetched
    context.set_offline(True)
    page.locator("#reminder-channels").get_by_role("button", name="Use these ways").click()
    page.get_by_text("Changing this needs the internet.", exact=False).wait_for()
    assert_accessible(page, "reminder channels offline")


def test_the_stop_page_at_360_px_offline_then_stopped_and_reloaded(
    page, context, enrolled, committed_db
):
    from itsdangerous import URLSafeSerializer

    from api.models import CheckinDue, Patient, ReminderDelivery
    from api.models.base import utcnow
    from api.reminders.operations import STOP_SALT

    patient, _ = enrolled(reminder_channels=["webpush", "email", "sms"])
    patient.reminder_channels = ["sms", "email"]
    slot = CheckinDue(
        patient_id=patient.id, instrument="mood", due_at=utcnow(), reason="cadence",
        reminded_at=utcnow(),
    )  # fmt: skip
    committed_db.add(slot)
    committed_db.flush()
    sent = ReminderDelivery(
        clinic_id=patient.clinic_id, patient_id=patient.id, due_id=slot.id, channel="sms",
        status="sent", attempts=1,
    )  # fmt: skip
    committed_db.add(sent)
    committed_db.commit()
    link = f"/stop/{URLSafeSerializer(LIVE_SECRET, salt=STOP_SALT).dumps(sent.id)}"

    page.set_viewport_size({"width": 360, "height": 760})
    page.goto(link)
    button = page.get_by_role("button", name="Stop these reminders")
    button.wait_for()
    page.add_script_tag(url="/pwa/vendor/axe.min.js")
    no_sideways_scroll(page)
    context.set_offline(True)
    button.click()
    page.get_by_text("Your phone seems to be offline.", exact=False).wait_for()
    assert button.is_enabled()
    committed_db.expire_all()
    assert committed_db.get(Patient, patient.id).reminder_channels == ["sms", "email"]

    context.set_offline(False)
    button.click()
    done = "Reminders by text message are off."
    page.get_by_text(done, exact=False).wait_for()
    assert page.get_by_role("button").count() == 0  # nothing more to press
    assert page.url.endswith("/stop/done")  # the token leaves the address bar and history
    committed_db.expire_all()
    assert committed_db.get(Patient, patient.id).reminder_channels == ["email"]
    assert_accessible(page, "reminders stopped")
    screenshot(page, "stop-done")

    page.reload()  # still says what was done, and offers no button that would now fail
    page.get_by_text(done, exact=False).wait_for()
    assert page.get_by_role("button").count() == 0


def test_the_channels_say_they_need_the_network_when_only_they_could_not_be_read(
    page, context, signed_in
):
    context.expected_console.append("ERR_FAILED")  # the read the test cuts off
    page.route("**/api/v1/me/reminders", lambda route: route.abort())
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("link", name="Reminders").click()
    page.get_by_label("Time of day").wait_for()  # the time can still be changed
    channels = page.locator("#reminder-channels")
    channels.get_by_text("Changing this needs the internet.", exact=False).wait_for()
    assert channels.get_by_role("button").count() == 0
    assert_accessible(page, "reminder channels unreachable")
