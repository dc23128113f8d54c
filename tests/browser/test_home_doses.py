"""At-home doses on the phone (#20), in Chromium at 360 px: the pre-dose check gated on the
phone with the plan it keeps (online and offline), a dose let through and its rest timer, a
dose held back by the vitals or by the interval with the care team told once it syncs, the
after-dose check answered through the post-session check-in, "not safe" showing emergency help
at once, a dose reported outside the app, and each record sent exactly once."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support.browser import screenshot, wait_for_app
from tests.support.home_doses import (
    CALM,
    OUTSIDE_Q,
    SYMPTOMS_Q,
    alerts_of,
    delivery,
    doses_of,
    finish_post_session,
    open_home,
    pre_dose_check,
    take_a_dose,
    wait_until,
)
from tests.support.live import assert_accessible

pytestmark = pytest.mark.browser


def test_a_dose_that_passes_the_gate_starts_the_rest_timer(page, dosing, committed_db):
    patient = dosing()
    open_home(page)
    assert page.title() == "Home · Waypoint"
    page.get_by_role("link", name="Start my pre-dose check").click()
    page.get_by_role("heading", name="Before your dose").wait_for()
    assert_accessible(page, "pre-dose check")
    # "When did you take it?" only once a dose outside the app is said.
    assert not page.get_by_label("When did you take it?").is_visible()
    screenshot(page, "dose-check")
    page.get_by_role("link", name="Back to home").click()
    pre_dose_check(page)
    page.get_by_role("heading", name="You can take your dose now").wait_for()
    assert_accessible(page, "dose allowed")
    # Nothing is sent until the patient says whether they took it.
    assert doses_of(committed_db, patient.id) == []
    page.get_by_role("button", name="I took my dose").click()
    page.get_by_role("heading", name="Rest now").wait_for()
    page.get_by_role("timer").get_by_text("Time since your dose: 0 minutes.").wait_for()
    page.get_by_text("Your after-dose check is at").wait_for()
    page.get_by_text("Keep your monitor with you.").wait_for()  # the plan names no one
    assert_accessible(page, "rest timer")
    screenshot(page, "dose-rest")
    assert page.title() == "Check-in · Waypoint" and page.url.endswith("#/rest")
    (dose,) = wait_until(page, lambda: doses_of(committed_db, patient.id), "the dose")
    assert dose.gate_ok and dose.gate_reasons == [] and dose.dosed_at is not None
    assert (dose.systolic, dose.diastolic, dose.heart_rate) == (128, 82, 74)
    assert dose.post_check_due_at == dose.dosed_at + timedelta(hours=2)
    # Home now leads to the timer; a reload sends nothing twice.
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("link", name="See my rest timer").wait_for()
    page.reload()
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert len(doses_of(committed_db, patient.id)) == 1


def test_the_check_asks_for_the_monitor_the_plan_names(page, context, dosing, committed_db):
    """The home-dosing agreement's named monitor: the phone asks for them by name, from the
    plan it keeps (opened again with no network), and holds the dose when they are not there."""
    patient = dosing(monitor_name="Jordan (partner)")
    open_home(page, offline_reload=True, context=context)
    page.get_by_role("link", name="Start my pre-dose check").click()
    question = page.locator("fieldset", has_text="Is Jordan (partner), your monitor, with you now?")
    question.wait_for()
    assert page.locator("fieldset", has_text="Is your monitor with you now?").count() == 0
    question.get_by_label("No").check()
    for label, value in zip(("Top number", "Bottom number", "Heart rate"), CALM, strict=True):
        page.get_by_label(label).fill(value)
    page.locator("fieldset", has_text=SYMPTOMS_Q).get_by_label("No").check()
    page.locator("fieldset", has_text=OUTSIDE_Q).get_by_label("No").check()
    page.get_by_role("button", name="Check if I can take my dose").click()
    page.get_by_role("heading", name="Please do not take your dose now").wait_for()
    context.set_offline(False)  # the held check reaches the care team once the phone is online
    assert_accessible(page, "dose held: no monitor")
    (held,) = wait_until(page, lambda: doses_of(committed_db, patient.id), "the held check")
    assert held.monitor_present is False and held.gate_reasons == ["monitor_absent"]
    assert held.dosed_at is None
    # With Jordan there, the dose goes ahead and the rest tips name Jordan too.
    page.get_by_role("link", name="Back to home").click()
    pre_dose_check(page, monitor_q="Is Jordan (partner), your monitor, with you now?")
    page.get_by_role("button", name="I took my dose").click()
    page.get_by_role("heading", name="Rest now").wait_for()
    page.get_by_text("Keep Jordan (partner), your monitor, with you.").wait_for()
    assert page.get_by_text("Keep your monitor with you.").count() == 0


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_a_dose_held_back_by_high_blood_pressure(page, context, dosing, committed_db, offline):
    patient = dosing()
    open_home(page, offline_reload=offline, context=context)
    pre_dose_check(page, readings=("172", "96", "88"))
    page.get_by_role("heading", name="Please do not take your dose now").wait_for()
    page.get_by_text(
        "Your blood pressure (172/96) is higher than your plan allows (160/90)."
    ).wait_for()
    page.get_by_text("Sit quietly for 15 minutes, then check again.").wait_for()
    assert page.locator("[data-reason]").evaluate_all("els => els.map(e => e.dataset.reason)") == [
        "bp_high"
    ]
    if offline:
        page.get_by_text("This is saved on this phone. Your care team will be told").wait_for()
        assert delivery(page) == "offline" and doses_of(committed_db, patient.id) == []
        context.set_offline(False)
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'told'")
    assert page.locator(".send-status").inner_text() == "Your care team has been told."
    assert_accessible(page, f"dose held, {'offline' if offline else 'online'}")
    screenshot(page, "dose-held")
    (dose,) = doses_of(committed_db, patient.id)
    assert (dose.gate_ok, dose.gate_reasons, dose.dosed_at) == (False, ["bp_high"], None)
    (alert,) = alerts_of(committed_db, patient.id, "dose_held")
    assert alert.priority == "high"


@pytest.mark.parametrize("offline", [False, True], ids=["online", "offline"])
def test_a_dose_held_back_by_the_interval(page, context, dosing, committed_db, offline):
    patient = dosing(taken_hours_ago=[30])
    open_home(page, offline_reload=offline, context=context)
    pre_dose_check(page)
    page.get_by_role("heading", name="Please do not take your dose now").wait_for()
    page.get_by_text("It is too soon after your last dose.").wait_for()
    # 72 hours after the dose of 30 hours ago: 42 hours from now, in the phone's own words.
    page.get_by_text("You can check again after").wait_for()
    assert page.locator("[data-reason]").evaluate_all("els => els.map(e => e.dataset.reason)") == [
        "too_soon"
    ]
    if offline:
        assert delivery(page) == "offline"
        context.set_offline(False)
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'told'")
    (dose,) = doses_of(committed_db, patient.id)
    assert (dose.gate_ok, dose.gate_reasons, dose.dosed_at) == (False, ["too_soon"], None)
    assert len(alerts_of(committed_db, patient.id, "dose_held")) == 1


def test_the_after_dose_check_answered_links_the_post_session_check_in(page, dosing, committed_db):
    patient = dosing()
    page.clock.install()
    open_home(page)
    take_a_dose(page)
    page.get_by_text("Your after-dose check is at").wait_for()
    # Two hours on (the plan's post_check_minutes): the timer says it is time.
    page.clock.fast_forward("02:00:30")
    page.get_by_text("It is time for your after-dose check.").wait_for()
    page.get_by_role("link", name="Start my after-dose check").click()
    page.get_by_role("heading", name="After your dose").wait_for()
    assert_accessible(page, "after-dose check")
    page.get_by_role("button", name="Yes, I am safe").click()
    page.get_by_text("Has the dreamy or far-away feeling from your dose passed?").wait_for()
    page.get_by_role("button", name="Not yet").click()
    page.get_by_role("heading", name="That is okay").wait_for()
    page.get_by_role("button", name="Ask me again").click()
    page.get_by_role("button", name="Yes, it has passed").click()
    # No "you already answered today" question: this check-in is the dose's own.
    finish_post_session(page)
    page.get_by_role("heading", name="Thank you for checking in").wait_for()

    def linked():
        doses = doses_of(committed_db, patient.id)
        return doses if doses and doses[0].post_check_at else None

    (dose,) = wait_until(page, linked, "the post-dose check linked")
    assert dose.post_check_checkin_id is not None
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("link", name="Start my pre-dose check").wait_for()
    assert alerts_of(committed_db, patient.id, "dose_unsafe") == []


def test_not_safe_after_a_dose_shows_emergency_help_at_once_offline(
    page, context, dosing, committed_db
):
    patient = dosing()
    page.clock.install()
    open_home(page)
    take_a_dose(page)
    (dose,) = wait_until(page, lambda: doses_of(committed_db, patient.id), "the dose")
    page.clock.fast_forward("02:01:00")
    page.get_by_role("link", name="Start my after-dose check").click()
    context.set_offline(True)
    page.get_by_role("button", name="No, I do not feel safe").click()
    page.get_by_role("heading", name="Please get help right now").wait_for(timeout=2000)
    tel = page.locator("main a[href^='tel:']").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert tel[0] == "tel:911"  # emergency services first
    note = page.locator(".monitoring")
    assert note.get_attribute("data-delivery") == "offline"
    context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('.monitoring').dataset.delivery === 'told'"
    )
    assert_accessible(page, "not safe after a dose")
    (alert,) = alerts_of(committed_db, patient.id, "dose_unsafe")
    assert alert.priority == "urgent" and alert.reason.startswith("Said after a dose")
    page.get_by_role("button", name="Continue my after-dose check").click()
    page.get_by_text("Has the dreamy or far-away feeling from your dose passed?").wait_for()
    # Sent once, however often the app sends its queue.
    page.reload()
    wait_for_app(page)
    page.wait_for_timeout(500)
    assert len(alerts_of(committed_db, patient.id, "dose_unsafe")) == 1
    assert dose.id is not None


def test_a_dose_reported_outside_the_app_is_a_misuse_signal(page, dosing, committed_db):
    patient = dosing()
    open_home(page)
    page.get_by_text("This app does not have a dose from you yet.").wait_for(state="detached")
    five_hours_ago = page.evaluate(
        """() => {
            const d = new Date(Date.now() - 5 * 3600e3);
            return new Date(d - d.getTimezoneOffset() * 60e3).toISOString().slice(0, 16);
        }"""
    )
    pre_dose_check(page, outside=five_hours_ago)
    # The phone counts the dose it was just told of: too soon for another.
    page.get_by_role("heading", name="Please do not take your dose now").wait_for()
    page.get_by_text("It is too soon after your last dose.").wait_for()
    page.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'told'")

    def both():
        doses = doses_of(committed_db, patient.id)
        return doses if len(doses) == 2 else None

    outside, held = wait_until(page, both, "both records")
    assert outside.outside_app and outside.dosed_at is not None
    assert (held.gate_reasons, held.dosed_at) == (["too_soon"], None)
    (misuse,) = alerts_of(committed_db, patient.id, "dose_misuse")
    assert misuse.reason == "A dose taken outside the app was reported"
    assert len(alerts_of(committed_db, patient.id, "dose_held")) == 1


def test_a_missed_after_dose_check_is_raised_by_a_real_worker(
    page, dosing, committed_db, database_url, redis_url, tmp_path
):
    from api.models import HomeDose
    from tests.support.worker import celery_worker

    patient = dosing()
    page.clock.install()
    open_home(page)
    take_a_dose(page)
    (dose,) = wait_until(page, lambda: doses_of(committed_db, patient.id), "the dose")
    # Five hours pass (on the server's record and on the phone) with no after-dose check.
    committed_db.execute(
        sa.update(HomeDose)
        .where(HomeDose.id == dose.id)
        .values(
            checked_at=dose.checked_at - timedelta(hours=5),
            dosed_at=dose.dosed_at - timedelta(hours=5),
            post_check_due_at=dose.post_check_due_at - timedelta(hours=5),
        )
    )
    committed_db.commit()
    page.clock.fast_forward("05:00:00")
    with celery_worker(database_url, redis_url, tmp_path, beat=True, SCHEDULE_SECONDS="1") as log:

        def missed():
            return alerts_of(committed_db, patient.id, "post_dose_check_missed")

        try:
            (alert,) = wait_until(page, missed, "the missed-check alert", seconds=60)
        except AssertionError:
            raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
    assert alert.priority == "high"
    assert alert.reason == "No post-dose check within 4 hours of a dose taken at home"
    # The phone still asks it, late: answered now, it is recorded against the dose.
    page.get_by_role("link", name="Back to home").click()
    page.get_by_role("link", name="Start my after-dose check").click()
    page.get_by_role("button", name="Yes, I am safe").click()
    page.get_by_role("button", name="Yes, it has passed").click()
    finish_post_session(page)
    page.get_by_role("heading", name="Thank you for checking in").wait_for()

    def linked():
        (row,) = doses_of(committed_db, patient.id)
        return row if row.post_check_at else None

    row = wait_until(page, linked, "the late check linked")
    assert row.post_check_missed_at is not None


def test_closed_after_i_took_my_dose_and_opened_again_offline(page, context, dosing, committed_db):
    """The phone closed right after "I took my dose" with no network, then opened again with
    none: it knows of the dose (the rest timer; the gate holds another as too soon), and once
    it is online the dose and the held check each reach the server once."""
    # No Background Sync (Safari, Firefox): the next open of the app sends what is queued.
    context.add_init_script(
        "if (self.ServiceWorkerRegistration) delete ServiceWorkerRegistration.prototype.sync;"
    )
    patient = dosing()
    open_home(page, offline_reload=True, context=context)
    take_a_dose(page)
    page.close()
    again = context.new_page()
    open_home(again)
    again.get_by_role("link", name="See my rest timer").click()
    again.get_by_role("heading", name="Rest now").wait_for()
    # A second dose now, still offline: this phone's gate counts the one it was closed on.
    again.evaluate("location.hash = '#/ready'")
    again.get_by_role("heading", name="Before your dose").wait_for()
    pre_dose_check(again, start=False)
    again.get_by_role("heading", name="Please do not take your dose now").wait_for()
    again.get_by_text("It is too soon after your last dose.").wait_for()
    assert delivery(again) == "offline" and doses_of(committed_db, patient.id) == []
    context.set_offline(False)
    again.wait_for_function("() => document.querySelector('.send-status').dataset.state === 'told'")
    taken, held = wait_until(
        again, lambda: (d := doses_of(committed_db, patient.id)) and len(d) == 2 and d, "both"
    )
    assert taken.gate_ok and taken.dosed_at is not None
    assert (held.gate_reasons, held.dosed_at) == (["too_soon"], None)
    # Opened once more, online: nothing is sent twice.
    again.reload()
    wait_for_app(again)
    again.wait_for_timeout(500)
    assert len(doses_of(committed_db, patient.id)) == 2
    assert len(alerts_of(committed_db, patient.id, "dose_held")) == 1
