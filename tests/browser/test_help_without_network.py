"""Crisis help after a check-in comes from the phone alone: a slow network or an API that
answers 401 never holds it back, and never turns it into an error screen."""

import json
import time

import pytest

from .conftest import checkins_of, wait_for_app

pytestmark = pytest.mark.browser

#: Well under the app's network timeouts (4 s in the service worker, 15 s per request).
AT_ONCE_MS = 2500
SLOW_PATHS = ("**/api/v1/instruments/**", "**/api/v1/me")


@pytest.fixture
def context_options():
    # page.route cannot see requests a service worker makes: let the page make them itself.
    return {"service_workers": "block"}


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def stall(page):
    """From now on the definitions and the profile never answer (a network that hangs)."""
    held = []

    def hold(route):
        held.append(route)

    for path in SLOW_PATHS:
        page.route(path, hold)
    return held


def refuse(page):
    """From now on the definitions and the profile answer 401, as for an ended session."""
    body = json.dumps({"code": 401, "status": "Unauthorized", "message": "Please sign in."})

    def answer_401(route):
        route.fulfill(status=401, body=body, content_type="application/json")

    for path in SLOW_PATHS:
        page.route(path, answer_401)


def tel_links(page):
    """The tap-to-call targets on screen, in order."""
    return page.locator("main a[href^='tel:']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )


def test_imminent_help_shows_at_once_while_the_network_hangs(page, signed_in, committed_db):
    page.goto("/#/checkin/asq")
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 4").wait_for()
    held = stall(page)
    answer(page, "Yes")
    page.get_by_role("button", name="Continue my check-in").click()
    for number in (2, 3, 4):
        page.get_by_role("heading", name=f"Question {number} of 5").wait_for()
        answer(page, "No")
    page.get_by_text("Are you having thoughts of killing yourself right now?").wait_for()
    answer(page, "Yes")

    page.get_by_role("heading", name="Please get help right now").wait_for(timeout=AT_ONCE_MS)
    assert tel_links(page)[0] == "tel:911"
    assert page.locator("main .send-status").count() == 1
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'sent'")
    (stored,) = checkins_of(committed_db, signed_in.id)
    assert (stored.instrument, stored.result) == ("asq", "imminent")

    # Opened again while the profile and the definitions still hang: the help comes first.
    page.reload()
    page.get_by_role("heading", name="Please get help right now").wait_for(timeout=AT_ONCE_MS)
    assert tel_links(page)[0] == "tel:911"
    # ...and meanwhile the app did ask for its profile, which never came.
    deadline = time.monotonic() + 5
    while (
        not any(r.request.url.endswith("/api/v1/me") for r in held) and time.monotonic() < deadline
    ):
        page.wait_for_timeout(50)
    assert any(r.request.url.endswith("/api/v1/me") for r in held)
    page.get_by_role("heading", name="Please get help right now").wait_for()


def test_positive_help_shows_when_the_api_answers_401(page, context, signed_in):
    context.expected_console.append("status of 401")
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 9").wait_for()
    refuse(page)
    for number in range(1, 9):
        page.get_by_role("heading", name=f"Question {number} of").wait_for()
        answer(page, "Not at all")
    answer(page, "Several days")
    page.get_by_role("button", name="Continue my check-in").click()
    page.get_by_role("heading", name="Question 10 of 10").wait_for()
    answer(page, "Somewhat difficult")

    page.get_by_role("heading", name="You do not have to go through this alone").wait_for(
        timeout=AT_ONCE_MS
    )
    assert tel_links(page) == ["tel:988", "tel:911"]
    assert page.get_by_text("Something went wrong").count() == 0
    page.reload()
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for(
        timeout=AT_ONCE_MS
    )
    assert page.get_by_text("Something went wrong").count() == 0
