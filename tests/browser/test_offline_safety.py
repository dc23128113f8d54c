"""Offline: a check-in with PHQ-9 item 9 endorsed shows crisis help with no network, waits on
the phone, and reaches the server exactly once when the network returns; then the ASQ."""

import time

import pytest

from tests.support.browser import checkins_of, screenshot, wait_for_app, wait_for_service_worker
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser

OUTBOX_SIZE = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open("waypoint");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const count = open.result.transaction("outbox").objectStore("outbox").count();
        count.onsuccess = () => { resolve(count.result); open.result.close(); };
    };
})"""


def answer(page, text):
    """Tap the answer button with exactly this text."""
    page.get_by_role("button", name=text, exact=True).click()


def tel_links(page):
    """The tap-to-call targets on screen, in order."""
    return page.locator("main a[href^='tel:']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )


def test_offline_check_in_with_item_9_shows_help_and_syncs_once(
    page, context, signed_in, committed_db
):
    # Without Background Sync (as on Safari and Firefox): the page itself must send on reconnect.
    context.add_init_script("delete ServiceWorkerRegistration.prototype.sync;")
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    # Opened again under the service worker, so the shell and definitions are in its cache.
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Sam").wait_for()
    assert_accessible(page, "home")  # loads axe now, so it is cached for the offline screens

    context.set_offline(True)
    page.reload()  # the app itself opens with no network
    wait_for_app(page)
    page.get_by_role("link", name="Mood check-in").click()
    page.get_by_role("heading", name="Question 1 of 10").wait_for()
    for number in range(1, 9):
        page.get_by_role("heading", name=f"Question {number} of").wait_for()
        answer(page, "Not at all")
    page.get_by_text("Thoughts that you would be better off dead").wait_for()
    answer(page, "Several days")

    # Crisis help at once, before anything else, with no network.
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()
    assert tel_links(page) == ["tel:988", "tel:911"]
    assert page.locator("main a[href='sms:988']").is_visible()
    page.get_by_text(
        "Your answers are saved on this phone and will be sent when you are back online."
    ).wait_for()
    assert page.evaluate("navigator.onLine") is False
    assert_accessible(page, "crisis help, offline")
    screenshot(page, "crisis-offline")
    assert checkins_of(committed_db, signed_in.id) == []

    page.get_by_role("button", name="Continue my check-in").click()
    page.get_by_role("heading", name="Question 10 of 10").wait_for()
    answer(page, "Very difficult")
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()
    status = page.locator(".send-status")
    assert status.inner_text() == "Saved on this phone. It will send when you are online."
    page.get_by_role("link", name="Answer the questions").wait_for()
    assert page.evaluate(OUTBOX_SIZE) == 2  # item 9's signal, sent at once, and the check-in
    assert checkins_of(committed_db, signed_in.id) == []
    screenshot(page, "saved-offline")

    context.set_offline(False)
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'sent'")
    assert status.inner_text() == "Sent to your care team."
    page.get_by_text("Your care team has been told.").wait_for()
    assert page.evaluate(OUTBOX_SIZE) == 0
    (stored,) = checkins_of(committed_db, signed_in.id)
    assert (stored.instrument, stored.total, stored.safety_endorsed) == ("phq9", 1, True)
    assert stored.safety_level == "positive"
    assert stored.answers["phq9_9"] == 1

    # Opening the app again sends nothing twice.
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="You do not have to go through this alone").wait_for()
    assert len(checkins_of(committed_db, signed_in.id)) == 1

    # The ASQ follow-up, with the help lines kept on screen; "yes" to acuity is imminent.
    page.get_by_role("link", name="Answer the questions").click()
    page.get_by_role("heading", name="Question 1 of 5").wait_for()
    assert page.get_by_role("complementary", name="Help now").is_visible()
    page.get_by_text("In the past few weeks, have you wished you were dead?").wait_for()
    assert_accessible(page, "follow-up question")
    answer(page, "Yes")
    # Help was already shown: the follow-up goes straight on.
    page.get_by_role("heading", name="Question 2 of 5").wait_for()
    for number in (2, 3, 4):
        page.get_by_role("heading", name=f"Question {number} of 5").wait_for()
        answer(page, "No")
    page.get_by_text("Are you having thoughts of killing yourself right now?").wait_for()
    answer(page, "Yes")

    page.get_by_role("heading", name="Please get help right now").wait_for()
    # Emergency services first, as the biggest button.
    assert tel_links(page)[0] == "tel:911"
    assert "urgent" in page.locator("main a[href='tel:911']").get_attribute("class")
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'sent'")
    assert_accessible(page, "imminent")
    screenshot(page, "imminent")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "imminent")
    # Reduced motion too: no colour transition still running while axe measures contrast.
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert_accessible(page, "imminent, dark")
    screenshot(page, "imminent-dark")

    phq9, asq = checkins_of(committed_db, signed_in.id)
    assert phq9.id == stored.id
    assert (asq.instrument, asq.result, asq.safety_level) == ("asq", "imminent", "imminent")
    assert asq.answers == {"asq_1": 1, "asq_2": 0, "asq_3": 0, "asq_4": 0, "asq_5": 1}
    assert asq.follow_up_of == phq9.id  # the ASQ names the PHQ-9 whose item 9 asked for it


def test_help_is_one_tap_away_and_follows_the_clinic(page, context, enrolled):
    patient, token = enrolled(
        monitoring_hours="Messages are read 9am to 5pm on weekdays.",
        crisis_resources=[
            {
                "name": "Clinic crisis line",
                "phone": "+15555550100",
                "sms": None,
                "url": None,
                "kind": "clinic",
            },
            {
                "name": "Emergency services",
                "phone": "911",
                "sms": None,
                "url": None,
                "kind": "emergency",
            },
        ],
    )
    assert context.request.post("/api/v1/auth/redeem", data={"token": token}).status == 200
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("link", name="Get help now").click()
    page.get_by_role("heading", name="Get help now", exact=True).wait_for()
    assert tel_links(page) == ["tel:911", "tel:+15555550100"]
    page.get_by_text("Messages are read 9am to 5pm on weekdays.").wait_for()
    assert_accessible(page, "help")
    screenshot(page, "help")


def test_queued_answers_are_never_sent_in_another_patients_session(
    page, context, enrolled, committed_db
):
    first, first_token = enrolled(display_name="Ana")
    second, second_token = enrolled(display_name="Ben")
    assert context.request.post("/api/v1/auth/redeem", data={"token": first_token}).ok
    page.goto("/")
    wait_for_app(page)
    wait_for_service_worker(page)
    page.reload()
    wait_for_app(page)

    context.set_offline(True)
    page.get_by_role("link", name="Worry check-in").click()
    for number in range(1, 8):
        page.get_by_role("heading", name=f"Question {number} of 8").wait_for()
        answer(page, "Several days")
    # The GAD-7's difficulty question comes last; it is optional.
    page.get_by_role("heading", name="Question 8 of 8").wait_for()
    page.get_by_role("button", name="Skip this question").click()
    page.get_by_role("heading", name="Thank you for checking in").wait_for()
    page.get_by_text("7 out of 21, in the mild range").wait_for()

    # Someone else signs in on this phone before it is back online.
    assert context.request.post("/api/v1/auth/redeem", data={"token": second_token}).ok
    context.set_offline(False)
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Ben").wait_for()
    assert page.evaluate(OUTBOX_SIZE) == 1
    assert checkins_of(committed_db, second.id) == []
    assert checkins_of(committed_db, first.id) == []
    # Ben is not told about Ana's answers.
    assert page.locator(".send-status").count() == 0

    # Back in the first patient's own session, the answers go, as theirs.
    from api.auth.operations import create_invite

    token = create_invite(first).rsplit("/", 1)[1]
    committed_db.commit()
    assert context.request.post("/api/v1/auth/redeem", data={"token": token}).ok
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name="Hello, Ana").wait_for()
    deadline = time.monotonic() + 10
    while page.evaluate(OUTBOX_SIZE) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.evaluate(OUTBOX_SIZE) == 0
    (stored,) = checkins_of(committed_db, first.id)
    assert (stored.instrument, stored.total) == ("gad7", 7)
    assert checkins_of(committed_db, second.id) == []


def test_a_check_in_the_server_refuses_stays_on_the_phone_and_is_explained(
    page, context, signed_in, committed_db
):
    context.expected_console.append("status of 422")
    page.goto("/")
    wait_for_app(page)
    # Answers from 40 days ago (a phone left offline too long): the server refuses them (422).
    page.evaluate(
        """(patientId) => new Promise((resolve, reject) => {
            const open = indexedDB.open("waypoint");
            open.onsuccess = () => {
                const tx = open.result.transaction("outbox", "readwrite");
                const answers = {};
                for (let i = 1; i <= 7; i++) answers[`gad7_${i}`] = 0;
                tx.objectStore("outbox").put({
                    id: crypto.randomUUID(), instrument: "gad7", answers, patient_id: patientId,
                    completed_at: new Date(Date.now() - 40 * 86400000).toISOString(),
                    queued_at: new Date().toISOString(), state: "waiting", attempts: 0,
                });
                tx.oncomplete = () => { open.result.close(); resolve(); };
                tx.onerror = () => reject(tx.error);
            };
        })""",
        str(signed_in.id),
    )
    page.reload()
    wait_for_app(page)
    page.locator(".send-status[data-state='refused']").wait_for()
    page.get_by_text(
        "One check-in could not be sent, but your answers are still on this phone"
    ).wait_for()
    assert page.evaluate(OUTBOX_SIZE) == 1
    assert checkins_of(committed_db, signed_in.id) == []
