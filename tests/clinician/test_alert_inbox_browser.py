"""The clinic's alert inbox in real Chromium: the open counts by priority, "Showing n of N",
and "Load more" until every alert is on the page (issue #14 finding 1: nothing silently
beyond a limit)."""

import uuid

import pytest
import sqlalchemy as sa

from tests.support.live import assert_accessible as axe

PASSWORD = "clinic inbox browser test password"
EXTRA = 60


@pytest.fixture
def crowded_clinic(committed_db):
    """The demo clinic (committed) with EXTRA more open routine alerts over its patients."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.models import Alert, Patient, StaffUser
    from api.models.base import utcnow

    demo._create_clinic()
    staff = committed_db.scalar(sa.select(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL))
    staff.password_hash = hash_password(PASSWORD)
    patients = committed_db.scalars(
        sa.select(Patient).where(Patient.clinic_id == staff.clinic_id)
    ).all()
    for n in range(EXTRA):
        patient = patients[n % len(patients)]
        committed_db.add(
            Alert(
                clinic_id=patient.clinic_id,
                patient_id=patient.id,
                dedupe_key=f"test:{uuid.uuid4()}",
                rule="not_on_track",
                priority="routine",
                reason="Not on track (test)",
                status="open",
                created_at=utcnow(),
            )
        )
    committed_db.commit()
    open_alerts = committed_db.scalar(
        sa.select(sa.func.count(Alert.id)).where(
            Alert.clinic_id == staff.clinic_id, Alert.status == "open"
        )
    )
    return demo.CLINICIAN_EMAIL, open_alerts


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
            assert page.locator("#alert-summary").inner_text() == f"Showing 50 of {total} open"
            counts = page.locator("#alert-counts").inner_text()
            assert f"{EXTRA}" in counts and "routine open" in counts, counts
            assert page.locator("#alert-count").inner_text() == f"{total} open"  # the badge
            more = page.get_by_role("button", name="Load more")
            more.click()
            page.wait_for_function(
                f"() => document.querySelectorAll('#alert-list > li').length === {total}"
            )
            assert page.locator("#alert-summary").inner_text() == f"Showing {total} of {total} open"
            assert more.is_hidden()
            ids = page.eval_on_selector_all(
                "#alert-list > li", "els => els.map(e => e.dataset.alert)"
            )
            assert len(set(ids)) == total  # none twice
            axe(page, "alerts, every page loaded")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
