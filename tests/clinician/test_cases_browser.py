"""Cases in real Chromium at 1366 and 768 px (#17 item 2): one bad evening's alerts are one
card with every reason inside, acknowledged once; the nurse logs a call that went unanswered
and one that reached the patient; resolving asks for the outcome, shows the server's refusal
beside the field it names, and once complete shows the documented outcome; the panel row
then says when the patient was last reached and when the next contact is. axe finds nothing."""

import uuid
from datetime import date, timedelta

import pytest

from tests.support.browser import clinic_page, committed_clinician, screenshot, sign_in_clinic
from tests.support.live import assert_accessible as axe

PASSWORD = "cases browser test password"
#: The refusal the test provokes on purpose (a next contact in the past).
EXPECTED_CONSOLE = ("status of 422",)


@pytest.fixture
def bad_evening(committed_db):
    """A committed clinic whose patient's one check-in raised imminent, urgent and high."""
    from api.models.base import utcnow
    from api.patients.operations import enrol_patient
    from api.pipeline.alerts import raise_alerts
    from api.pipeline.notify import notify_first_round
    from surveys import RuleHit

    clinic, nurse = committed_clinician(committed_db, PASSWORD, "Evening clinic", "Noor Nurse")
    patient = enrol_patient(clinic, display_name="Jamie Evening")
    patient.care_team.append(nurse)
    hits = [
        RuleHit(f"test:{uuid.uuid4()}", "severe", "high", "PHQ-9 of 22: severe."),
        RuleHit(
            f"test:{uuid.uuid4()}",
            "suicidal_ideation",
            "urgent",
            "PHQ-9 item 9 (thoughts of death or self-harm) endorsed.",
        ),
        RuleHit(f"test:{uuid.uuid4()}", "imminent", "imminent", "ASQ: thoughts right now."),
    ]
    notify_first_round(raise_alerts(patient, hits, answered_at=utcnow()), utcnow())
    committed_db.commit()
    return {"email": nurse.email, "patient": str(patient.id), "name": "Jamie Evening"}


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_an_evenings_alerts_are_one_case_acknowledged_called_and_resolved(
    clinic_browser, clinic_server, bad_evening, width
):
    problems = []

    def scenario(browser):
        context, page = clinic_page(browser, clinic_server, width, problems, EXPECTED_CONSOLE)
        try:
            sign_in_clinic(page, bad_evening["email"], PASSWORD)
            page.get_by_role("link", name="Alerts").first.click()
            card = page.locator("#alert-list > li.case")
            card.wait_for()
            assert card.count() == 1
            assert page.locator("#alert-summary").inner_text() == "Showing 1 of 1 case not resolved"
            reasons = card.locator("li.reason .pri").all_inner_texts()
            assert reasons == ["Imminent risk", "Urgent", "High"]
            assert "3 reasons" in card.locator(".case-status").inner_text()
            screenshot(page, "case-open")
            axe(page, "a case with three reasons")

            card.get_by_label("Acknowledgement note (optional)").fill("Calling now.")
            card.get_by_role("button", name="Acknowledge").click()
            # Acknowledged, the card stays under the nurse's hands (the call log, resolve),
            # and in the list at its next load: it still needs its call and its outcome.
            card = page.locator("#alert-list > li.case[data-status='acknowledged']")
            card.wait_for()
            assert "Acknowledged" in card.inner_text() and "Calling now." in card.inner_text()
            assert "waiting since" not in card.locator(".case-status").inner_text()
            # The counts and the nav's badge follow at once, not at the next poll or reload.
            page.wait_for_function(
                "() => /; 1 acknowledged, awaiting an outcome$/"
                ".test(document.getElementById('alert-counts').textContent)"
            )
            assert "0 imminent risk" in page.locator("#alert-counts").inner_text()
            page.locator("#alert-count").wait_for(state="hidden")

            # The call log: no answer, then reached.
            log = card.locator(".contact-form")
            # Nothing is chosen for the nurse: "Choose…" until they say how and what.
            assert log.get_by_label("Result").input_value() == ""
            log.get_by_label("How").select_option("phone")
            log.get_by_label("Result").select_option("tried")
            log.get_by_role("button", name="Log contact").click()
            page.wait_for_selector("#alert-list li.case ol.contacts li[data-result='tried']")
            card = page.locator("#alert-list > li.case")
            log = card.locator(".contact-form")
            log.get_by_label("How").select_option("phone")
            log.get_by_label("Result").select_option("reached")
            log.get_by_label("What was said (optional)").fill("Safe at home with partner.")
            log.get_by_role("button", name="Log contact").click()
            page.wait_for_selector("#alert-list li.case ol.contacts li[data-result='reached']")
            card = page.locator("#alert-list > li.case")
            assert card.locator("ol.contacts li").count() == 2

            # Resolve: the outcome an imminent case needs; a next contact in the past is
            # refused by the server, its words beside the date field.
            card.locator("details.resolve > summary").click()
            form = card.locator(".resolve-form")
            # Nothing is assumed: "reached?" has no answer until the nurse gives one.
            assert form.locator("input[name=made]:checked").count() == 0
            # Each answer's words are a row a thumb hits: 44 px high, whatever the screen.
            heights = form.locator(".choice label").evaluate_all(
                "labels => labels.map(l => l.getBoundingClientRect().height)"
            )
            assert heights and min(heights) >= 44, heights
            form.get_by_label("Yes").check()
            form.get_by_label("How they were reached").select_option("phone")
            form.get_by_label("Moderate").check()
            form.get_by_label("Safety plan made or reviewed").check()
            form.get_by_label("Seen the same day").check()
            past = (date.today() - timedelta(days=2)).isoformat()
            form.get_by_label("Next contact").fill(past)
            form.get_by_role("button", name="Resolve case").click()
            error = form.locator(".field-error")
            error.wait_for()
            assert error.inner_text() == "Today or later."
            next_field = form.get_by_label("Next contact")
            assert next_field.get_attribute("aria-invalid") == "true"
            screenshot(page, "case-resolve-refused")
            axe(page, "the outcome form with a refusal")
            tomorrow = (date.today() + timedelta(days=1)).isoformat()
            next_field.fill(tomorrow)
            form.get_by_role("button", name="Resolve case").click()
            page.get_by_text("No cases here.").wait_for()

            page.select_option("#alert-status", "resolved")
            card = page.locator("#alert-list > li.case[data-status='resolved']")
            card.wait_for()
            outcome = card.locator(".outcome").inner_text()
            assert "Moderate" in outcome and "Seen the same day" in outcome, outcome
            assert "Reached by phone" in outcome
            assert card.locator(".resolve-form").count() == 0
            screenshot(page, "case-resolved")
            axe(page, "a resolved case with its outcome")

            page.get_by_role("link", name="Patients").first.click()
            row = page.locator(f"#panel-rows tr[data-patient='{bad_evening['patient']}']")
            row.wait_for()
            text = row.inner_text()
            assert "Reached" in text and "Next contact" in text, text
            axe(page, "the panel with its follow-up column")
        finally:
            context.close()

    clinic_browser.run(scenario)
    assert problems == []


