"""Risk stays visible, in real Chromium at 1366 px: a near-zero retake leaves the item-9 flag on
the panel row and the patient page; a new course keeps the relapse flag until it is dismissed
from the page."""

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

import surveys
from tests.support.answers import answers_for
from tests.support.intake import clear_intake
from tests.support.live import ARTIFACTS
from tests.support.live import assert_accessible as axe

PASSWORD = "risk flags browser test password"
VIEWPORT = {"width": 1366, "height": 900}


@pytest.fixture
def flagged_clinic(committed_db):
    """The demo clinic (committed) with a patient who retook a PHQ-9 minutes after an item-9
    answer (alert acknowledged, not resolved) and one worse than their lowest score."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.checkins.operations import scored_checkin
    from api.models import Alert, Patient, StaffUser
    from api.models.base import utcnow
    from api.pipeline.summary import refresh

    demo._create_clinic()
    staff = committed_db.scalar(sa.select(StaffUser).filter_by(email=demo.CLINICIAN_EMAIL))
    staff.password_hash = hash_password(PASSWORD)
    now = utcnow()
    definition = surveys.get_definition("phq9")

    def patient(name, ref):
        row = Patient(clinic_id=staff.clinic_id, display_name=name, ref=ref, timezone="UTC")
        committed_db.add(row)
        committed_db.flush()
        return row

    def checkin(who, total, at, item9=0):
        answers = answers_for("phq9", total, item9)
        row = scored_checkin(
            who, definition, answers, surveys.score(definition, answers), completed_at=at
        )
        committed_db.add(row)
        refresh(who.id)
        return row

    retake = patient("Robin Retake", "RT-1")
    first = checkin(retake, 18, now - timedelta(minutes=3), item9=2)
    committed_db.add(
        Alert(
            clinic_id=staff.clinic_id,
            patient_id=retake.id,
            checkin_id=first.id,
            dedupe_key=f"test:{uuid.uuid4()}",
            rule="suicidal_ideation",
            priority="urgent",
            reason="PHQ-9 item 9 (thoughts of death or self-harm) endorsed.",
            answered_at=first.completed_at,
            status="acknowledged",
            acknowledged_at=now,
            acknowledged_by=staff.id,
            red_flag=True,
        )
    )
    checkin(retake, 1, now)

    relapse = patient("Morgan Relapse", "RL-1")
    clear_intake(relapse, staff)  # the intake signed before a new course
    checkin(relapse, 20, now - timedelta(days=28))
    lowest = checkin(relapse, 7, now - timedelta(days=20))
    checkin(relapse, 16, now - timedelta(days=3))
    committed_db.commit()
    return {
        "email": demo.CLINICIAN_EMAIL,
        "retake": str(retake.id),
        "relapse": str(relapse.id),
        "lowest_at": lowest.completed_at,
    }


def sign_in(page, email):
    page.goto("/clinic/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#panel-rows tr")


def new_context(browser, clinic_server, width=1366):
    context = browser.new_context(
        base_url=clinic_server,
        viewport={**VIEWPORT, "width": width},
        reduced_motion="reduce",
    )
    context.set_default_timeout(10_000)
    return context


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_a_retake_leaves_the_risk_flag_in_place(
    clinic_browser, clinic_server, flagged_clinic, width
):
    def scenario(browser):
        context = new_context(browser, clinic_server, width)
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            sign_in(page, flagged_clinic["email"])
            row = page.locator(f"#panel-rows tr[data-patient='{flagged_clinic['retake']}']")
            text = row.inner_text()
            assert "Positive safety screen" in text, text
            assert re.search(r"Item 9 positive [345] minutes ago", text), text
            assert "Retaken within a day" in text
            assert "In remission" not in text and "Improving" not in text
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"risk-flags-panel-{width}.png"), full_page=True)
            axe(page, "panel with risk flags")

            row.get_by_role("link", name="Robin Retake").click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            card = page.locator("#risk-flags")
            assert re.search(
                r"Item 9 positive [345] minutes ago \(alert not resolved\)", card.inner_text()
            )
            assert "too large to be real change" in card.inner_text()
            stats = page.get_by_label("PHQ-9 this course").inner_text()
            assert "In remission" not in stats and "Retake" in stats, stats
            page.screenshot(path=str(ARTIFACTS / f"risk-flags-patient-{width}.png"), full_page=True)
            axe(page, "patient page with a risk flag")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_a_new_course_keeps_the_relapse_flag_until_dismissed(
    clinic_browser, clinic_server, flagged_clinic, committed_db, width
):
    lowest_day = f"{flagged_clinic['lowest_at']:%b} {flagged_clinic['lowest_at'].day}"

    def scenario(browser):
        context = new_context(browser, clinic_server, width)
        problems = []
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            sign_in(page, flagged_clinic["email"])
            row = page.locator(f"#panel-rows tr[data-patient='{flagged_clinic['relapse']}']")
            assert f"+9 from lowest 7, {lowest_day}" in row.inner_text()
            row.get_by_role("link", name="Morgan Relapse").click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            assert (
                f"PHQ-9 +9 from lowest 7, {lowest_day}" in page.locator("#risk-flags").inner_text()
            )

            # Record a maintenance infusion as a new course: the form says what that does.
            page.get_by_role("button", name="Record a session").click()
            form = page.locator("#session-form")
            form.get_by_label("Course", exact=True).select_option("new")
            warning = form.locator("#session-new-course-note")
            assert "first-ever baseline and the lowest score are kept" in warning.inner_text()
            form.get_by_label("New course name").fill("Maintenance")
            form.get_by_label("Drug", exact=True).select_option("ketamine")
            form.get_by_label("Dose (mg)").fill("35")
            axe(page, "session form starting a new course")
            form.get_by_role("button", name="Record session").click()
            page.wait_for_function(
                "() => document.querySelector('#sessions caption')?.textContent.startsWith('1 ')"
            )
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            flags = page.locator("#risk-flags")
            assert f"+9 from lowest 7, {lowest_day}" in flags.inner_text()
            stats = page.get_by_label("PHQ-9 this course").inner_text()
            assert "From lowest" in stats and "Worse than lowest" in stats, stats
            assert "from baseline" not in stats  # no course change beside it
            page.screenshot(path=str(ARTIFACTS / f"relapse-new-course-{width}.png"), full_page=True)
            axe(page, "patient page with a relapse flag")

            page.get_by_role("link", name="← All patients").click()
            page.wait_for_selector("#panel-rows tr")
            row = page.locator(f"#panel-rows tr[data-patient='{flagged_clinic['relapse']}']")
            assert "Worsening" in row.inner_text()
            assert f"+9 from lowest 7, {lowest_day}" in row.inner_text()

            row.get_by_role("link", name="Morgan Relapse").click()
            page.wait_for_selector("#risk-flags")
            page.get_by_label("Review note (optional)").fill("Reviewed; maintenance booked.")
            page.get_by_role("button", name="Dismiss after review").click()
            page.wait_for_selector("#risk-flags", state="detached")
            axe(page, "patient page after dismissing")
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario)
    from api.models import RiskFlag

    committed_db.expire_all()
    (flag,) = committed_db.scalars(
        sa.select(RiskFlag).where(RiskFlag.patient_id == uuid.UUID(flagged_clinic["relapse"]))
    ).all()
    assert flag.dismiss_note == "Reviewed; maintenance booked." and flag.dismissed_at
