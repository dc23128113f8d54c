"""Item 9 answered, then the app closed on the crisis screen: the answer still reaches the
care team, at once when online and on the next open when it was given offline."""

import time

import pytest
from sqlalchemy import select

from tests.support.browser import checkins_of, screenshot, wait_for_app, wait_for_service_worker

pytestmark = pytest.mark.browser


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def alerts_of(db_session, patient_id):
    """The patient's alerts, read fresh from the database."""
    from api.models import Alert

    db_session.rollback()
    return db_session.scalars(select(Alert).where(Alert.patient_id == patient_id)).all()


def wait_for_alert(db_session, patient_id, seconds):
    """The patient's alerts once there is one, or fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alerts = alerts_of(db_session, patient_id)
        if alerts:
            return alerts
        time.sleep(0.1)
    raise AssertionError(f"no alert within {seconds} s")


def item9_then_crisis(page):
    """Open the PHQ-9, answer 'Not at all' to 1-8 and 'Nearly every day' to item 9."""
    page.get_by_role("link", name="Mood check-in").click()
    for number in range(1, 9):
        page.get_by_role("heading", name=f"Question {number} of").wait_for()
        answer(page, "Not at all")
    page.get_by_text("Thoughts that you would be better off dead").wait_for()
    answer(page, "Nearly every day")
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()


def partials_of(db_session, patient_id):
    from api.models import CheckinPartial

    db_session.rollback()
    query = select(CheckinPartial).where(CheckinPartial.patient_id == patient_id)
    return db_session.scalars(query).all()


def test_item9_then_closed_online_raises_the_alert_within_seconds(
    page, context, signed_in, committed_db
):
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    item9_then_crisis(page)
    page.close()  # the patient leaves on the crisis screen; the check-in is never finished

    (alert,) = wait_for_alert(committed_db, signed_in.id, seconds=5)
    assert (alert.rule, alert.priority, alert.status) == ("suicidal_ideation", "urgent", "open")
    (partial,) = partials_of(committed_db, signed_in.id)
    assert partial.answers["phq9_9"] == 3
    assert alert.dedupe_key == f"checkin:{partial.id}:suicidal_ideation"
    assert checkins_of(committed_db, signed_in.id) == []


def test_item9_offline_then_closed_is_sent_when_the_app_is_next_opened(
    page, context, signed_in, committed_db
):
    # No Background Sync (Safari, Firefox): the next open of the app must send it.
    context.add_init_script(
        "if (self.ServiceWorkerRegistration) delete ServiceWorkerRegistration.prototype.sync;"
    )
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()

    context.set_offline(True)
    page.reload()
    wait_for_app(page)
    item9_then_crisis(page)
    screenshot(page, "signal-offline")
    page.close()
    time.sleep(1)
    assert alerts_of(committed_db, signed_in.id) == []

    context.set_offline(False)
    again = context.new_page()
    again.goto("/")
    wait_for_app(again)
    # For a few days after a safety answer, home offers help first, calmly.
    again.get_by_role("heading", name="Help is here").wait_for()
    assert again.get_by_role("link", name="See who you can reach now").is_visible()
    (alert,) = wait_for_alert(committed_db, signed_in.id, seconds=5)
    assert (alert.rule, alert.priority) == ("suicidal_ideation", "urgent")
    (partial,) = partials_of(committed_db, signed_in.id)
    assert partial.answers == {f"phq9_{n}": 0 for n in range(1, 9)} | {"phq9_9": 3}
    assert checkins_of(committed_db, signed_in.id) == []

    # Finishing it later joins the same alert.
    again.get_by_role("link", name="Mood check-in").click()
    again.get_by_role("button", name="Continue my check-in").click()
    again.get_by_role("heading", name="Question 10 of 10").wait_for()
    answer(again, "Very difficult")
    again.wait_for_function(
        "() => document.querySelector('.send-status')?.dataset.state === 'sent'"
    )
    (stored,) = checkins_of(committed_db, signed_in.id)
    assert stored.id == partial.id
    (joined,) = alerts_of(committed_db, signed_in.id)
    assert (joined.id, joined.checkin_id) == (alert.id, stored.id)


def delivery_words(page):
    """The crisis screen's delivery state and its sentence."""
    note = page.locator("main .monitoring")
    return note.get_attribute("data-delivery"), note.inner_text()


