"""The booster forecast in real Chromium (#21): the patient page draws its range as a band on
the trend chart with its day marked and says what it is based on; the panel row says when a
booster is likely due and the panel sorts by it. axe finds nothing."""

import uuid

import pytest

from tests.support.browser import screenshot
from tests.support.forecast_history import write_history
from tests.support.live import assert_accessible as axe

PASSWORD = "booster forecast browser test password"


@pytest.fixture
def forecast_clinic(committed_db):
    """A committed clinic, a clinician, a patient in maintenance with three losses, and one
    with no history."""
    from api.auth.passwords import hash_password
    from api.models import BoosterForecast, Clinic, StaffUser
    from api.patients.operations import enrol_patient
    from api.pipeline.summary import refresh

    tag = uuid.uuid4().hex[:8]
    clinic = Clinic(name=f"Forecast clinic {tag}")
    committed_db.add(clinic)
    committed_db.flush()
    nurse = StaffUser(
        clinic_id=clinic.id,
        email=f"md-{tag}@example.org",
        name="Dr. Forecast",
        role="clinician",
        password_hash=hash_password(PASSWORD),
    )
    committed_db.add(nurse)
    patient = enrol_patient(clinic, display_name="Blake Booster")
    enrol_patient(clinic, display_name="Casey No Forecast")
    write_history(committed_db, patient)
    refresh(patient.id)
    due = committed_db.get(BoosterForecast, patient.id).due_at
    committed_db.commit()
    return {"email": nurse.email, "patient": str(patient.id), "due_ms": due.timestamp() * 1000}


@pytest.mark.browser
def test_the_chart_band_and_the_panel_row_show_the_forecast(
    clinic_browser, clinic_server, forecast_clinic
):
    problems = []

    def scenario(browser):
        context = browser.new_context(
            base_url=clinic_server, viewport={"width": 1366, "height": 900}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            page.goto("/clinic/")
            page.fill("#email", forecast_clinic["email"])
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            row = page.locator(f"#panel-rows tr[data-patient='{forecast_clinic['patient']}']")
            row.wait_for()
            assert "Booster likely due now" in row.inner_text()
            page.locator("#sort").select_option("booster_due")
            page.wait_for_function("() => /booster likely due/i.test(document.body.textContent)")
            page.goto(f"/clinic/patients/{forecast_clinic['patient']}")
            page.wait_for_function(
                "() => document.getElementById('trend-canvas')?.dataset.drawn === 'true'"
            )
            band = page.evaluate(
                """() => Chart.getChart(document.getElementById("trend-canvas"))
                    .options.plugins.waypointOverlay.forecast"""
            )
            assert band["at"] == forecast_clinic["due_ms"]
            assert band["from"] <= band["at"] <= band["to"]
            note = page.locator(".forecast-note").inner_text()
            assert "Based on 3 earlier intervals of 18-25 days" in note, note
            assert "not an instruction" in note
            screenshot(page, "booster-forecast")
            axe(page, "the patient page with a booster forecast")
        finally:
            context.close()

    clinic_browser.run(scenario)
    assert problems == []
