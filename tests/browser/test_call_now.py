"""The post-session check's warning signs of a blood-pressure crisis, in Chromium: "Call 911 now"
at once from the definition's rule with no network, truthful words about delivery, the signal
sent when the network returns, and one alert once the check-in is finished."""

import time

import pytest
from sqlalchemy import select

from tests.support.browser import checkins_of, screenshot, wait_for_app, wait_for_service_worker
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

#: The questions after the four warning signs, with a calm answer each.
CALM_REST = [
    *["Not at all"] * 11,  # sleepy ... craving
    "As well as usual, or better",
    "No",  # drove on treatment day
]


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def alerts_of(db_session, patient_id):
    from api.models import Alert

    db_session.rollback()
    return db_session.scalars(select(Alert).where(Alert.patient_id == patient_id)).all()


def wait_for_alert(db_session, patient_id, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alerts = alerts_of(db_session, patient_id)
        if alerts:
            return alerts
        time.sleep(0.1)
    raise AssertionError(f"no alert within {seconds} s")


def open_post_session(page):
    page.evaluate("location.hash = '#/checkin/post_session'")
    page.get_by_role("heading", name="Question 1 of 18").wait_for()


def delivery(page):
    note = page.locator("main .monitoring")
    return note.get_attribute("data-delivery"), note.inner_text()


def finish_calmly(page):
    """Every remaining question answered calmly, the free text skipped."""
    for number, text in enumerate(CALM_REST, start=5):
        page.get_by_role("heading", name=f"Question {number} of 18").wait_for()
        answer(page, text)
    page.get_by_role("heading", name="Question 18 of 18").wait_for()
    help_text = page.locator("#answer-help").inner_text()
    assert "does not look for warning signs in what you write" in help_text
    assert "call 911 now" in help_text
    page.get_by_role("button", name="Next").click()


def test_chest_pain_now_shows_call_911_at_once_offline_and_raises_one_alert(
    page, context, signed_in, committed_db
):
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    page.reload()  # under the service worker: the shell and the definitions are on the phone
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    assert_accessible(page, "home")  # loads axe while online, for the offline screen below

    context.set_offline(True)
    page.reload()
    wait_for_app(page)
    open_post_session(page)
    answer(page, "No")  # headache
    page.get_by_role("heading", name="Question 2 of 18").wait_for()
    assert "chest" in page.inner_text("main")
    answer(page, "Yes, I have it now")

    # At once, with no network: the emergency call button right under the heading.
    page.get_by_role("heading", name="Call 911 now").wait_for()
    first = page.locator("main section.call-now > h1 + .actions a").first
    assert first.get_attribute("href") == "tel:911"
    assert page.title() == "Check-in · Waypoint"
    state, words = delivery(page)
    assert state == "offline"
    assert words.startswith(
        "Your answers are saved on this phone and will be sent when you are back online."
    )
    assert "has been told" not in page.inner_text("main")
    assert page.evaluate("navigator.onLine") is False
    assert_accessible(page, "call 911 now, offline")
    screenshot(page, "call-now-offline")
    assert alerts_of(committed_db, signed_in.id) == []

    # At 200 % text on a 360 px phone the call button is still on the first screen.
    page.set_viewport_size({"width": 360, "height": 740})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    box = first.bounding_box()
    assert box["y"] + box["height"] <= 740
    page.evaluate("document.documentElement.style.fontSize = ''")

    # The network returns: the warning sign leaves the phone, and only then "told".
    context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('main .monitoring').dataset.delivery === 'told'"
    )
    assert delivery(page)[1].startswith("Your care team has been told.")
    # One number on this screen, and the words name it (not "one of the numbers here").
    assert delivery(page)[1].endswith("call 911 now.") and "numbers here" not in delivery(page)[1]
    (alert,) = wait_for_alert(committed_db, signed_in.id, seconds=10)
    assert (alert.rule, alert.priority, alert.checkin_id) == ("bp_crisis_signs", "urgent", None)
    assert "call 911 now" in alert.reason

    # Finished later: the same alert, joined, and 911 shown again on the result.
    page.get_by_role("button", name="Continue my check-in").click()
    page.get_by_role("heading", name="Question 3 of 18").wait_for()
    answer(page, "No")
    answer(page, "No")
    finish_calmly(page)
    page.get_by_role("heading", name="Call 911 now").wait_for()
    page.wait_for_function("() => document.querySelector('.send-status')?.dataset.state === 'sent'")
    (stored,) = checkins_of(committed_db, signed_in.id)
    assert (stored.instrument, stored.instrument_version) == ("post_session", "2.0.0")
    assert stored.answers["ps_bp_chest"] == 2
    (joined,) = alerts_of(committed_db, signed_in.id)
    assert (joined.id, joined.checkin_id) == (alert.id, stored.id)


def test_a_sign_that_has_gone_is_sent_at_once_without_the_911_screen(
    page, context, signed_in, committed_db
):
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    open_post_session(page)
    answer(page, "Yes, but it has gone")  # a severe headache since the session
    page.get_by_role("heading", name="Question 2 of 18").wait_for()
    assert page.get_by_role("heading", name="Call 911 now").count() == 0

    # Still on question 2: the urgent warning sign has already gone to the care team.
    (alert,) = wait_for_alert(committed_db, signed_in.id, seconds=10)
    assert (alert.rule, alert.priority) == ("bp_crisis_signs", "urgent")
    assert "911" not in alert.reason
    assert checkins_of(committed_db, signed_in.id) == []
    assert page.get_by_role("heading", name="Question 2 of 18").is_visible()
