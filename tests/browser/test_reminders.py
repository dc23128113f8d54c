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
