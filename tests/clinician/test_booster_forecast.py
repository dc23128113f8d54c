"""The booster forecast as stored with the summary and shown to staff (#21): computed after
every change the summary follows, the day it reaches the threshold with its range and what it
is based on; a reason in words when there is none; another clinic's patient a 404."""

from datetime import timedelta

import pytest

from api.models import BoosterForecast, Checkin
from api.pipeline.summary import refresh
from surveys.forecast import ALARM_RISK
from tests.support.forecast_history import START, write_history


@pytest.fixture
def patient(staff_client, create_patient):
    _, _, staff = staff_client
    return create_patient(staff.clinic)


def _forecast(client, patient, status=200):
    response = client.get(f"/api/v1/patients/{patient.id}/forecast")
    assert response.status_code == status, response.json
    return response.json


def test_the_forecast_is_stored_with_the_summary_and_shown(staff_client, patient, db_session):
    client, _, _ = staff_client
    assert _forecast(client, patient)["reason"] == "not_computed"
    course = write_history(db_session, patient)
    refresh(patient.id)
    stored = db_session.get(BoosterForecast, patient.id)
    assert (stored.reason, stored.course_id) == ("forecast", course.id)
    body = _forecast(client, patient)
    assert body["reason"] == "forecast" and body["alarm_risk"] == ALARM_RISK
    assert body["words"].startswith("Based on 3 earlier intervals of 18-25 days (3 ended")
    assert len(body["curve"]) == 57 and body["curve"][0] == [0, 0, 0, 0]
    # Due on the first day the risk reaches the threshold, counted from the last booster.
    due_day = next(day for day, risk, _, _ in body["curve"] if risk >= ALARM_RISK)
    last_booster = START + timedelta(days=95)
    assert stored.due_at == last_booster + timedelta(days=due_day)
    assert stored.due_low_at <= stored.due_at <= stored.due_high_at


def test_a_session_recorded_moves_the_forecast_to_it(staff_client, patient, db_session):
    client, csrf, _ = staff_client
    course = write_history(db_session, patient)
    refresh(patient.id)
    before = db_session.get(BoosterForecast, patient.id).due_at
    at = START + timedelta(days=110)
    response = client.post(
        f"/api/v1/patients/{patient.id}/sessions",
        json={
            "administered_at": at.isoformat(),
            "modality": "iv",
            "drug": "ketamine",
            "dose_mg": 35,
            "course_id": course.id,
        },
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert response.status_code == 201, response.json
    db_session.expire_all()
    body = _forecast(client, patient)
    assert body["session_at"].startswith(at.date().isoformat())
    assert db_session.get(BoosterForecast, patient.id).due_at > before


def test_no_forecast_before_a_response_and_it_says_why(staff_client, patient, db_session):
    client, _, _ = staff_client
    write_history(db_session, patient)
    db_session.query(Checkin).filter(Checkin.patient_id == patient.id).update({"total": 18})
    refresh(patient.id)
    body = _forecast(client, patient)
    assert body["reason"] == "no_response" and body["due_at"] is None and body["curve"] == []
    assert body["words"].startswith("No response yet")


def test_another_clinics_patient_is_a_404(other_clinic, patient, db_session):
    write_history(db_session, patient)
    refresh(patient.id)
    _forecast(other_clinic["client"], patient, status=404)


def test_the_panel_says_when_a_booster_is_likely_due_and_sorts_by_it(
    staff_client, patient, create_patient, db_session
):
    client, _, staff = staff_client
    without = create_patient(staff.clinic, display_name="Aaron No Forecast")
    write_history(db_session, patient)
    refresh(patient.id, without.id)
    response = client.get("/api/v1/patients?sort=booster_due")
    assert response.status_code == 200, response.json
    first, second = response.json["items"]
    assert (first["id"], second["id"]) == (str(patient.id), str(without.id))
    assert second["booster"] is None
    stored = db_session.get(BoosterForecast, patient.id)
    assert first["booster"]["due_at"] == stored.due_at.isoformat()
    # The history ended months ago: the risk passed the threshold long before today.
    assert first["booster"]["words"].startswith("Booster likely due now (risk reached ")
    by_name = client.get("/api/v1/patients?sort=name").json["items"]
    assert [row["id"] for row in by_name] == [str(without.id), str(patient.id)]
    due = client.get("/api/v1/patients?booster_due_within_days=7").json["items"]
    assert [row["id"] for row in due] == [str(patient.id)]
    bad = client.get("/api/v1/patients?booster_due_within_days=99")
    assert bad.status_code == 422 and "booster_due_within_days" in str(bad.json["errors"])


def test_due_words_count_from_today():
    from datetime import datetime

    from surveys.forecast import due_words

    now = datetime(2026, 12, 2, 12, tzinfo=START.tzinfo)
    days = [now + timedelta(days=n) for n in (9, 5, 14)]
    assert due_words(*days, now) == "Booster likely due in about 9 days (5 to 14)"
    assert due_words(days[0], days[1], None, now).endswith("(5 to later)")
    assert due_words(None, None, None, now) == (
        "Booster not likely due within 8 weeks of the session"
    )


def test_admins_read_the_backtest_on_their_own_history(
    client, login, create_clinician, create_patient, db_session
):
    admin = create_clinician(role="admin")
    write_history(db_session, create_patient(admin.clinic))
    login(client, admin)
    response = client.get("/api/v1/reports/forecast")
    assert response.status_code == 200, response.json
    assert "-- this clinic" in response.json["text"]
    (block,) = response.json["figures"]["priors"]
    assert block["cohorts"]["this clinic"]["scores"]["forecast"]["intervals"] == 3


def test_the_backtest_report_is_for_admins_and_says_nothing_of_an_empty_history(
    client, login, staff_client, create_clinician
):
    clinician, _, _ = staff_client  # the same client, signed in as a clinician first
    assert clinician.get("/api/v1/reports/forecast").status_code == 403
    login(client, create_clinician(role="admin"))
    response = client.get("/api/v1/reports/forecast")
    assert response.status_code == 200, response.json
    (block,) = response.json["figures"]["priors"]
    assert block["cohorts"]["this clinic"]["scores"]["forecast"]["intervals"] == 0
    assert "median lead no, mean lead no" in response.json["text"]


def test_setting_a_plan_restates_the_stored_forecast_at_once(staff_client, patient, db_session):
    """The forecast speaks only in maintenance when the course has a plan: setting one puts
    the stored forecast right without waiting for the next check-in (a review found it stale
    until then)."""
    client, csrf, _ = staff_client
    course = write_history(db_session, patient)
    refresh(patient.id)
    assert db_session.get(BoosterForecast, patient.id).reason == "forecast"
    # An induction of 60 sessions: the course is still in its induction, not in maintenance.
    body = {"phases": [{"name": "induction", "sessions": 60, "interval_days": 4}]}
    url = f"/api/v1/patients/{patient.id}/courses/{course.id}/plan"
    assert client.put(url, json=body, headers={"X-CSRF-Token": csrf}).status_code == 200
    db_session.expire_all()
    assert db_session.get(BoosterForecast, patient.id).reason == "not_in_maintenance"
    assert client.delete(url, headers={"X-CSRF-Token": csrf}).status_code == 200
    db_session.expire_all()
    assert db_session.get(BoosterForecast, patient.id).reason == "forecast"
