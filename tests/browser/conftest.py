"""Browser fixtures: the app on a real port, Debian's Chromium through Playwright, helpers.

The live server is its own app instance (plain HTTP, so the session cookie is not Secure)
on the run's migrated database; rows the tests create are committed and removed after each
test by ``committed_db``.
"""

import uuid

import pytest

from tests.support.browser import OFFLINE_NOISE
from tests.support.home_doses import dosing_factory
from tests.support.live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    serving,
    vapid_public_key,
)
from tests.support.live import assert_accessible as assert_accessible  # the tests import it here


@pytest.fixture(scope="session")
def live_server(app, database_url, redis_url):
    """The app on a free 127.0.0.1 port, over HTTP, on this run's database (a ``LiveServer``)."""
    with serving(
        database_url,
        redis_url,
        SECRET_KEY="browser-test-secret-key",
        VAPID_PUBLIC_KEY=vapid_public_key(),
    ) as server:
        yield server


@pytest.fixture(scope="session")
def playwright():
    """Playwright's driver, once per run (its sync API allows only one at a time)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    """One Chromium for the whole run (starting it is the slow part)."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def context_options():
    """Extra ``new_context`` options; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def context(browser, live_server, context_options):
    """A fresh browser profile (cookies, storage, service worker) for one test, 320 px wide."""
    ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 320, "height": 720}, **context_options
    )
    ctx.set_default_timeout(10_000)
    ctx.problems = []
    ctx.expected_console = list(OFFLINE_NOISE)  # a test may add what it provokes on purpose

    def watch(page):
        def on_console(message):
            text = message.text
            if message.type == "error" and not any(e in text for e in ctx.expected_console):
                ctx.problems.append(text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: ctx.problems.append(f"uncaught: {error}"))

    ctx.on("page", watch)
    yield ctx
    ctx.close()
    # A CSP violation, a failed module or an uncaught error is a failure of the app.
    assert ctx.problems == []


@pytest.fixture
def page(context):
    """A tab of the test's browser profile."""
    return context.new_page()


@pytest.fixture
def enrolled(committed_db, app):
    """Make a committed clinic and patient; returns (patient, invite token)."""
    from api.auth.operations import create_invite
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    def make(display_name="Sam Rivera", **clinic_fields):
        clinic = Clinic(name=f"Clinic {uuid.uuid4().hex[:8]}", **clinic_fields)
        committed_db.add(clinic)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name=display_name)
        with app.test_request_context():
            token = create_invite(patient).rsplit("/", 1)[1]
        committed_db.commit()
        return patient, token

    return make


@pytest.fixture
def signed_in(context, enrolled):
    """A patient signed in on the test's browser profile through the redeem API."""
    patient, token = enrolled()
    response = context.request.post("/api/v1/auth/redeem", data={"token": token})
    assert response.status == 200, response.text()
    return patient


@pytest.fixture
def dosing(committed_db, context, enrolled):
    """A signed-in patient with a home-dosing plan; ``dosing(taken_hours_ago=[30])`` also
    records doses the server knows of. Returns the patient."""
    return dosing_factory(committed_db, context, enrolled)
