"""The patient takes the daily mood rating (Waypoint's own, not validated) from the app: one
question, eleven answers with worded ends, stored scored as its value, no safety screen."""

import pytest

from tests.support.browser import checkins_of, wait_for_app
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser


def test_the_patient_takes_the_daily_mood_check_in(page, signed_in, committed_db):
    page.goto("/")
    wait_for_app(page)
    link = page.get_by_role("link", name="Today's mood")
    link.wait_for()
    assert "from 0 to 10" in link.inner_text()
    link.click()
    page.get_by_role("heading", name="Question 1 of 1").wait_for()
    page.get_by_text("How is your mood today?").wait_for()
    names = [
        page.get_by_role("button", name=n, exact=True)
        for n in ("0 - Worst I have ever felt", "10 - Best I have ever felt")
    ]
    for button in names:
        assert button.count() == 1
    assert_accessible(page, "mood question")
    page.get_by_role("button", name="7", exact=True).click()

    page.get_by_role("heading", name="Thank you for checking in").wait_for()
    page.get_by_text("7 out of 10").wait_for()
    # A rating counts up: the words say so (not the PHQ-9's "lower is better").
    assert page.locator(".score-words").inner_text() == "You rated your mood 7 out of 10."
    hint = page.locator(".card.score .hint").inner_text()
    assert hint.startswith("Higher numbers mean you felt better.") and "Lower" not in hint
    page.get_by_text("Sent to your care team.").wait_for()

    (stored,) = checkins_of(committed_db, signed_in.id)
    assert (stored.instrument, stored.total, stored.severity) == ("mood", 7, None)
    assert stored.answers == {"mood_today": 7}
    assert stored.safety_endorsed is False and stored.safety_level == "none"
