"""The clinic views in real Chromium show an unfinished check-in and its alert: when the patient
answered, the answer in the PHQ-9's own words, and the answers given before it was left
(issue #15 items 1 and 5)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.support.live import ARTIFACTS
from tests.support.live import assert_accessible as axe

PASSWORD = "clinic answers browser test password"
NAME = "Jordan Unfinished"


@pytest.fixture
def waiting_patient(app, committed_db):
    """The demo clinic (committed) with one more patient, holding an unused invite."""
    from api import demo
    from api.auth.operations import create_invite
    from api.auth.passwords import hash_password
    from api.models import Clinic, StaffUser
    from api.patients.operations import enrol_patient

    demo._create_clinic()
    staff = committed_db.scalar(sa.select(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL))
    staff.password_hash = hash_password(PASSWORD)
    clinic = committed_db.get(Clinic, staff.clinic_id)
    patient = enrol_patient(clinic, display_name=NAME, care_team=[staff])
    committed_db.commit()
    with app.test_request_context():
        token = create_invite(patient).rsplit("/", 1)[1]
        committed_db.commit()
    return demo.CLINICIAN_EMAIL, token


@pytest.mark.browser
def test_an_unfinished_checkin_and_its_alert_say_when_and_what(
    clinic_browser, clinic_server, waiting_patient
):
    email, token = waiting_patient
    # Answered two days ago on a phone that was offline, and never finished.
    answered = datetime.now(UTC) - timedelta(days=2, hours=3)
    signal = {
        "id": str(uuid.uuid4()),
        "instrument": "phq9",
        "answers": {"phq9_1": 1, "phq9_2": 2, "phq9_9": 3},
        "answered_at": answered.isoformat(),
    }

    def scenario(browser):
        phone = browser.new_context(base_url=clinic_server)
        redeemed = phone.request.post("/api/v1/auth/redeem", data={"token": token})
        assert redeemed.status == 200, redeemed.text()
        csrf = redeemed.json()["csrf_token"]
        sent = phone.request.post(
            "/api/v1/checkins/partial", data=signal, headers={"X-CSRF-Token": csrf}
        )
        assert sent.status == 201, sent.text()
        phone.close()

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
            card = page.locator("#alert-list > li", has_text=NAME)
            card.wait_for()
            text = card.inner_text()
            assert "Urgent" in text
            assert "Answered 2 days ago" in text, text
            assert "kept on the phone while it was offline" in text
            assert "Raised just now" in text or "Raised 1 minute ago" in text, text
            level = card.locator(".safety-answers li[data-item='phq9_9']")
            assert level.locator(".answer-level").inner_text() == "Nearly every day"
            assert "better off dead" in level.inner_text()
            assert "Check-in not finished" in text
            axe(page, "alerts with an unfinished check-in's alert")

            card.get_by_role("link", name=NAME).click()
            page.wait_for_selector("#checkins")
            assert NAME not in page.title()  # no name in the tab or the history
            alert = page.locator("#patient-alerts > li").first
            assert "Nearly every day" in alert.inner_text()
            assert "Answered 2 days ago" in alert.inner_text()
            entry = page.locator("#checkins > li").first
            summary = entry.locator("summary").inner_text()
            assert "Unfinished: answers given before it was left" in summary, summary
            assert "Item 9: Nearly every day" in summary
            entry.locator("summary").click()
            rows = entry.locator("table.answers tbody tr")
            assert rows.count() == 3  # the answers given, no more
            answers = [rows.nth(n).locator("td").nth(1).inner_text() for n in range(3)]
            assert answers == [
                "Several days (1)",
                "More than half the days (2)",
                "Nearly every day (3)",
            ]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "clinic-unfinished-checkin.png"), full_page=True)
            axe(page, "patient with an unfinished check-in")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
