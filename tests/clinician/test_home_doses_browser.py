"""The dose log beside the trend chart (#20), in Chromium at 1366 and 768 px: the plan in one
line, then each pre-dose check with its time, the gate's outcome, the vitals from the
patient's cuff, the monitor, new symptoms and its after-dose check (answered, missed, due),
newest first; a patient with no plan and no dose has no dose card. The plan a clinician sets,
changes and stops on the patient page, the API's refusals beside their fields. axe finds
nothing."""

import uuid
from datetime import timedelta

import pytest

from tests.support.browser import clinic_page, committed_clinician, screenshot, sign_in_clinic
from tests.support.home_doses import record_dose
from tests.support.live import assert_accessible as axe

PASSWORD = "home doses browser password"
EXPECTED = ("status of 422",)


@pytest.fixture
def dosing_clinic(committed_db):
    """A clinic, a prescriber, a patient with a plan and four checks, and one without."""
    from api.dosing.operations import set_plan
    from api.models.base import utcnow
    from api.patients.operations import enrol_patient

    clinic, staff = committed_clinician(committed_db, PASSWORD, "Home clinic", "Pat Prescriber")
    patient = enrol_patient(clinic, display_name="Robin Home")
    other = enrol_patient(clinic, display_name="Sky Clinic")
    committed_db.flush()
    plan = set_plan(
        patient, {"form": "sublingual_troche", "dose_mg": 200, "doses_prescribed": 6}, staff
    )
    now = utcnow()
    plan.prescription_started_at = now - timedelta(days=10)

    def dose(hours_ago, **fields):
        record_dose(committed_db, patient, now - timedelta(hours=hours_ago), "x", **fields)

    dose(100, post_check_at=now - timedelta(hours=97))
    dose(
        30,
        post_check_missed_at=now - timedelta(hours=26),
        post_check_at=None,
    )
    dose(
        5,
        systolic=172,
        diastolic=96,
        gate_ok=False,
        gate_reasons=["bp_high"],
        dosed_at=None,
        post_check_due_at=None,
    )
    dose(1)
    committed_db.commit()
    return {"email": staff.email, "patient": str(patient.id), "other": str(other.id)}


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_the_dose_log_sits_beside_the_trend_chart(
    clinic_browser, clinic_server, dosing_clinic, width
):
    problems = []

    def scenario(browser):
        context, page = clinic_page(browser, clinic_server, width, problems)
        try:
            sign_in_clinic(page, dosing_clinic["email"], PASSWORD)
            page.goto(f"/clinic/patients/{dosing_clinic['patient']}")
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            card = page.locator("section", has=page.get_by_role("heading", name="Doses at home"))
            # Right after the trend card, before everything else on the page.
            following = page.locator("section:has(#trend-heading) + section #doses-heading")
            assert following.count() == 1
            plan = card.locator("#dose-plan").inner_text()
            assert plan.startswith("Sublingual troche 200 mg; at least 72 h apart, at most 2 in 7")
            assert "3 of 6 prescribed doses taken" in plan
            assert "No dose over 160/90 or heart rate over 100; a monitor present." in plan
            rows = card.locator("#dose-log tbody tr")
            assert rows.count() == 4
            cells = rows.evaluate_all(
                "rows => rows.map(r => [...r.cells].slice(1).map(c => c.innerText))"
            )
            assert cells[0][:5] == ["Dose taken", "128/82", "74", "Yes", "No"]
            assert cells[0][5].startswith("Due ")
            assert cells[1][:3] == [
                "Held back: blood pressure over the plan's limit",
                "172/96",
                "74",
            ]
            assert cells[1][5] == "—"
            assert cells[2][0] == "Dose taken" and cells[2][5].startswith("Missed (care team told")
            assert cells[3][5].startswith("Answered ")
            # The held check and the missed check stand out.
            assert rows.nth(1).locator(".flag").count() == 1
            assert rows.nth(2).locator(".flag").count() == 1
            axe(page, f"dose log {width}")
            screenshot(page, "clinic-dose-log")
            # A patient with neither a plan nor a dose: no dose card.
            page.goto(f"/clinic/patients/{dosing_clinic['other']}")
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            assert page.get_by_role("heading", name="Doses at home").count() == 0
        finally:
            context.close()

    clinic_browser.run(scenario)
    assert problems == []


def _stored(app, patient_id):
    """(the patient's plan row as a dict or None, {audit action: count}), read afresh in an
    app context of its own (the browser scenario runs in another thread)."""
    import sqlalchemy as sa

    from api.extensions import db
    from api.models import AuditEvent, HomeDosingPlan

    with app.app_context():
        row = db.session.get(HomeDosingPlan, uuid.UUID(patient_id))
        counts = dict(
            db.session.execute(
                sa.select(AuditEvent.action, sa.func.count(AuditEvent.id))
                .where(
                    AuditEvent.object_id == patient_id,
                    AuditEvent.action.in_(("dosing.plan_set", "dosing.plan_stopped")),
                )
                .group_by(AuditEvent.action)
            ).all()
        )
        plan = row and {"active": row.active, "version": row.version, **row.plan}
        db.session.remove()
    return plan, counts