@pytest.mark.browser
def test_an_urgent_case_nobody_was_told_of_says_so(clinic_browser, clinic_server):
    """A walk found an urgent case with no delivery at all reading "No notification was
    needed": for an urgent or imminent case that is a gap in who can be reached, and the
    card and its deliveries table say so; a routine case with none is simply not notified."""

    def scenario(browser):
        page = browser.new_page()
        try:
            page.goto(f"{clinic_server}/clinic/")
            return page.evaluate(
                """async () => {
                    const m = await import("/pwa/clinic/alert_parts.js");
                    const none = { sent: 0, pending: 0, failed: 0 };
                    const cell = (p) => m.deliveriesTable([], p).querySelector("td").textContent;
                    return {
                        urgent: m.deliverySummary(none, "urgent"),
                        routine: m.deliverySummary(none, "routine"),
                        sent: m.deliverySummary({ ...none, sent: 2 }, "imminent"),
                        urgentTable: cell("urgent"),
                        routineTable: cell("routine"),
                    };
                }"""
            )
        finally:
            page.close()

    words = clinic_browser.run(scenario)
    assert words["urgent"].startswith("Notifications: 0 sent, 0 pending, 0 failed. No ")
    assert "can be reached" in words["urgent"] and "can be reached" in words["urgentTable"]
    assert words["routine"] == "Notifications: 0 sent, 0 pending, 0 failed"
    assert words["sent"] == "Notifications: 2 sent, 0 pending, 0 failed"
    assert words["routineTable"] == "No notification was needed."
