"""Back during a check-in (#17 item 6): each question is a history entry, so the phone's Back
goes to the previous question (its answer kept) and never out of the check-in; the count's
total never changes mid-way; Back on the thank-you screen goes home, never into a new blank
check-in."""

import pytest

from tests.support.browser import checkins_of, wait_for_app
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

#: Items 1-9, total 5 ("mild"), item 9 "Not at all": item 10 (difficulty) then applies.
TAPS = ["Several days"] * 5 + ["Not at all"] * 4


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def heading(page, text):
    page.get_by_role("heading", name=text, exact=True).wait_for()


def test_back_goes_question_by_question_and_from_thank_you_home(page, signed_in, committed_db):
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("heading", name="Hello").wait_for()
    page.get_by_role("link", name="Mood check-in").click()
    heading(page, "Question 1 of 10")
    for number, tap in enumerate(TAPS[:3], start=1):
        answer(page, tap)
        heading(page, f"Question {number + 1} of 10")  # the total holds from the start

    # The phone's Back: the previous question, with its answer, still in the check-in.
    page.go_back()
    heading(page, "Question 3 of 10")
    pressed = page.locator("button.option[aria-pressed='true']")
    assert pressed.inner_text() == "Several days"
    page.go_back()
    heading(page, "Question 2 of 10")
    assert "#/checkin/phq9" in page.url
    page.go_forward()
    heading(page, "Question 3 of 10")
    # The screen's own Back does the same as the phone's.
    page.get_by_role("button", name="Back").click()
    heading(page, "Question 2 of 10")
    page.go_forward()
    heading(page, "Question 3 of 10")
    assert_accessible(page, "question after going back")
    # A changed answer after going back is the one kept.
    answer(page, "More than half the days")
    for number, tap in enumerate(TAPS[3:], start=4):
        heading(page, f"Question {number} of 10")
        answer(page, tap)
    heading(page, "Question 10 of 10")
    answer(page, "Somewhat difficult")
    heading(page, "Thank you for checking in")

    # Back on the thank-you screen: home, not a blank check-in nor its last question.
    page.go_back()
    page.get_by_role("heading", name="Hello").wait_for()
    assert page.locator("h1", has_text="Question").count() == 0
    assert page.url.endswith("/#/") or page.url.endswith("/")
    rows = []
    for _ in range(40):
        rows = checkins_of(committed_db, signed_in.id)
        if rows:
            break
        page.wait_for_timeout(250)
    assert len(rows) == 1 and rows[0].total == 6
