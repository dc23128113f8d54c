"""Issue #18 in Chromium: one status on the panel, the patient page and the chart, and a
baseline that says when it came after the first session and cannot count response.

Two patients of the demo clinic: PHQ-9 20 before the first session, then 2 and 8 a week apart
("worsening after response", never "Responding"); and a first PHQ-9 of 9 the day after the
first session, then 2 ("improving", baseline after the first session, not measurable)."""

from datetime import datetime, timedelta

import pytest

import surveys
from tests.support.answers import answers_for
from tests.support.intake import clear_intake
from tests.support.live import ARTIFACTS
from tests.support.live import assert_accessible as axe

PASSWORD = "measures browser test password"


@pytest.fixture
def measured_clinic(committed_db):
    from api import demo
    from api.auth.passwords import hash_password
    from api.checkins.operations import scored_checkin
    from api.models import StaffUser, TreatmentCourse, TreatmentSession
    from api.models.base import utcnow
    from api.patients.operations import enrol_patient
    from api.pipeline.summary import refresh

    demo._create_clinic()
    staff = committed_db.query(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL).one()
    staff.password_hash = hash_password(PASSWORD)
    phq9 = surveys.get_definition("phq9")
    now = utcnow()

    def patient(name, session_day, totals):
        row = enrol_patient(staff.clinic, display_name=name)
        clear_intake(row, staff)  # the screen is clear: a next course may be planned
        course = TreatmentCourse(patient_id=row.id, label="Induction", started_at=session_day)
        committed_db.add(course)
        committed_db.flush()
        committed_db.add(
            TreatmentSession(
                patient_id=row.id,
                course_id=course.id,
                administered_at=session_day,
                modality="iv",
                dose_mg=35,
            )
        )
        for at, total in totals:
            answers = answers_for("phq9", total)
            committed_db.add(
                scored_checkin(row, phq9, answers, surveys.score(phq9, answers), completed_at=at)
            )
        committed_db.flush()
        refresh(row.id)
        return row.id

    ids = {
        "relapse": patient(
            "Riley Relapse",
            now - timedelta(days=21),
            [
                (now - timedelta(days=22), 20),
                (now - timedelta(days=14), 2),
                (now - timedelta(days=1), 8),
            ],
        ),
        "small": patient(
            "Sam Small",
            now - timedelta(days=20),
            [(now - timedelta(days=19), 9), (now - timedelta(days=5), 2)],
        ),
    }
    committed_db.commit()
    return ids


@pytest.mark.browser
def test_one_status_and_an_honest_baseline_on_every_screen(
    clinic_browser, clinic_server, measured_clinic
):
    from api import demo

    def scenario(browser):
        context = browser.new_context(
            base_url=clinic_server,
            viewport={"width": 1366, "height": 1000},
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            page.goto("/clinic/")
            page.fill("#email", demo.CLINICIAN_EMAIL)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#panel-rows tr")
            relapse = page.locator(f"#panel-rows tr[data-patient='{measured_clinic['relapse']}']")
            assert "Worsening after response (relapse watch)" in relapse.inner_text()
            assert "Responding" not in relapse.inner_text()
            small = page.locator(f"#panel-rows tr[data-patient='{measured_clinic['small']}']")
            text = small.inner_text()
            assert "Improving" in text and "(after first session)" in text, text
            assert "not measurable for response (baseline 9, not above 9)" in text, text

            relapse.get_by_role("link", name="Riley Relapse").click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            heading = page.locator("h1").inner_text()
            assert "Worsening after response (relapse watch)" in heading, heading
            stats = page.get_by_label("PHQ-9 this course").inner_text()
            assert "Worsening after response (relapse watch)" in stats, stats
            assert "Responding" not in stats and "before the first session" in stats
            assert "Reached earlier; rising since (relapse watch)" in stats, stats
            assert "5 points, minimal clinically important difference" in stats
            label = page.get_attribute("#trend-canvas", "aria-label")
            assert "worsening after response" in label and "before the first session" in label
            axe(page, "patient page, worsening after response")

            page.get_by_role("link", name="← All patients").click()
            page.wait_for_selector("#panel-rows tr")
            small = page.locator(f"#panel-rows tr[data-patient='{measured_clinic['small']}']")
            small.get_by_role("link", name="Sam Small").click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            stats = page.get_by_label("PHQ-9 this course").inner_text()
            assert "after the first session (no check-in in the 14 days before it)" in stats
            assert "Not measurable for response (baseline 9, not above 9)" in stats, stats
            lines = page.evaluate(
                """() => Chart.getChart(document.getElementById("trend-canvas"))
                    .options.plugins.waypointOverlay.lines.map((l) => [l.axis, l.label])"""
            )
            # No response or remission line from a baseline that cannot count them.
            assert [line for line in lines if line[0] == "y"] == [
                ["y", "Baseline 9 (after first session; not measurable for response)"]
            ], lines
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "measures-after-first-session.png"))
            axe(page, "patient page, baseline after the first session")

            # A next course planned from the page: its pre-treatment check-ins are due.
            page.get_by_text("Plan a course", exact=True).click()
            page.fill("#plan-label", "Second induction")
            start = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
            page.fill("#plan-start", start)
            page.get_by_role("button", name="Plan course").click()
            page.wait_for_selector("#planned-courses")
            planned = page.locator("#planned-courses").inner_text()
            assert "Second induction: first session planned" in planned, planned
            # The PHQ-9 of 5 days ago falls in the 14 days before it: already its baseline.
            assert "GAD-7 due" in planned and "PHQ-9" not in planned, planned
            axe(page, "patient page with a planned course")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
