"""The monitored session in real Chromium at 1366 and 768 px (#19 items 2 and 3): a nurse
records an esketamine session; a pre-dose blood pressure over the label's 140/90 is flagged
in the form as it is typed, before anything is saved, and an SpO2 of 88 % at once as urgent;
the server's refusal (a lot number it cannot be) shows beside its field; once saved, the
session's row shows its flags and links its REMS form, which the due list shows with an
older overdue one, and marking it submitted takes it off the list. axe finds nothing."""

import uuid
from datetime import timedelta

import pytest

from tests.support.browser import screenshot
from tests.support.intake import clear_intake
from tests.support.live import assert_accessible as axe

PASSWORD = "monitored session browser password"
#: The refusal the test provokes on purpose (a lot number with a character it cannot hold).
EXPECTED_CONSOLE = ("status of 422",)


@pytest.fixture
def spravato_clinic(committed_db):
    """A committed clinic, a nurse, a patient, and an older esketamine session whose REMS
    form is overdue (its session was 9 days ago)."""
    from api.auth.passwords import hash_password
    from api.models import Clinic, RemsRecord, StaffUser, TreatmentCourse, TreatmentSession
    from api.models.base import utcnow
    from api.patients.operations import enrol_patient

    tag = uuid.uuid4().hex[:8]
    clinic = Clinic(name=f"Spray clinic {tag}")
    committed_db.add(clinic)
    committed_db.flush()
    nurse = StaffUser(
        clinic_id=clinic.id,
        email=f"nurse-{tag}@example.org",
        name="Nell Nurse",
        role="clinician",
        password_hash=hash_password(PASSWORD),
    )
    committed_db.add(nurse)
    patient = enrol_patient(clinic, display_name="Avery Spray")
    older = enrol_patient(clinic, display_name="Blair Older")
    committed_db.flush()
    clear_intake(patient, nurse)  # the screen is clear: a first course may start
    at = utcnow() - timedelta(days=9)
    course = TreatmentCourse(patient_id=older.id, label="Induction", started_at=at)
    committed_db.add(course)
    committed_db.flush()
    session = TreatmentSession(
        patient_id=older.id,
        course_id=course.id,
        administered_at=at,
        modality="intranasal",
        drug="esketamine",
        dose_mg=56,
        devices=2,
    )
    committed_db.add(session)
    committed_db.flush()
    committed_db.add(
        RemsRecord(
            clinic_id=clinic.id,
            patient_id=older.id,
            session_id=session.id,
            due_at=at + timedelta(days=7),
        )
    )
    committed_db.commit()
    return {"email": nurse.email, "patient": str(patient.id)}


