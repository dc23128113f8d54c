"""A course plan in real Chromium at 1366 and 768 px (#19 items 4 and 5): the clinician plans
the current course on the esketamine label's schedule, sees the phase and the next session
due, the chart shades the phase along its foot, and the panel row says when the next
session is due. axe finds nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.browser import clinic_page, committed_clinician, screenshot, sign_in_clinic
from tests.support.live import assert_accessible as axe

PASSWORD = "course plan browser test password"


@pytest.fixture
def course_clinic(committed_db):
    """A committed clinic, a clinician, and a patient with four sessions of one course."""
    from api.models import TreatmentCourse, TreatmentSession
    from api.patients.operations import enrol_patient
    from api.pipeline.summary import refresh

    clinic, nurse = committed_clinician(committed_db, PASSWORD, "Course clinic", "Dr. Plan")
    patient = enrol_patient(clinic, display_name="Alex Course")
    start = datetime.now(UTC).replace(hour=15, minute=0) - timedelta(days=11)
    course = TreatmentCourse(patient_id=patient.id, label="Esketamine", started_at=start)
    committed_db.add(course)
    committed_db.flush()
    for days in (0, 3, 7, 10):
        committed_db.add(
            TreatmentSession(
                patient_id=patient.id,
                course_id=course.id,
                administered_at=start + timedelta(days=days),
                modality="intranasal",
                dose_mg=56,
            )
        )
    refresh(patient.id)
    committed_db.commit()
    return {"email": nurse.email, "patient": str(patient.id), "course": course.id}


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_planning_a_course_shows_the_phase_the_next_session_and_the_strip(
    clinic_browser, clinic_server, course_clinic, width
):
    problems = []

    def scenario(browser):
        context, page = clinic_page(browser, clinic_server, width, problems)
        try:
            sign_in_clinic(page, course_clinic["email"], PASSWORD)
            page.goto(f"/clinic/patients/{course_clinic['patient']}")
            card = page.locator("#courses")
            card.wait_for()
            assert "No phases set" in card.inner_text()
            card.get_by_text("Set the phases").click()
            card.get_by_label("Schedule").select_option("esketamine_label")
            assert card.locator("[data-phase]").count() == 3
            assert card.get_by_label("Sessions").first.input_value() == "8"
            axe(page, "the course plan form")
            card.get_by_role("button", name="Save phases").click()
            page.wait_for_function(
                "() => /Induction/.test(document.querySelector('#courses .standing')"
                "?.textContent || '')"
            )
            text = page.locator("#courses .standing").inner_text()
            assert "4 of 8 sessions given" in text and "next due" in text, text
            page.wait_for_function(
                "() => document.getElementById('trend-canvas').dataset.drawn === 'true'"
            )
            phases = page.evaluate(
                """() => Chart.getChart(document.getElementById("trend-canvas"))
                    .options.plugins.waypointOverlay.phases.map((p) => p.name)"""
            )
            assert phases == ["induction"]
            # A session marker's words carry the route, dose, blood-pressure peak and
            # dissociation (#19 item 5): the highest reading, the CADSS form named.
            words = page.evaluate(
                """async () => (await import("/pwa/clinic/trend_chart.js")).sessionWords({
                    administered_at: "2026-11-20T15:00:00Z", modality: "intranasal",
                    dose_mg: 56, course_label: "Esketamine", cadss: 9, cadss_form: "cadss6",
                    moaas: 4, readings: [{systolic: 138, diastolic: 84},
                                         {systolic: 152, diastolic: 94}]})"""
            )
            assert words.endswith("BP peak 152/94; CADSS-6 9; MOAA/S 4"), words
            assert "Intranasal 56 mg (Esketamine)" in words, words
            screenshot(page, "course-plan")
            axe(page, "the patient page with a planned course")

            page.get_by_role("link", name="Patients").first.click()
            row = page.locator(f"#panel-rows tr[data-patient='{course_clinic['patient']}']")
            row.wait_for()
            assert "Induction: next due" in row.inner_text()
        finally:
            context.close()

    clinic_browser.run(scenario)
    assert problems == []
