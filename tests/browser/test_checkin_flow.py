"""A patient redeems an invite, completes a PHQ-9, sees the score in words and their history."""

import uuid

import pytest

from tests.support.browser import checkins_of, screenshot, wait_for_app
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

#: Items 1-9 as tapped: total 7 ("mild"), item 9 "Not at all".
PHQ9_TAPS = [
    "Several days",
    "Several days",
    "More than half the days",
    "Several days",
    "Not at all",
    "Several days",
    "Several days",
    "Not at all",
    "Not at all",
]


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def test_redeem_invite_complete_phq9_and_see_the_score(page, enrolled, committed_db, live_server):
    patient, token = enrolled(display_name="Sam Rivera")
    page.goto(f"/join/{token}")
    page.get_by_role("heading", name="Welcome to Waypoint").wait_for()
    assert page.title() == "Welcome · Waypoint"
    assert_accessible(page, "invite")
    screenshot(page, "invite")

    page.get_by_role("button", name="Start using Waypoint").click()
    page.wait_for_url(f"{live_server.url}/")
    wait_for_app(page)
    # The invite URL was replaced, not pushed: going back skips it (to the tab's blank page).
    assert page.evaluate("history.length") == 2
    page.go_back()
    assert page.url == "about:blank"
    page.go_forward()
    assert token not in page.url
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    assert "Sam" not in page.title()
    # Reminders are never offered on first load.
    assert page.get_by_role("button", name="Yes, remind me").count() == 0
    assert_accessible(page, "home")
    screenshot(page, "home")

    page.get_by_role("link", name="Mood check-in").click()
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    page.get_by_text("Little interest or pleasure in doing things").wait_for()
    assert_accessible(page, "question")
    screenshot(page, "question")
    for number, text in enumerate(PHQ9_TAPS, start=1):
        page.get_by_role("heading", name=f"Question {number} of").wait_for()
        answer(page, text)
    # Any item above 0 brings the (optional, unscored) difficulty question, verbatim.
    page.get_by_text("how difficult have these problems made it for you").wait_for()
    page.get_by_role("heading", name="Question 10 of 10").wait_for()
    answer(page, "Somewhat difficult")

    page.get_by_role("heading", name="Thank you for checking in").wait_for()
    page.get_by_text("Your answers add up to 7 out of 27, in the mild range.").wait_for()
    page.get_by_text("Sent to your care team.").wait_for()
    page.get_by_text("This is your first one").wait_for()
    # After the first completed check-in, and only then, reminders are offered.
    page.get_by_role("button", name="Yes, remind me").wait_for()
    assert "7" not in page.title() and "mild" not in page.title().lower()
    assert_accessible(page, "result")
    screenshot(page, "result")

    (stored,) = checkins_of(committed_db, patient.id)
    assert (stored.instrument, stored.total, stored.severity) == ("phq9", 7, "mild")
    assert stored.answers["phq9_difficulty"] == 1
    assert stored.safety_endorsed is False

    page.get_by_role("link", name="See how you have been doing").click()
    page.get_by_role("heading", name="How you have been doing").wait_for()
    page.locator("canvas[role='img']").wait_for()
    page.wait_for_function("() => document.querySelector('canvas').width > 0")
    assert "7 out of 27, in the mild range" in page.locator(".history-list").inner_text()
    assert_accessible(page, "history")
    screenshot(page, "history")

    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "history")
    # Reduced motion too: no colour transition still running while axe measures contrast.
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert_accessible(page, "history, dark")
    screenshot(page, "history-dark")


def test_history_chart_shows_each_check_in_with_its_band(page, signed_in, committed_db):
    from datetime import timedelta

    from api.models import Checkin
    from api.models.base import utcnow

    now = utcnow()
    for days_ago, total, severity in (
        (21, 16, "moderately_severe"),
        (14, 11, "moderate"),
        (7, 6, "mild"),
    ):
        answers = {f"phq9_{i}": 0 for i in range(1, 10)}
        for i in range(total):
            answers[f"phq9_{i % 8 + 1}"] += 1
        answers["phq9_difficulty"] = 1
        committed_db.add(
            Checkin(
                id=uuid.uuid4(),
                patient_id=signed_in.id,
                clinic_id=signed_in.clinic_id,
                instrument="phq9",
                instrument_version="1.0.0",
                answers=answers,
                payload_hash=f"seed-{days_ago}",
                total=total,
                severity=severity,
                safety_endorsed=False,
                safety_level="none",
                completed_at=now - timedelta(days=days_ago),
                received_at=now - timedelta(days=days_ago),
            )
        )
    committed_db.commit()

    page.goto("/#/history")
    wait_for_app(page)
    page.get_by_role("heading", name="How you have been doing").wait_for()
    chart = page.locator("canvas[role='img']")
    label = chart.get_attribute("aria-label")
    assert "3 check-ins" in label
    assert "16 out of 27, in the moderately severe range" in label
    assert "6 out of 27, in the mild range" in label
    items = page.locator(".history-list li").all_inner_texts()
    assert [item.split("\n")[-1] for item in items] == [
        "6 out of 27, in the mild range",
        "11 out of 27, in the moderate range",
        "16 out of 27, in the moderately severe range",
    ]
    # Chart.js drew the points: its canvas holds one point per check-in.
    drawn = page.evaluate("Chart.getChart(document.querySelector('canvas')).data.datasets[0].data")
    assert drawn == [16, 11, 6]
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "history-three")


def test_reload_in_the_middle_of_a_check_in_keeps_the_answers(page, signed_in):
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    answer(page, "Several days")
    page.get_by_role("heading", name="Question 2 of 10").wait_for()
    answer(page, "Not at all")
    page.get_by_role("heading", name="Question 3 of 10").wait_for()
    answer(page, "Nearly every day")
    page.get_by_role("heading", name="Question 4 of 10").wait_for()

    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Question 4 of 10").wait_for()
    page.get_by_text("Feeling tired or having little energy").wait_for()
    page.get_by_role("button", name="Back").click()
    page.get_by_role("heading", name="Question 3 of 10").wait_for()
    pressed = page.locator("button.option[aria-pressed='true']")
    assert pressed.inner_text() == "Nearly every day"
    page.get_by_role("button", name="Back").click()
    page.get_by_role("heading", name="Question 2 of 10").wait_for()
    assert pressed.inner_text() == "Not at all"

    # Closing the check-in and coming back from home resumes it too.
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("link", name="Continue where I left off").click()
    page.get_by_role("heading", name="Question 2 of 10").wait_for()