def _refused_beside(form, name):
    """The API's message shown right after the field named ``name``, the field marked."""
    control = form.locator(f"[name='{name}']")
    assert control.get_attribute("aria-invalid") == "true"
    note = form.locator(f"[name='{name}'] + .field-error")
    assert note.count() == 1
    assert note.get_attribute("id") in control.get_attribute("aria-describedby")
    return note.inner_text()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_a_clinician_sets_changes_and_stops_the_plan(
    app, clinic_browser, clinic_server, dosing_clinic, width
):
    problems = []
    patient = dosing_clinic["other"]

    def scenario(browser):
        context, page = clinic_page(browser, clinic_server, width, problems, EXPECTED)
        try:
            sign_in_clinic(page, dosing_clinic["email"], PASSWORD)
            page.goto(f"/clinic/patients/{patient}")
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            card = page.locator("section", has=page.get_by_role("heading", name="Home-dosing plan"))
            card.get_by_text("No home-dosing plan.").wait_for()
            card.get_by_text("Set a home-dosing plan").click()
            form = card.get_by_role("form", name="Home-dosing plan")
            axe(page, f"plan form {width}")
            # No dose, no prescription, a limit no plan writes: refused beside each field.
            form.get_by_label("Form").select_option("oral")
            form.get_by_label("Doses on this prescription").fill("0")
            form.get_by_label("No dose over this systolic").fill("250")
            form.get_by_role("button", name="Start home dosing").click()
            page.wait_for_selector("#dose-plan-form .field-error")
            assert _refused_beside(form, "dose_mg")
            assert "equal to 60" in _refused_beside(form, "doses_prescribed")
            assert "equal to 200" in _refused_beside(form, "systolic_max")
            axe(page, f"plan form refused {width}")
            screenshot(page, "clinic-dose-plan-refused")
            assert _stored(app, patient) == (None, {})
            # Corrected; the systolic left blank is the usual 160.
            form.get_by_label("Dose (mg)").fill("150")
            form.get_by_label("Doses on this prescription").fill("4")
            form.get_by_label("No dose over this systolic").fill("")
            form.get_by_label("The monitor's name (optional)").fill("Jordan (partner)")
            form.get_by_role("button", name="Start home dosing").click()
            page.get_by_role("heading", name="Doses at home").wait_for()
            line = page.locator("#dose-plan").inner_text()
            assert line.startswith("Oral 150 mg; at least 72 h apart, at most 2 in 7 days; 0 of 4")
            assert "heart rate over 100; Jordan (partner) present as monitor." in line
            plan, audited = _stored(app, patient)
            assert (plan["active"], plan["version"], plan["systolic_max"]) == (True, 1, 160)
            assert plan["monitor_name"] == "Jordan (partner)"
            assert audited == {"dosing.plan_set": 1}
            # Changed: the form holds the plan as it is; a missed time before the check's
            # own time is refused beside it.
            card.get_by_text("Change the plan").click()
            assert form.get_by_label("Dose (mg)").input_value() == "150"
            form.get_by_label("At most this many in 7 days").fill("1")
            form.get_by_label("Care team told if unanswered after (minutes)").fill("100")
            form.get_by_label("A monitor must be present").uncheck()
            form.get_by_role("button", name="Save the plan").click()
            page.wait_for_selector("#dose-plan-form .field-error")
            assert "later than" in _refused_beside(form, "post_check_missed_minutes")
            assert _stored(app, patient)[0]["version"] == 1
            form.get_by_label("Care team told if unanswered after (minutes)").fill("300")
            form.get_by_role("button", name="Save the plan").click()
            page.wait_for_function(
                "() => document.querySelector('#dose-plan')?.innerText.includes('at most 1 in 7')"
            )
            assert "present as monitor" not in page.locator("#dose-plan").inner_text()
            card.get_by_text("Change the plan").click()  # the form holds the name kept
            assert form.get_by_label("The monitor's name (optional)").input_value() == (
                "Jordan (partner)"
            )
            plan, audited = _stored(app, patient)
            assert (plan["version"], plan["max_per_week"], plan["monitor_required"]) == (
                2,
                1,
                False,
            )
            assert plan["post_check_missed_minutes"] == 300
            assert audited == {"dosing.plan_set": 2}
            # Stopped, after one more question.
            card.get_by_role("button", name="Stop home dosing").click()
            axe(page, f"plan stop {width}")
            card.get_by_role("button", name="Yes, stop home dosing").click()
            card.get_by_text("No home-dosing plan.").wait_for()
            assert card.get_by_role("button", name="Stop home dosing").count() == 0
            plan, audited = _stored(app, patient)
            assert plan["active"] is False
            assert audited == {"dosing.plan_set": 2, "dosing.plan_stopped": 1}
        finally:
            context.close()

    clinic_browser.run(scenario)
    assert problems == []
