"""Staff accounts in real Chromium at 1366 and 768 px (#17 item 5): an admin invites a
clinician from the Staff page, the email (sent by the invite task over real SMTP) holds the
link, the invitee chooses a password and sets up two-step sign-in; the admin then sees them
active, puts them on call, and deactivates and reactivates another clinician, each after
a confirmation; the last admin cannot demote themselves. axe finds nothing on any screen."""

import re
import uuid

import pyotp
import pytest

from api.pipeline.routing import SEND_STAFF_INVITE
from tests.support.browser import screenshot
from tests.support.live import assert_accessible as axe
from tests.support.mail import smtp_sink

PASSWORD = "staff screens test password"
NEW_PASSWORD = "my very own passphrase 42"
#: Console errors the test provokes on purpose: refused input, a 409, the deactivated session.
EXPECTED_CONSOLE = ("status of 422", "status of 409", "status of 401")
LINK = re.compile(r"/clinic/welcome#invite=([A-Za-z0-9_-]{40,})")


@pytest.fixture
def clinic_with_staff(committed_db):
    """A committed clinic with an admin (second factor set up) and a clinician."""
    from api.auth.passwords import hash_password
    from api.models import Clinic, StaffUser

    tag = uuid.uuid4().hex[:8]
    clinic = Clinic(name=f"Lakeside Ketamine {tag}")
    committed_db.add(clinic)
    committed_db.flush()
    hashed = hash_password(PASSWORD)
    admin = StaffUser(
        clinic_id=clinic.id,
        email=f"admin-{tag}@example.org",
        name="Ada Admin",
        role="admin",
        password_hash=hashed,
        totp_secret=pyotp.random_base32(),
        totp_enabled=True,
    )
    sam = StaffUser(
        clinic_id=clinic.id,
        email=f"sam-{tag}@example.org",
        name="Sam Carter",
        role="clinician",
        password_hash=hashed,
    )
    committed_db.add_all([admin, sam])
    committed_db.commit()
    return {"tag": tag, "admin": admin, "sam": sam, "secret": admin.totp_secret}


def _watch(page, problems):
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not any(e in m.text for e in EXPECTED_CONSOLE)
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))


def _send_invite_email(app, monkeypatch, invitee_email):
    """Run the invite task as the worker would, over a real SMTP server; the email's link."""
    import worker.tasks  # noqa: F401  (registers the tasks)
    from api.extensions import db
    from api.models import StaffInvite, StaffUser

    with smtp_sink() as inbox:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", inbox.port)
        with app.app_context():
            invite_id = db.session.scalar(
                db.select(StaffInvite.id)
                .join(StaffUser, StaffUser.id == StaffInvite.staff_id)
                .where(StaffUser.email == invitee_email, StaffInvite.revoked_at.is_(None))
            )
            db.session.remove()
        assert app.extensions["celery"].tasks[SEND_STAFF_INVITE](invite_id) == "sent"
        (message,) = inbox.to(invitee_email)
    return message


