"""Check-ins draw from the phone's own copy of their definitions, under the service worker:
reopened on the crisis pause with the server hanging and offline, the follow-up started
offline, and a new version of a definition taken up by the next check-in, never by the one
under way."""

import copy
import time

import pytest

from tests.support.browser import checkins_of, read_meta, wait_for_app, wait_for_service_worker
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

#: Well under the app's network timeouts (4 s in the service worker, 15 s per request).
AT_ONCE_MS = 2500
#: The service worker's wait for the page itself (1.5 s), then AT_ONCE_MS to draw from the phone.
HUNG_OPEN_MS = 1500 + AT_ONCE_MS
GAD7_3 = "Worrying too much about different things"
GAD7_3_NEW = "Worrying too much about different things (new wording)"


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def tel_links(page):
    """The tap-to-call targets on screen, in order."""
    return page.locator("main a[href^='tel:']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )


def wait_for_definition(page, code, version):
    """Until the phone keeps `version` of the definition `code` (fetched in the background)."""
    deadline = time.monotonic() + 10
    while (read_meta(page, f"definition:{code}") or {}).get("version") != version:
        assert time.monotonic() < deadline, f"{code} {version} never reached the phone"
        page.wait_for_timeout(100)


@pytest.fixture
def new_gad7_version(monkeypatch):
    """Deploy (in the live server's process) GAD-7 1.1.1: new short title, new item 3 wording."""
    import surveys.definitions

    shipped = dict(surveys.definitions._shipped())
    data = copy.deepcopy(dict(shipped["gad7"].data))
    data["version"] = "1.1.1"
    data["short_title"] = "GAD-7 new"
    (item,) = [i for i in data["items"] if i["link_id"] == "gad7_3"]
    item["text"] = GAD7_3_NEW

    def deploy():
        new = surveys.definitions.build_definition(data, "gad7 1.1.1")
        monkeypatch.setattr(surveys.definitions, "_shipped", lambda: {**shipped, "gad7": new})

    return deploy


def test_reopened_offline_on_the_crisis_pause_then_the_follow_up(
    page, context, signed_in, live_server
):
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    page.get_by_role("link", name="Mood check-in").click()
    for number in range(1, 9):
        page.get_by_role("heading", name=f"Question {number} of").wait_for()
        answer(page, "Not at all")
    answer(page, "Several days")
    help_title = page.get_by_role("heading", name="You do not have to go through this alone")
    help_title.wait_for()
    # The follow-up was never asked on this phone; it is kept here before it is needed.
    wait_for_definition(page, "asq", "1.0.0")
    assert_accessible(page, "crisis pause")  # loads axe now, so it is cached for offline

    # Reopened while the server answers nothing: the service worker waits for the page
    # only briefly, and then opens it (and all its files) from its cache.
    with live_server.hanging():
        began = time.monotonic()
        page.reload(wait_until="commit")
        help_title.wait_for(timeout=HUNG_OPEN_MS)
        assert time.monotonic() - began < HUNG_OPEN_MS / 1000
        assert tel_links(page) == ["tel:988", "tel:911"]

    context.set_offline(True)
    page.reload(wait_until="commit")
    help_title.wait_for(timeout=AT_ONCE_MS)
    assert tel_links(page) == ["tel:988", "tel:911"]
    assert page.evaluate("navigator.onLine") is False

    page.get_by_role("button", name="Continue my check-in").click()
    page.get_by_role("heading", name="Question 10 of 10").wait_for(timeout=AT_ONCE_MS)
    answer(page, "Not difficult at all")
    help_title.wait_for(timeout=AT_ONCE_MS)

    # The follow-up starts offline, from this phone's copy of its definition.
    page.get_by_role("link", name="Answer the questions").click()
    page.get_by_role("heading", name="Question 1 of 5").wait_for(timeout=AT_ONCE_MS)
    page.get_by_text("In the past few weeks, have you wished you were dead?").wait_for()
    assert page.get_by_role("complementary", name="Help now").is_visible()
    assert_accessible(page, "follow-up, offline")
    answer(page, "No")
    page.get_by_role("heading", name="Question 2 of 5").wait_for()
    assert page.evaluate("navigator.onLine") is False


def test_a_new_definition_version_waits_for_the_next_check_in(
    page, signed_in, committed_db, new_gad7_version
):
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("link", name="Worry check-in").click()
    eyebrow = page.locator("main .eyebrow")
    for number in (1, 2):
        page.get_by_role("heading", name=f"Question {number} of 8").wait_for()
        answer(page, "Several days")
    page.get_by_text(GAD7_3, exact=True).wait_for()

    new_gad7_version()
    page.reload()
    wait_for_app(page)
    # The app fetched the new version in the background and keeps it for the next check-in...
    wait_for_definition(page, "gad7", "1.1.1")
    # ...while this one, opened again with the new version on the phone, keeps its own.
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Question 3 of 8").wait_for()
    page.get_by_text(GAD7_3, exact=True).wait_for()
    assert eyebrow.inner_text() == "Worry check-in (GAD-7)"
    for number in range(3, 8):
        page.get_by_role("heading", name=f"Question {number} of 8").wait_for()
        assert eyebrow.inner_text() == "Worry check-in (GAD-7)"
        answer(page, "Several days")
    # Then the form's (optional, unscored) difficulty question, verbatim, as question 8 of 8.
    page.get_by_role("heading", name="Question 8 of 8").wait_for()
    page.get_by_text(
        "If you checked off any problems, how difficult have these made it for you to do your "
        "work, take care of things at home, or get along with other people?",
        exact=True,
    ).wait_for()
    answer(page, "Very difficult")
    page.get_by_role("heading", name="Thank you for checking in").wait_for()
    assert read_meta(page, "last")["version"] == "1.1.0"
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'sent'")
    (stored,) = checkins_of(committed_db, signed_in.id)
    assert (stored.instrument, stored.total) == ("gad7", 7)  # the difficulty (2) not counted
    assert stored.answers["gad7_difficulty"] == 2

    # The next check-in is asked with the new version.
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("link", name="Worry check-in").click()
    # A second one today: the app asks first, and going on starts a fresh check-in.
    page.get_by_role("heading", name="You already answered the Worry check-in").wait_for()
    page.get_by_text("once a day is enough").wait_for()
    assert_accessible(page, "same-day retake")
    page.get_by_role("button", name="Answer again").click()
    page.get_by_role("heading", name="Question 1 of 8").wait_for()
    assert eyebrow.inner_text() == "Worry check-in (GAD-7 new)"
    for number in (1, 2):
        page.get_by_role("heading", name=f"Question {number} of 8").wait_for()
        answer(page, "Not at all")
    page.get_by_text(GAD7_3_NEW, exact=True).wait_for()
    assert page.get_by_text(GAD7_3, exact=True).count() == 0
