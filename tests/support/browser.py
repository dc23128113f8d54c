"""Helpers of the patient-app tests in Chromium (fixtures stay in tests/browser/conftest.py)."""

from sqlalchemy import select

from tests.support.live import (
    ARTIFACTS,
)
from tests.support.live import assert_accessible as assert_accessible  # the tests import it here

#: Console noise a browser makes by design while the test has taken the network away.
OFFLINE_NOISE = ("ERR_INTERNET_DISCONNECTED", "Failed to fetch", "ERR_NETWORK_CHANGED")


def checkins_of(db_session, patient_id):
    """The patient's stored check-ins, read fresh from the database."""
    from api.models import Checkin

    db_session.rollback()  # a new snapshot: the live server committed in another connection
    query = select(Checkin).where(Checkin.patient_id == patient_id).order_by(Checkin.received_at)
    return db_session.scalars(query).all()


def wait_for_app(page):
    """Until the app has started and drawn its first screen."""
    page.wait_for_selector("html[data-ready='true']")


def read_meta(page, key):
    """A fact the app keeps in IndexedDB (its ``meta`` store), or None; only once the app ran."""
    return page.evaluate(
        """(key) => new Promise((resolve, reject) => {
            const open = indexedDB.open("waypoint");
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
                const get = open.result.transaction("meta").objectStore("meta").get(key);
                get.onsuccess = () => {
                    resolve(get.result ? get.result.value : null);
                    open.result.close();
                };
                get.onerror = () => reject(get.error);
            };
        })""",
        key,
    )


def wait_for_service_worker(page):
    """Until a service worker controls the page."""
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null"
    )


def screenshot(page, name):
    """Save a full-page screenshot to tests/artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def committed_clinician(session, password, clinic_name, staff_name, role="clinician"):
    """A committed clinic of its own and a staff member of it whose password is ``password``
    (the clinic views' browser tests sign in as them). Returns (clinic, staff)."""
    import uuid

    from api.auth.passwords import hash_password
    from api.models import Clinic, StaffUser

    tag = uuid.uuid4().hex[:8]
    clinic = Clinic(name=f"{clinic_name} {tag}")
    session.add(clinic)
    session.flush()
    staff = StaffUser(
        clinic_id=clinic.id,
        email=f"staff-{tag}@example.org",
        name=staff_name,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(staff)
    session.flush()
    return clinic, staff


def clinic_page(browser, base_url, width, problems, expected=()):
    """A new context and page at ``width`` px whose console errors (but the ``expected``
    refusals) and uncaught errors are appended to ``problems``. Returns (context, page)."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()

    def on_console(message):
        if message.type == "error" and not any(e in message.text for e in expected):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    return context, page


def sign_in_clinic(page, email, password):
    """Sign in on the clinic views and wait for the panel."""
    page.goto("/clinic/")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#panel-rows tr")
