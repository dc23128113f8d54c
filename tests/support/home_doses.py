"""The home-dosing patient and the dose screens' steps, shared by the dose screens' browser
tests and their Spanish walk (tests/browser/test_home_doses.py, test_spanish.py)."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.support.browser import wait_for_app, wait_for_service_worker

PLAN = {"form": "sublingual_troche", "dose_mg": 200, "doses_prescribed": 6}
CALM = ("128", "82", "74")
MONITOR_Q = "Is your monitor with you now?"
SYMPTOMS_Q = "Since your last dose, have you had anything new"
OUTSIDE_Q = "Have you taken a dose that this app does not know about?"


def record_dose(session, patient, at, payload_hash="earlier", **fields):
    """A dose the server already knows of, taken at ``at`` through a calm check that passed
    (``fields`` change any of it: a held check, a missed post-dose check, ...)."""
    from api.models import HomeDose

    values = {
        "systolic": 128,
        "diastolic": 82,
        "heart_rate": 74,
        "monitor_present": True,
        "new_symptoms": False,
        "gate_ok": True,
        "gate_reasons": [],
        "dosed_at": at,
        "post_check_due_at": at + timedelta(hours=2),
        **fields,
    }
    session.add(
        HomeDose(
            id=uuid.uuid4(),
            patient_id=patient.id,
            clinic_id=patient.clinic_id,
            plan_version=1,
            payload_hash=payload_hash,
            checked_at=at,
            **values,
        )
    )


def dosing_factory(committed_db, context, enrolled):
    """The ``dosing`` fixture's maker: a signed-in patient with a home-dosing plan;
    ``dosing(taken_hours_ago=[30])`` also records doses the server knows of. Returns the patient."""
    from api.auth.passwords import hash_password
    from api.dosing.operations import set_plan
    from api.models import StaffUser

    def make(taken_hours_ago=(), **plan):
        patient, token = enrolled()
        staff = StaffUser(
            clinic_id=patient.clinic_id,
            email=f"prescriber-{uuid.uuid4().hex[:8]}@example.org",
            name="Prescriber",
            password_hash=hash_password("correct horse battery staple"),
        )
        committed_db.add(staff)
        committed_db.flush()
        row = set_plan(patient, {**PLAN, **plan}, staff)
        now = datetime.now(UTC)
        row.prescription_started_at = now - timedelta(days=10)
        for hours in taken_hours_ago:
            at = now - timedelta(hours=hours)
            record_dose(committed_db, patient, at, post_check_at=at + timedelta(hours=2))
        committed_db.commit()
        response = context.request.post("/api/v1/auth/redeem", data={"token": token})
        assert response.status == 200, response.text()
        return patient

    return make


def doses_of(db_session, patient_id):
    from api.models import HomeDose

    db_session.rollback()
    return db_session.scalars(
        sa.select(HomeDose)
        .where(HomeDose.patient_id == patient_id, HomeDose.payload_hash != "earlier")
        .order_by(HomeDose.received_at)
    ).all()


def alerts_of(db_session, patient_id, rule):
    from api.models import Alert

    db_session.rollback()
    return db_session.scalars(
        sa.select(Alert).where(Alert.patient_id == patient_id, Alert.rule == rule)
    ).all()


def wait_until(page, predicate, what, seconds=10):
    for _ in range(seconds * 10):
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def open_home(page, offline_reload=False, context=None):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/")
    wait_for_app(page)
    page.get_by_role("heading", name="Your dose at home").wait_for()
    if offline_reload:
        wait_for_service_worker(page)
        context.set_offline(True)
        # Opened again with no network at all: the plan and the gate are this phone's own.
        page.reload(wait_until="commit")
        wait_for_app(page)
        page.get_by_role("heading", name="Your dose at home").wait_for()


def answer(page, question, yes):
    page.locator("fieldset", has_text=question).get_by_label("Yes" if yes else "No").check()


def pre_dose_check(
    page, readings=CALM, monitor=True, symptoms=False, outside=None, start=True, monitor_q=MONITOR_Q
):
    if start:
        page.get_by_role("link", name="Start my pre-dose check").click()
    page.get_by_role("heading", name="Before your dose").wait_for()
    for label, value in zip(("Top number", "Bottom number", "Heart rate"), readings, strict=True):
        page.get_by_label(label).fill(value)
    answer(page, monitor_q, monitor)
    answer(page, SYMPTOMS_Q, symptoms)
    answer(page, OUTSIDE_Q, outside is not None)
    if outside is not None:
        page.get_by_label("When did you take it?").fill(outside)
    page.get_by_role("button", name="Check if I can take my dose").click()


def delivery(page):
    return page.locator(".send-status").get_attribute("data-state")


def take_a_dose(page):
    """Through the pre-dose check to "I took my dose"; on the rest timer after."""
    pre_dose_check(page)
    page.get_by_role("button", name="I took my dose").click()
    page.get_by_role("heading", name="Rest now").wait_for()


def finish_post_session(page):
    """The post-session check-in, every answer the calmest ("No", "Not at all")."""
    for number in range(1, 18):
        page.get_by_role("heading", name=f"Question {number} of 18").wait_for()
        page.locator("main button.option").first.click()
    page.get_by_role("heading", name="Question 18 of 18").wait_for()
    page.get_by_role("button", name="Next").click()
