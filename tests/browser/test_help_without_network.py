"""Crisis help comes from the phone alone: after a check-in, in the pause inside one, and on
reopening the app, a hanging network or an API that answers 401 never holds it back, and never
turns it into an error screen. History draws from the phone too."""

import json
import time

import pytest

from tests.support.browser import checkins_of, read_meta, wait_for_app
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

#: Well under the app's network timeouts (4 s in the service worker, 15 s per request).
AT_ONCE_MS = 2500
SLOW_PATHS = ("**/api/v1/instruments/**", "**/api/v1/me")
#: Everything the app asks the server when it opens (who is signed in, too).
HUNG_NETWORK = (*SLOW_PATHS, "**/api/v1/auth/session", "**/api/v1/me/checkins")


@pytest.fixture
def context_options():
    # page.route cannot see requests a service worker makes: let the page make them itself.
    return {"service_workers": "block"}


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def stall(page, paths=SLOW_PATHS):
    """From now on these requests never answer (a network that hangs); returns them as held."""
    held = []

    def hold(route):
        held.append(route)

    for path in paths:
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
    page.get_by_role("heading", name="Question 1 of 5").wait_for()
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
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
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


def wait_for_held(page, held, path):
    """Until the app has asked for `path` (and got no answer): the test really held it."""
    deadline = time.monotonic() + 5
    while not any(r.request.url.endswith(path) for r in held) and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert any(r.request.url.endswith(path) for r in held)


def test_crisis_pause_inside_a_check_in_shows_at_once_after_a_reload(page, signed_in):
    page.goto("/#/checkin/phq9")
    wait_for_app(page)
    for number in range(1, 9):
        page.get_by_role("heading", name=f"Question {number} of").wait_for()
        answer(page, "Not at all")
    answer(page, "Several days")
    help_title = page.get_by_role("heading", name="You do not have to go through this alone")
    help_title.wait_for()
    deadline = time.monotonic() + 5
    while not read_meta(page, "definition:asq") and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # the follow-up's definition, fetched in the background

    # Reopened on the pause while nothing the app asks for ever answers.
    held = stall(page, HUNG_NETWORK)
    page.reload(wait_until="commit")
    help_title.wait_for(timeout=AT_ONCE_MS)
    assert tel_links(page) == ["tel:988", "tel:911"]
    wait_for_held(page, held, "/api/v1/auth/session")
    assert_accessible(page, "crisis pause, reopened with the network hanging")

    # The check-in goes on from this phone alone, with the definition it started with.
    page.get_by_role("button", name="Continue my check-in").click()
    page.get_by_role("heading", name="Question 10 of 10").wait_for(timeout=AT_ONCE_MS)
    page.get_by_text("how difficult have these problems made it for you").wait_for()
    answer(page, "Somewhat difficult")
    help_title.wait_for(timeout=AT_ONCE_MS)
    page.locator(".send-status[data-state='waiting']").wait_for()

    # Opened again at home: it offers the follow-up, which opens, all from this phone.
    page.goto("/", wait_until="commit")
    page.get_by_role("heading", name="Hello, Sam").wait_for(timeout=AT_ONCE_MS)
    page.get_by_role("link", name="Answer the questions").click()
    page.get_by_role("heading", name="Question 1 of 5").wait_for(timeout=AT_ONCE_MS)
    assert page.get_by_role("complementary", name="Help now").is_visible()


def test_history_draws_from_the_phone_while_the_network_hangs(page, signed_in, committed_db):
    import uuid
    from datetime import timedelta

    from api.models import Checkin
    from api.models.base import utcnow

    answers = {f"phq9_{i}": 1 if i <= 6 else 0 for i in range(1, 10)}
    committed_db.add(
        Checkin(
            id=uuid.uuid4(),
            patient_id=signed_in.id,
            clinic_id=signed_in.clinic_id,
            instrument="phq9",
            instrument_version="1.0.0",
            answers={**answers, "phq9_difficulty": 1},
            payload_hash="seed-history",
            total=6,
            severity="mild",
            safety_endorsed=False,
            safety_level="none",
            completed_at=utcnow() - timedelta(days=3),
            received_at=utcnow() - timedelta(days=3),
        )
    )
    committed_db.commit()
    page.goto("/#/history")
    wait_for_app(page)
    rows = page.locator(".history-list li")
    rows.first.wait_for()

    held = stall(page, HUNG_NETWORK)
    page.reload(wait_until="commit")
    rows.first.wait_for(timeout=AT_ONCE_MS)
    assert rows.all_inner_texts()[0].endswith("6 out of 27, in the mild range")
    wait_for_held(page, held, "/api/v1/me/checkins")
    assert page.get_by_text("when your phone is online").count() == 0

    # The network gives up: the history stays, and says the newest may be missing.
    for route in held:
        route.abort("internetdisconnected")
    page.get_by_text("Your newest check-ins will show here when your phone is online.").wait_for()
    assert rows.all_inner_texts()[0].endswith("6 out of 27, in the mild range")
    assert_accessible(page, "history from the phone")