def _sign_in_admin(page, email, secret):
    page.goto("/clinic/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.locator("#totp").wait_for()
    page.fill("#totp", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    staff_link = page.get_by_role("link", name="Staff")
    staff_link.wait_for()
    staff_link.click()
    page.get_by_role("heading", name="Staff", exact=True).wait_for()
    page.wait_for_selector("#staff-rows tr")


@pytest.mark.browser
@pytest.mark.timeout(300)  # some fifteen argon2 hashes (sign-ins, recovery codes) on a busy machine
@pytest.mark.parametrize("width", [1366, 768])
def test_admin_invites_a_clinician_who_sets_up_their_account(
    clinic_browser, clinic_server, clinic_with_staff, app, monkeypatch, width
):
    tag, admin_email, secret = (
        clinic_with_staff["tag"],
        clinic_with_staff["admin"].email,
        clinic_with_staff["secret"],
    )
    invitee = f"riley-{tag}@example.org"
    problems = []
    held = {}

    def admin_invites(browser):
        context = browser.new_context(
            base_url=clinic_server,
            viewport={"width": width, "height": 900},
            reduced_motion="reduce",
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        _watch(page, problems)
        held["admin"] = (context, page)
        _sign_in_admin(page, admin_email, secret)
        assert page.locator("#staff-rows").inner_text().count("Active") == 2
        axe(page, f"staff list {width}")

        # A slip is shown beside the field, in the field's own words; nothing is sent.
        page.get_by_label("Name").fill("Riley Reyes")
        page.get_by_label("Email").fill("not an address")
        page.get_by_role("button", name="Send invite").click()
        page.locator("#invite-email-error").get_by_text("Not a valid email address.").wait_for()
        assert page.locator("#invite-email").get_attribute("aria-invalid") == "true"
        axe(page, f"invite error {width}")
        page.get_by_label("Email").fill(invitee)
        page.get_by_role("button", name="Send invite").click()
        page.get_by_text(f"Invite sent to {invitee}.").wait_for()
        row = page.locator("#staff-rows tr", has_text="Riley Reyes")
        row.get_by_text("Invited").wait_for()
        screenshot(page, "clinic-staff-invited")

    def admin_sees_them_active():
        page = held["admin"][1]
        page.reload()
        riley = page.locator("#staff-rows tr", has_text="Riley Reyes")
        riley.get_by_text("Active").wait_for()
        assert "On" in riley.locator("td").nth(2).inner_text()  # two-step sign-in
        axe(page, f"staff list with the new colleague {width}")

    def invitee_accepts(browser, link):
        context = browser.new_context(
            base_url=clinic_server, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        _watch(page, problems)
        try:
            page.goto(link)
            page.get_by_role("heading", name="Welcome to Waypoint, Riley Reyes").wait_for()
            assert "invite=" not in page.url  # the token left the address bar
            assert page.locator("#welcome-email").input_value() == invitee
            axe(page, f"welcome {width}")
            page.fill("#welcome-new-password", NEW_PASSWORD)
            page.fill("#welcome-repeat-password", NEW_PASSWORD + "x")
            page.get_by_role("button", name="Set password and continue").click()
            page.get_by_text("The two passwords are not the same.").wait_for()
            page.fill("#welcome-new-password", "password1234")
            page.fill("#welcome-repeat-password", "password1234")
            page.get_by_role("button", name="Set password and continue").click()
            page.locator("#welcome-new-password-error").get_by_text("too easy to guess").wait_for()
            axe(page, f"welcome refused password {width}")
            page.fill("#welcome-new-password", NEW_PASSWORD)
            page.fill("#welcome-repeat-password", NEW_PASSWORD)
            page.get_by_role("button", name="Set password and continue").click()

            # Two-step sign-in next, through the usual set-up.
            page.get_by_role("heading", name="Set up two-step sign-in").wait_for()
            page.fill("#totp-password", NEW_PASSWORD)
            page.get_by_role("button", name="Continue", exact=True).click()
            own_secret = page.locator("#totp-secret").inner_text().replace(" ", "")
            axe(page, f"invitee two-step {width}")
            page.fill("#totp-code", pyotp.TOTP(own_secret).now())
            page.click("text=Confirm and turn on")
            # Eleven argon2 runs (the password, ten recovery codes): seconds on a busy machine.
            page.get_by_role("heading", name="Save your recovery codes now").wait_for(
                timeout=60_000
            )
            page.get_by_label("I have saved my recovery codes").check()
            page.get_by_role("button", name="Continue to Waypoint").click()
            page.wait_for_selector("#nav:not([hidden])")
            assert page.locator("#who-name").inner_text() == "Riley Reyes"
            # A clinician: no Staff page in the navigation.
            assert page.get_by_role("link", name="Staff").count() == 0
            # The link worked once.
            page.goto(link)
            page.get_by_role("heading", name="This invite link does not work").wait_for()
            axe(page, f"used invite {width}")
        finally:
            context.close()

    clinic_browser.run(admin_invites)
    message = _send_invite_email(app, monkeypatch, invitee)
    assert "Riley Reyes" in message["body"]
    link = clinic_server + LINK.search(message["body"]).group(0)
    try:
        clinic_browser.run(lambda browser: invitee_accepts(browser, link), timeout=150)
        # The admin's list shows the new colleague active, with two-step sign-in on.
        clinic_browser.run(lambda browser: admin_sees_them_active(), timeout=60)
    finally:
        clinic_browser.run(lambda browser: held["admin"][0].close())
    assert problems == []


def stored_on_call(app, staff_id):
    """The staff member's on-call flag as the database has it now."""
    from api.extensions import db
    from api.models import StaffUser

    with app.app_context():
        value = db.session.get(StaffUser, staff_id).on_call
        db.session.remove()
    return value


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 768])
def test_admin_keeps_the_on_call_list_and_deactivates_after_confirming(
    clinic_browser, clinic_server, clinic_with_staff, app, width
):
    admin_email, secret = clinic_with_staff["admin"].email, clinic_with_staff["secret"]
    sam_email, sam_id = clinic_with_staff["sam"].email, clinic_with_staff["sam"].id
    problems = []

    def admin_manages(browser):
        context = browser.new_context(
            base_url=clinic_server, viewport={"width": width, "height": 900}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        _watch(page, problems)
        sam_device = browser.new_context(base_url=clinic_server)
        try:
            _sign_in_admin(page, admin_email, secret)
            signed_in = sam_device.request.post(
                "/api/v1/auth/login", data={"email": sam_email, "password": PASSWORD}
            )
            assert signed_in.status == 200, signed_in.text()
            # The on-call roster.
            sam = page.locator("#staff-rows tr", has_text="Sam Carter")
            sam.get_by_label("Sam Carter On call").check()
            page.locator("#staff-message").get_by_text("Sam Carter is now on call.").wait_for()
            assert stored_on_call(app, sam_id) is True

            # Deactivating asks first; Cancel changes nothing.
            sam.get_by_role("button", name="Deactivate Sam Carter").click()
            dialog = page.get_by_role("dialog", name="Deactivate Sam Carter?")
            dialog.wait_for()
            axe(page, f"confirm deactivation {width}")
            dialog.get_by_role("button", name="Cancel").click()
            assert sam_device.request.get("/api/v1/auth/session").json()["signed_in"] is True
            sam.get_by_role("button", name="Deactivate Sam Carter").click()
            page.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
            page.get_by_text("Sam Carter is deactivated and signed out everywhere.").wait_for()
            page.locator("#staff-rows tr", has_text="Sam Carter").get_by_text(
                "Deactivated"
            ).wait_for()
            assert sam_device.request.get("/api/v1/account/sessions").status == 401
            page.locator("#staff-rows tr", has_text="Sam Carter").get_by_role(
                "button", name="Reactivate Sam Carter"
            ).click()
            page.get_by_role("dialog").get_by_role("button", name="Reactivate").click()
            page.get_by_text("Sam Carter can sign in again.").wait_for()

            # The only admin cannot make themselves a clinician.
            me = page.locator("#staff-rows tr", has_text="You")
            me.get_by_role("button", name="Make yourself a clinician").click()
            page.get_by_role("dialog").get_by_role("button", name="Make clinician").click()
            page.get_by_text("The clinic needs an active admin").wait_for()
            axe(page, f"staff after changes {width}")
            screenshot(page, "clinic-staff-managed")
        finally:
            sam_device.close()
            context.close()

    clinic_browser.run(admin_manages, timeout=110)
    assert problems == []
