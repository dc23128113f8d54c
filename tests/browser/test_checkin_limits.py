"""Issue #14 finding 1 on the phone: a check-in the server refuses for now (429, its check-in
limits) stays in the outbox, the app says it will be sent shortly, and sends it by itself
once Retry-After has passed; nothing is lost, nothing is sent twice."""

import pytest

from tests.support.browser import checkins_of, wait_for_app
from tests.support.live import serving, vapid_public_key

pytestmark = pytest.mark.browser

#: Tight enough that a second check-in straight after the first is refused for now. The window
#: starts at the first check-in: the second one's nine answers must come inside it, which took
#: over 5 s on a loaded CI machine (the window was 5 s then, and the second was let through).
LIMIT = "1 per 15 seconds"


@pytest.fixture(scope="module")
def live_server(app, database_url, redis_url):
    """The live app with a tight per-device check-in limit (this module's tests only)."""
    with serving(
        database_url,
        redis_url,
        SECRET_KEY="browser-test-secret-key",
        VAPID_PUBLIC_KEY=vapid_public_key(),
        CHECKIN_LIMIT_PER_DEVICE=LIMIT,
    ) as server:
        yield server


def mood_check_in(page, again=False):
    page.get_by_role("link", name="Mood check-in").click()
    if again:  # the app asks before a second one on the same day
        page.get_by_role("button", name="Answer again").click()
    for number in range(1, 10):
        page.get_by_role("heading", name=f"Question {number} of 10").wait_for()
        page.get_by_role("button", name="Not at all", exact=True).click()
    page.get_by_role("heading", name="Thank you for checking in").wait_for()


def test_a_check_in_refused_for_now_is_kept_and_sent_after_the_wait(
    page, context, signed_in, committed_db
):
    context.expected_console.append("429")  # the browser logs the refused POST
    page.goto("/")
    wait_for_app(page)
    mood_check_in(page)
    page.get_by_text("Sent to your care team.").wait_for()

    page.goto("/#/")
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    mood_check_in(page, again=True)
    status = page.locator(".send-status")
    status.get_by_text("It will be sent in a minute or so.").wait_for()
    assert status.get_attribute("data-state") == "later"
    assert len(checkins_of(committed_db, signed_in.id)) == 1

    # No tap, no reload: the app tries again once the server's Retry-After has passed.
    page.get_by_text("Sent to your care team.").wait_for(timeout=40_000)
    stored = checkins_of(committed_db, signed_in.id)
    assert len(stored) == 2 and len({row.id for row in stored}) == 2
