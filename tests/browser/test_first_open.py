"""A check-in opened on a phone that holds nothing of it yet (a first open, storage cleared)
asks for all it needs beside the session request, not after it, and keeps it on the phone
once the session has said whose phone it is; the definition it drew is not asked for again by
the warm-up that follows."""

import time

import pytest

from tests.support.browser import read_meta, wait_for_app

pytestmark = pytest.mark.browser

#: How long the session's answer is held back: the other requests start well inside it.
SESSION_HELD_S = 0.8


def resources(page) -> list[dict]:
    """The page's API requests as the browser timed them: path, start and end (ms)."""
    return page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter((e) => new URL(e.name).pathname.startsWith("/api/"))
            .map((e) => ({path: new URL(e.name).pathname, start: e.startTime,
                          end: e.responseEnd}))"""
    )


def test_a_first_open_asks_for_the_check_in_beside_the_session(page, signed_in):
    def held(route):
        time.sleep(SESSION_HELD_S)
        route.continue_()

    page.route("**/api/v1/auth/session", held)
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    page.get_by_text("Little interest or pleasure in doing things", exact=True).wait_for()

    seen = resources(page)
    (session,) = [r for r in seen if r["path"] == "/api/v1/auth/session"]
    for path in ("/api/v1/me", "/api/v1/me/home-dosing", "/api/v1/instruments/phq9"):
        first = min(r["start"] for r in seen if r["path"] == path)
        assert first < session["end"] - SESSION_HELD_S * 1000 / 2, (path, seen)

    # Kept on the phone, as the patient's: the profile and the plan read after the session.
    assert read_meta(page, "me")["id"] == str(signed_in.id)
    assert read_meta(page, "patient_id") == str(signed_in.id)
    assert read_meta(page, "dosing") is not None
    # The warm-up loads the other instruments for offline use, not the one just drawn again.
    deadline = time.monotonic() + 10
    while not read_meta(page, "definition:gad7"):
        assert time.monotonic() < deadline, "the warm-up never loaded the GAD-7"
        page.wait_for_timeout(100)
    assert read_meta(page, "definition:phq9")["code"] == "phq9"
    asked = [r for r in resources(page) if r["path"] == "/api/v1/instruments/phq9"]
    assert len(asked) == 1, asked


def test_a_phone_that_has_drawn_it_before_asks_after_the_session(page, signed_in):
    """The early requests are for a phone with nothing on it: one that has the screen draws it
    from its own copy and asks the server in the usual order."""
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    page.evaluate("() => performance.clearResourceTimings()")
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    deadline = time.monotonic() + 10
    while not any(r["path"] == "/api/v1/me" for r in resources(page)):
        assert time.monotonic() < deadline, "the profile was never asked for"
        page.wait_for_timeout(100)
    seen = resources(page)
    (session,) = [r for r in seen if r["path"] == "/api/v1/auth/session"]
    (me,) = [r for r in seen if r["path"] == "/api/v1/me"]
    assert me["start"] >= session["end"] - 1, seen
