"""The clinic run from its own screens (#17 items 5 and 6), in real Chromium at 1366 and 768 px:
an admin adds a patient and hands over the invite (QR code, copy, email), records a session from
the top of the patient page, downloads the FHIR bundle and the full export, erases a patient,
changes the clinic's settings (the clinic's own phone among the crisis resources), reads the
audit log and the outcomes report. Each refusal shows beside its field in the API's words;
axe finds no violation on any screen; nothing is wider than the window. A clinician sees no
admin screen; the signed-out login page offers no "Sign out", and its code field's pattern
compiles under the v flag Chromium uses."""

import json
import urllib.parse
from pathlib import Path

import pyotp
import pytest

from tests.support.intake import sign_clear_screen
from tests.support.live import ARTIFACTS
from tests.support.live import assert_accessible as axe

PASSWORD = "clinic screens test password"
WIDTHS = [1366, 768]
#: Console errors the tests provoke on purpose: the refusals they check.
EXPECTED_CONSOLE = ("status of 422", "status of 409")


@pytest.fixture
def demo_staff(committed_db):
    """The demo clinic (committed): its admin with a second factor, its clinician."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.models import StaffUser

    demo._create_clinic()
    secret = pyotp.random_base32()
    for member in committed_db.query(StaffUser).filter(
        StaffUser.email.in_([demo.ADMIN_EMAIL, demo.CLINICIAN_EMAIL])
    ):
        member.password_hash = hash_password(PASSWORD)
        if member.role == "admin":
            member.totp_secret, member.totp_enabled = secret, True
    committed_db.commit()
    return {"admin": demo.ADMIN_EMAIL, "clinician": demo.CLINICIAN_EMAIL, "secret": secret}


def stored_clinic(app, email):
    """The clinic's crisis resources and rule settings as the database has them now."""
    from api.extensions import db
    from api.models import Clinic, StaffUser

    with app.app_context():
        staff = db.session.scalar(db.select(StaffUser).where(StaffUser.email == email))
        clinic = db.session.get(Clinic, staff.clinic_id)
        found = {
            "crisis_resources": list(clinic.crisis_resources or []),
            "rule_settings": dict(clinic.rule_settings or {}),
            "escalate_imminent_minutes": clinic.escalate_imminent_minutes,
        }
        db.session.remove()
    return found