def test_the_crisis_screen_says_told_only_after_the_servers_2xx(page, context, signed_in):
    held = []
    page.route("**/api/v1/checkins/partial", lambda route: held.append(route))
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    item9_then_crisis(page)
    assert page.title() == "Check-in · Waypoint"
    # The first call button sits right under the heading.
    first = page.locator("main section.support > h1 + ul.resources a[href^='tel:']").first
    assert first.get_attribute("href") == "tel:988"
    # Crisis Text Line: tap-to-text with the keyword prefilled.
    text_line = page.locator("main a[href='sms:741741?&body=HOME']")
    assert text_line.inner_text() == "Text HOME to 741741"
    page.wait_for_function("() => document.querySelector('main .monitoring') !== null")
    while not held:
        page.wait_for_timeout(50)
    state, words = delivery_words(page)
    assert state == "sending"
    assert words.startswith("Still sending your answers to your care team")
    assert "has been told" not in page.inner_text("main")
    held[0].continue_()
    page.wait_for_function(
        "() => document.querySelector('main .monitoring').dataset.delivery === 'told'"
    )
    assert delivery_words(page)[1].startswith("Your care team has been told.")
    screenshot(page, "crisis-told")

    # At 200 % text size on a 360 px phone the first call button is still on the first screen.
    page.set_viewport_size({"width": 360, "height": 740})
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    screenshot(page, "crisis-200")
    box = page.locator("main a[href^='tel:']").first.bounding_box()
    assert box["y"] + box["height"] <= page.viewport_size["height"]


def test_the_crisis_screen_says_saved_on_this_phone_while_offline(
    page, context, signed_in, committed_db
):
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    context.set_offline(True)
    item9_then_crisis(page)
    page.wait_for_function(
        "() => document.querySelector('main .monitoring')?.dataset.delivery === 'offline'"
    )
    assert delivery_words(page)[1].startswith(
        "Your answers are saved on this phone and will be sent when you are back online."
    )
    assert "has been told" not in page.inner_text("main")
    context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('main .monitoring').dataset.delivery === 'told'"
    )
    wait_for_alert(committed_db, signed_in.id, seconds=5)

    # The result screen has the same title whatever was answered.
    page.get_by_role("button", name="Continue my check-in").click()
    answer(page, "Very difficult")
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()
    assert page.title() == "Check-in · Waypoint"
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("link", name="Worry check-in").click()
    # Eight questions counted (the difficulty one included); all "Not at all": it is not asked.
    for number in range(1, 8):
        page.get_by_role("heading", name=f"Question {number} of 8").wait_for()
        answer(page, "Not at all")
    page.get_by_role("heading", name="Thank you for checking in").wait_for()
    assert page.title() == "Check-in · Waypoint"


def test_item9_offline_then_closed_is_sent_by_background_sync(
    page, context, signed_in, committed_db
):
    """Chromium has Background Sync: the signal goes when the network returns, app closed."""
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    context.set_offline(True)
    item9_then_crisis(page)
    page.wait_for_function(
        "() => document.querySelector('main .monitoring')?.dataset.delivery === 'offline'"
    )
    page.close()
    assert alerts_of(committed_db, signed_in.id) == []

    context.set_offline(False)  # no page of the app is open now
    (alert,) = wait_for_alert(committed_db, signed_in.id, seconds=20)
    assert (alert.rule, alert.priority) == ("suicidal_ideation", "urgent")
