"""The clinic's alert inbox in real Chromium: the open cases by priority, "Showing n of N",
and "Load more" until every case is on the page (issue #14 finding 1: nothing silently
beyond a limit)."""

import pytest
import sqlalchemy as sa

from tests.support.cases import raise_test_alert
from tests.support.live import assert_accessible as axe

PASSWORD = "clinic inbox browser test password"
EXTRA = 60


@pytest.fixture
def crowded_clinic(committed_db):
    """The demo clinic (committed) with EXTRA more patients, each with an open routine case."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.models import Case, StaffUser
    from api.patients.operations import enrol_patient

    demo._create_clinic()
    staff = committed_db.scalar(sa.select(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL))
    staff.password_hash = hash_password(PASSWORD)
    for n in range(EXTRA):
        patient = enrol_patient(staff.clinic, display_name=f"Crowded {n:02d}")
        raise_test_alert(patient, "not_on_track", "routine", "Not on track (test)")
    committed_db.commit()
    open_cases = committed_db.scalar(
        sa.select(sa.func.count(Case.id)).where(
            Case.clinic_id == staff.clinic_id, Case.status != "resolved"
        )
    )
    return demo.CLINICIAN_EMAIL, open_cases


@pytest.mark.browser
def test_the_inbox_shows_the_counts_and_loads_every_alert(
    clinic_browser, clinic_server, crowded_clinic
):
    email, total = crowded_clinic
    assert total > 50  # more than one page

    def scenario(browser):
        context = browser.new_context(
            base_url=clinic_server, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            page.goto("/clinic/")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#panel-rows tr")
            page.get_by_role("link", name="Alerts").first.click()
            page.wait_for_function("() => document.querySelectorAll('#alert-list li').length")
            cards = page.locator("#alert-list > li")
            assert cards.count() == 50
            assert page.locator("#alert-summary").inner_text() == (
                f"Showing 50 of {total} cases not resolved"
            )
            counts = page.locator("#alert-counts").inner_text()
            assert f"{EXTRA}" in counts and "routine open" in counts, counts
            assert page.locator("#alert-count").inner_text() == f"{total} open"  # the badge
            more = page.get_by_role("button", name="Load more")
            more.click()
            page.wait_for_function(
                f"() => document.querySelectorAll('#alert-list > li').length === {total}"
            )
            assert page.locator("#alert-summary").inner_text() == (
                f"Showing {total} of {total} cases not resolved"
            )
            assert more.is_hidden()
            ids = page.eval_on_selector_all(
                "#alert-list > li", "els => els.map(e => e.dataset.case)"
            )
            assert len(set(ids)) == total  # none twice
            axe(page, "alerts, every page loaded")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