def open_context(browser, server, width):
    context = browser.new_context(
        base_url=server,
        viewport={"width": width, "height": 900},
        reduced_motion="reduce",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


def watch(page):
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not any(e in m.text for e in EXPECTED_CONSOLE)
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    return problems


def check(page, screen, width):
    """axe finds nothing, the page is no wider than the window, and a screenshot is kept."""
    axe(page, f"{screen} at {width}px")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{screen} at {width}px is {overflow}px wider than the window"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = screen.replace(" ", "-")
    page.screenshot(path=str(ARTIFACTS / f"clinic-{name}-{width}.png"), full_page=True)


def error_beside(page, selector):
    """The message shown right after the control ``selector`` (waits for it)."""
    note = page.locator(f"{selector} + .field-error")
    note.wait_for()
    assert page.get_attribute(selector, "aria-invalid") == "true"
    note_id = note.get_attribute("id")
    assert note_id in (page.get_attribute(selector, "aria-describedby") or "").split()
    return note.inner_text()


def add_patient_to_a_qr_code(page, width, qr_svg):
    page.get_by_role("link", name="Add patient").click()
    page.get_by_role("heading", name="Add a patient").wait_for()
    check(page, "add patient", width)
    page.fill("#new-name", "Jordan Vale")
    page.fill("#new-email", "jordan@example.org")
    page.fill("#new-mobile", "+44 20 7946 0958")  # a landline: refused beside its field
    page.fill("#new-timezone", "Mars/Olympus")
    page.get_by_role("button", name="Add patient and make an invite").click()
    assert error_beside(page, "#new-timezone") == "Not a time zone name, e.g. America/New_York."
    assert "cannot take text messages" in error_beside(page, "#new-mobile")
    page.fill("#new-mobile", "+1 202 555 0123")
    assert page.locator("#new-patient-error").inner_text() != ""
    check(page, "add patient refused", width)
    page.fill("#new-timezone", "America/Chicago")
    page.select_option("#new-language", "es")  # the invite opens the app in Spanish (#22)
    page.get_by_role("button", name="Add patient and make an invite").click()
    page.get_by_role("heading", name="Jordan Vale is added").wait_for()

    url = page.input_value("#invite-url")
    assert "/join/es/" in url
    src = page.get_attribute("#invite-qr", "src")
    assert src.startswith("data:image/svg+xml;charset=utf-8,")
    # The image is the QR code of this very link, and the browser could draw it.
    assert urllib.parse.unquote(src.split(",", 1)[1]) == qr_svg(url)
    page.wait_for_function("() => document.getElementById('invite-qr').naturalWidth > 0")
    assert page.get_attribute("#invite-qr", "alt") == "QR code of the invite link"

    page.get_by_role("button", name="Copy link").click()
    page.get_by_text("Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == url
    page.get_by_role("button", name="Send by email to jordan@example.org").click()
    page.get_by_text("The invite is on its way to jordan@example.org.").wait_for()
    # By text message too, once the clinic has an SMS service: without one, it says so.
    page.get_by_role("button", name="Send by text message to •••• 23").click()
    page.locator("#invite-email-error", has_text="text-message service").wait_for()
    check(page, "invite", width)
    return url


def patient_page(page, width):
    page.get_by_role("link", name="Open the patient's page").click()
    page.wait_for_selector("#trend-canvas[data-drawn='true']")
    ref = page.locator("h1 .ref").inner_text().split(" ")[0]
    sign_clear_screen(page)  # the intake before a first course
    page.wait_for_selector("#trend-canvas[data-drawn='true']")
    # Recording a session: one click from the top of the page.
    page.get_by_role("button", name="Record a session").click()
    assert page.evaluate("document.activeElement.id") == "session-administered_at"
    page.select_option("#session-drug", "ketamine")
    page.select_option("#session-cadss_form", "full")
    page.fill("#session-cadss", "93")
    page.locator("#session-form button[type=submit]").click()
    # Both refusals at once, each beside its field.
    assert "92" in error_beside(page, "#session-cadss")
    assert error_beside(page, "#session-dose_mg").startswith("Give the dose in mg")
    check(page, "patient session refused", width)
    page.fill("#session-cadss", "12")
    page.locator("#session-form button[type=submit]").click()
    # Mended, so gone; the other stays until it is mended too.
    page.locator("#session-cadss + .field-error").wait_for(state="detached")
    assert error_beside(page, "#session-dose_mg").startswith("Give the dose in mg")
    page.fill("#session-dose_mg", "35")
    page.locator("#session-form button[type=submit]").click()
    page.wait_for_selector("#sessions tbody tr")

    # Where the invite goes: the mobile shown by its last two digits, a landline refused
    # beside its field, a new number replacing it.
    assert "On file: •••• 23" in page.locator("#contact-mobile-hint").inner_text()
    page.fill("#contact-mobile", "+44 20 7946 0958")
    page.get_by_role("button", name="Save contact").click()
    assert "cannot take text messages" in error_beside(page, "#contact-mobile")
    page.fill("#contact-mobile", "+1 202 555 0144")
    page.get_by_role("button", name="Save contact").click()
    page.locator("#contact-mobile-hint", has_text="On file: •••• 44").wait_for()
    check(page, "patient contact", width)

    with page.expect_download() as fhir:
        page.get_by_role("link", name="FHIR R4 bundle").click()
    assert fhir.value.suggested_filename == f"waypoint-{ref}-fhir.json"
    # Sent gzipped (api/exports/stored.py); Chromium saves the Bundle inflated and whole.
    bundle = json.loads(Path(fhir.value.path()).read_text())
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient" and "MedicationAdministration" in kinds
    with page.expect_download() as everything:
        page.get_by_role("button", name="Download everything held (JSON)").click()
    assert everything.value.suggested_filename == f"waypoint-{ref}-export.json"
    exported = json.loads(Path(everything.value.path()).read_text())
    assert exported["patient"]["ref"] == ref and len(exported["treatment_sessions"]) == 1

    page.get_by_role("button", name="Erase…").click()
    page.fill("#erase-confirm", "P-WRONG0")
    page.get_by_role("button", name="Erase permanently").click()
    assert error_beside(page, "#erase-confirm") == "Not this patient's reference."
    check(page, "erasure refused", width)
    page.fill("#erase-confirm", ref)
    page.get_by_role("button", name="Erase permanently").click()
    page.get_by_role("heading", name=f"{ref} is erased").wait_for()
    assert "1 sessions" in page.locator("#erased").inner_text()


def settings(page, width, app, admin):
    page.get_by_role("link", name="Clinic", exact=True).click()
    page.get_by_role("heading", name="Clinic", exact=True).wait_for()
    check(page, "clinic", width)
    page.get_by_role("link", name="Clinic settings").click()
    page.get_by_role("heading", name="Crisis resources").wait_for()
    check(page, "settings", width)

    # Without an emergency entry the list is refused, beside the list.
    kinds = "[...document.querySelectorAll('#crisis select[name$=\".kind\"]')].map(s => s.value)"
    emergency = page.evaluate(kinds).index("emergency")
    page.locator(f"#crisis fieldset[data-index='{emergency}']").get_by_role(
        "button", name="Remove"
    ).click()
    page.locator("#crisis button[type=submit]").click()
    page.locator("#crisis-list > .field-error").wait_for()
    assert (
        page.locator("#crisis-list > .field-error")
        .inner_text()
        .startswith("Keep an emergency entry with a phone number")
    )
    assert stored_clinic(app, admin)["crisis_resources"] == []
    page.reload()
    page.get_by_role("heading", name="Crisis resources").wait_for()

    # The clinic's own phone: a slip shown beside that phone, then saved.
    assert page.locator("#no-clinic-phone").is_visible()
    page.get_by_role("button", name="Add the clinic's phone").click()
    phone = page.evaluate("document.activeElement.name")
    assert phone.startswith("crisis_resources.") and phone.endswith(".phone")
    page.keyboard.type("call us")
    page.locator("#crisis button[type=submit]").click()
    assert error_beside(page, f"[name='{phone}']").startswith("Digits, a leading +")
    check(page, "settings refused", width)
    page.fill(f"[name='{phone}']", "+1 555 010 0199")
    page.locator("#crisis button[type=submit]").click()
    page.get_by_text("Crisis resources: saved.").wait_for()
    assert page.locator("#no-clinic-phone").is_hidden()
    saved = stored_clinic(app, admin)["crisis_resources"]
    assert {"kind": "clinic", "phone": "+1 555 010 0199"}.items() <= saved[-1].items()
    assert any(r["kind"] == "emergency" for r in saved)

    # A rule threshold out of range: beside that threshold, nothing stored.
    page.fill("#rule-missed_checkins_days", "400")
    page.locator("#rules button[type=submit]").click()
    assert "from 1 to 365" in error_beside(page, "#rule-missed_checkins_days")
    assert stored_clinic(app, admin)["rule_settings"] == {}
    page.fill("#rule-missed_checkins_days", "5")
    page.locator("#rules button[type=submit]").click()
    page.get_by_text("Alert rules: saved.").wait_for()
    assert stored_clinic(app, admin)["rule_settings"]["missed_checkins_days"] == 5

    page.fill("#esc-escalate_imminent_minutes", "7")
    page.locator("#escalation button[type=submit]").click()
    page.get_by_text("Escalation: saved.").wait_for()
    assert stored_clinic(app, admin)["escalate_imminent_minutes"] == 7

    page.fill("#webhook-url", "https://chat.example.org/hook")
    page.locator("#webhook button[type=submit]").click()
    assert error_beside(page, "#webhook-secret") == "Required when a webhook URL is set."
    page.fill("#webhook-url", "")


def audit_and_outcomes(page, width):
    page.get_by_role("link", name="Clinic", exact=True).click()
    page.get_by_role("link", name="Audit log").click()
    page.wait_for_selector("#audit-rows tr")
    page.fill("#audit-action", "patient.erase")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_function("() => document.querySelectorAll('#audit-rows tr').length === 1")
    assert "patient.erase" in page.locator("#audit-rows").inner_text()
    assert "patient.erase" in page.get_attribute("#audit-csv", "href")
    check(page, "audit log", width)

    page.get_by_role("link", name="Clinic", exact=True).click()
    page.get_by_role("link", name="Outcomes").click()
    page.wait_for_selector("#outcomes-phq9 tbody tr")
    assert page.locator("#outcomes-phq9 tbody tr", has_text="All routes").count() == 1
    # Each measure with its window and definition, as the report's file states them.
    definitions = page.locator("#definitions-phq9").text_content()
    assert "response_4w (days 21-35)" in definitions and "above 9" in definitions
    check(page, "outcomes", width)

    page.get_by_role("link", name="Clinic", exact=True).click()
    page.get_by_role("link", name="Booster forecast report").click()
    page.wait_for_function(
        "() => /-- this clinic/.test(document.getElementById('forecast-report')?.textContent)"
    )
    check(page, "booster forecast report", width)


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_an_admin_runs_the_clinic_from_its_screens(
    clinic_browser, clinic_server, demo_staff, app, width
):
    from api.qr import qr_svg

    admin = demo_staff["admin"]

    def scenario(browser):
        context = open_context(browser, clinic_server, width)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=clinic_server)
        signed_in = context.request.post(
            "/api/v1/auth/login",
            data={
                "email": admin,
                "password": PASSWORD,
                "totp": pyotp.TOTP(demo_staff["secret"]).now(),
            },
        )
        assert signed_in.status == 200, signed_in.text()
        page = context.new_page()
        problems = watch(page)
        try:
            page.goto("/clinic/")
            page.wait_for_selector("#panel-rows tr")
            add_patient_to_a_qr_code(page, width, qr_svg)
            patient_page(page, width)
            settings(page, width, app, admin)
            audit_and_outcomes(page, width)
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario, timeout=300)


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
def test_a_clinician_sees_no_admin_screen_and_login_is_mended(
    clinic_browser, clinic_server, demo_staff, width
):
    def scenario(browser):
        context = open_context(browser, clinic_server, width)
        page = context.new_page()
        problems = watch(page)
        try:
            page.goto("/clinic/")
            page.get_by_role("heading", name="Sign in to the clinic").wait_for()
            assert page.get_by_role("button", name="Sign out").count() == 0
            assert page.locator("#sign-out").is_hidden()
            # The code field's pattern compiles as Chromium compiles it (the v flag), and so
            # checks: five digits are refused, six digits and a recovery code are not.
            validity = page.evaluate(
                """() => {
                    const field = document.getElementById("totp");
                    new RegExp(`^(?:${field.pattern})$`, "v");
                    return ["12345", "123456", "abcd-efgh-ijkl"].map((value) => {
                        field.value = value;
                        return field.validity.patternMismatch;
                    });
                }"""
            )
            assert validity == [True, False, False]
            check(page, "login", width)

            page.fill("#email", demo_staff["clinician"])
            page.fill("#password", PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("#panel-rows tr")
            assert page.locator("#sign-out").is_visible()
            page.get_by_role("link", name="Clinic", exact=True).click()
            page.get_by_role("heading", name="Clinic", exact=True).wait_for()
            assert page.get_by_role("link", name="Outcomes").is_visible()
            assert page.get_by_role("link", name="Clinic settings").count() == 0
            assert page.get_by_role("link", name="Audit log").count() == 0
            assert page.get_by_role("link", name="Booster forecast report").count() == 0
            check(page, "clinic for a clinician", width)
            page.goto("/clinic/settings")
            page.get_by_text("Only the clinic's administrators can change its settings.").wait_for()
            page.get_by_role("link", name="Patients").click()
            page.locator("#panel-rows a").first.click()
            page.wait_for_selector("#trend-canvas[data-drawn='true']")
            assert page.locator("#patient-data").count() == 0
            page.get_by_role("button", name="Sign out").click()
            page.get_by_role("heading", name="Sign in to the clinic").wait_for()
            assert page.locator("#sign-out").is_hidden()
            assert problems == []
        finally:
            context.close()

    clinic_browser.run(scenario, timeout=180)