def _local(now, minutes_ago: int) -> str:
    """A datetime-local value ``minutes_ago`` before ``now``, in the browser's zone (UTC here).
    One ``now`` per test: reading the clock for each field could fall either side of a minute
    (90 minutes typed became 91 on a loaded machine)."""
    return (now - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_a_monitored_session_is_flagged_as_typed_and_its_rems_form_is_due(
    clinic_browser, clinic_server, spravato_clinic, width
):
    from api.models.base import utcnow

    problems = []
    now = utcnow()

    def scenario(browser):
        context = browser.new_context(
            base_url=clinic_server,
            viewport={"width": width, "height": 900},
            timezone_id="UTC",
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not any(e in m.text for e in EXPECTED_CONSOLE)
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
        try:
            page.goto("/clinic/")
            page.fill("#email", spravato_clinic["email"])
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#panel-rows tr")
            page.goto(f"/clinic/patients/{spravato_clinic['patient']}")
            page.get_by_text("Record a monitored session").click()
            form = page.locator("#session-form")
            form.get_by_label("Date and time of dose").fill(_local(now, 150))
            form.get_by_label("Drug").select_option("esketamine")
            form.get_by_label("Route").select_option("intranasal")
            form.get_by_label("Devices (28 mg each)").fill("2")
            assert form.get_by_label("Dose (mg)").input_value() == "56"
            form.get_by_label("Lot number").fill("AB<12>")
            pre = form.locator(".reading[data-kind='pre_dose']")
            pre.get_by_label("Time").fill(_local(now, 155))
            pre.get_by_label("Systolic (mmHg)").fill("152")
            pre.get_by_label("Diastolic (mmHg)").fill("88")
            # Flagged at once, before anything is saved.
            flag = pre.locator(".session-flag.flag-caution")
            flag.wait_for()
            assert "BP 152/88 before dosing: above 140/90" in flag.inner_text()
            peak = form.locator(".reading[data-kind='post_40']")
            peak.get_by_label("Time").fill(_local(now, 110))
            peak.get_by_label("Systolic (mmHg)").fill("138")
            peak.get_by_label("Diastolic (mmHg)").fill("86")
            peak.get_by_label("SpO2 (%)").fill("88")
            urgent = peak.locator(".session-flag.flag-urgent")
            urgent.wait_for()
            assert "SpO2 88% about 40 minutes after: below 90%" in urgent.inner_text()
            assert page.locator("#session-flags").inner_text() == "2 readings flagged, 1 urgent."
            leave = form.locator(".reading[data-kind='discharge']")
            leave.get_by_label("Time").fill(_local(now, 65))
            leave.get_by_label("Systolic (mmHg)").fill("128")
            leave.get_by_label("Diastolic (mmHg)").fill("80")
            form.get_by_label("Lowest MOAA/S").select_option("4")
            form.get_by_label("Monitoring started").fill(_local(now, 150))
            form.get_by_label("Monitoring ended").fill(_local(now, 60))
            # 90 minutes of esketamine monitoring: the reason is asked for at once.
            note = page.locator("#session-early-note")
            assert "Monitoring lasted 90 minutes" in note.inner_text()
            form.get_by_label("Benzodiazepines").check()
            screenshot(page, "session-flagged")
            axe(page, "the monitored session form with flags")

            form.get_by_role("button", name="Record session").click()
            error = form.locator(".field-error").first
            error.wait_for()
            # The server's refusal beside the field it names: first the lot number's form...
            assert error.inner_text() == "Letters, digits, . / -"
            assert form.get_by_label("Lot number").get_attribute("aria-invalid") == "true"
            axe(page, "the form with the server's refusal")
            form.get_by_label("Lot number").fill("AB12-345")
            form.get_by_role("button", name="Record session").click()
            # ...then, the body being well formed, the two-hour rule.
            form.locator(".field-error", has_text="Say why the patient left earlier").wait_for()
            reason = form.get_by_label("Reason for leaving before 2 hours")
            assert reason.get_attribute("aria-invalid") == "true"
            reason.fill("Sent to the emergency department for the low SpO2.")
            form.get_by_role("button", name="Record session").click()
            row = page.locator("#sessions tbody tr").first
            row.get_by_role("link", name="REMS form").wait_for()
            assert "1 urgent, 1 caution" in row.inner_text()

            page.get_by_role("link", name="REMS forms").first.click()
            table = page.locator("#rems-due")
            table.wait_for()
            rows = table.locator("tbody tr")
            assert rows.count() == 2
            assert rows.nth(0).get_attribute("data-overdue") == "true"  # the older one first
            assert "Overdue" in rows.nth(0).inner_text()
            assert "Avery Spray" in rows.nth(1).inner_text()
            assert "days left" in rows.nth(1).inner_text()
            screenshot(page, "rems-due")
            axe(page, "the REMS due list")

            rows.nth(1).get_by_role("link", name="Open form").click()
            page.locator(".rems-form").wait_for()
            lot = page.locator("dd[data-field='lot_number']").inner_text()
            assert lot == "AB12-345"
            assert page.locator("dd[data-field='bp_pre_dose']").inner_text() == "152/88"
            assert page.locator("dd[data-field='total_monitoring_minutes']").inner_text() == "90"
            assert page.locator("dd[data-field='patient_birthdate']").inner_text() == "(write in)"
            axe(page, "the printable REMS form")
            page.get_by_label("REMS confirmation or fax reference (optional)").fill("FAX-88")
            page.get_by_role("button", name="Mark submitted").click()
            page.locator("#rems-state", has_text="Marked submitted").wait_for()
            assert "FAX-88" in page.locator("#rems-state").inner_text()

            page.get_by_role("link", name="All forms due").click()
            page.locator("#rems-due").wait_for()
            assert page.locator("#rems-due tbody tr").count() == 1
        finally:
            context.close()

    clinic_browser.run(scenario, timeout=150)
    assert problems == []


#: Readings and observations around every line, for the parity check below.
PARITY_CASES = [
    {"readings": [{"kind": kind, "systolic": s, "diastolic": d, "heart_rate": p, "spo2": o}]}
    for kind in ("pre_dose", "post_40", "further")
    for s, d in ((140, 90), (141, 80), (130, 91), (179, 109), (180, 100), (170, 110), (None, None))
    for p, o in ((100, 94), (101, 93), (None, 90), (72, 89), (149, 95), (150, 95))
] + [
    {"moaas": m, "respiratory_depression": r} for m in (None, 5, 4, 3, 1, 0) for r in (True, False)
]


@pytest.mark.browser
def test_the_forms_flags_are_the_servers(clinic_browser, clinic_server):
    """pwa/clinic/session_flags.js gives exactly surveys.monitoring's flags, at the default
    lines and at a clinic's own."""
    from surveys.monitoring import Thresholds, monitoring_flags

    lines = [
        Thresholds(),
        Thresholds(caution_systolic=130, urgent_spo2=85, caution_spo2=92, urgent_heart_rate=140),
    ]

    def scenario(browser):
        page = browser.new_page()
        try:
            page.goto(f"{clinic_server}/clinic/")
            return [
                page.evaluate(
                    """async ([cases, t]) => {
                        const m = await import("/pwa/clinic/session_flags.js");
                        return cases.map((c) => m.monitoringFlags(c, t));
                    }""",
                    [PARITY_CASES, t.to_dict()],
                )
                for t in lines
            ]
        finally:
            page.close()

    results = clinic_browser.run(scenario)
    for t, flags in zip(lines, results, strict=True):
        expected = [[f.to_dict() for f in monitoring_flags(c, t)] for c in PARITY_CASES]
        assert flags == expected
    assert any(flags for flags in results[0])  # the cases do reach the lines
