"""The panel's pages and the trend chart are written directly (api/jsonbody.py), not dumped by
marshmallow: the document sent is the one their schema dumps, field for field: panel pages with
every kind of row (sessions and a course, flags of both kinds, alerts, a booster forecast, a
follow-up, no summary, discharged), for every sort, by GET and by search; the trend of every
instrument the chart draws, with sessions, readings, courses, and of a patient with nothing."""

import json
import uuid
from datetime import timedelta

import flask
import pytest

import surveys
from api.models import BoosterForecast, CheckinDue, FollowUp, PatientSummary, RiskFlag
from api.models.base import utcnow
from api.panel import operations
from api.panel.schemas import PanelPageSchema
from api.trend.operations import active_sessions, patient_trend
from api.trend.schemas import TREND_INSTRUMENTS, TrendOutSchema
from tests.support.records import full_record


def _sent(dumped) -> bytes:
    """The bytes flask-smorest sends for a schema's dump (Flask's JSON response): the direct
    path must send the same bytes, so an int for a bool or a float would show."""
    return flask.current_app.json.response(dumped).get_data()


@pytest.fixture
def rich_clinic(staff_client, create_patient, add_session, add_alert, db_session):
    client, csrf, staff = staff_client
    clinic = staff.clinic
    now = utcnow()
    recorded, _ = full_record(db_session, create_patient, add_session, add_alert, clinic)
    # A session with no readings between two with them (the markers' outer join), in a
    # course of its own.
    add_session(recorded, now - timedelta(days=4), label="Booster", drug="ketamine")
    db_session.merge(  # the summary's refresh may have stored one (no forecast yet): replaced
        BoosterForecast(
            patient_id=recorded.id, reason="forecast", due_at=now + timedelta(days=9),
            due_low_at=now + timedelta(days=5), due_high_at=None, payload={}, computed_at=now,
        )
    )  # fmt: skip
    db_session.add(
        FollowUp(
            patient_id=recorded.id, last_contact_at=now - timedelta(days=2),
            last_contact_result="reached", last_contact_method="phone",
            next_contact_on=(now - timedelta(days=1)).date(),
        )
    )  # fmt: skip
    relapsed = create_patient(clinic, display_name="Zoë Ünicode")
    db_session.add(
        RiskFlag(
            clinic_id=clinic.id, patient_id=relapsed.id, kind="relapse", instrument="phq9",
            dedupe_key=f"test:{uuid.uuid4()}", lowest=4, lowest_at=now - timedelta(days=30),
            latest=15, latest_at=now - timedelta(days=1),
        )
    )  # fmt: skip
    db_session.add(
        PatientSummary(
            patient_id=relapsed.id, worsening=True, severity_rank=3, trend_status="worsening",
            last_checkin_at=now - timedelta(days=1), instruments={"phq9": {"score": 15}},
        )
    )  # fmt: skip
    held = create_patient(clinic, display_name="Held")
    alert = add_alert(held, status="resolved")
    alert.resolved_at = now - timedelta(days=2)
    quiet = create_patient(clinic, display_name="Quiet")
    due = CheckinDue(
        patient_id=quiet.id, instrument="phq9", due_at=now - timedelta(hours=3), reason="scheduled"
    )
    db_session.add(due)
    gone = create_patient(clinic, display_name="Gone")
    gone.status = "discharged"
    db_session.flush()
    return client, csrf, clinic


@pytest.mark.parametrize("sort", operations.SORTS)
@pytest.mark.parametrize("extra", [{}, {"include_discharged": "true"}, {"limit": "2"}])
def test_a_page_sent_is_the_schemas_document(rich_clinic, monkeypatch, sort, extra):
    client, csrf, clinic = rich_clinic
    now = utcnow()
    monkeypatch.setattr(operations, "utcnow", lambda: now)
    response = client.get("/api/v1/patients", query_string={"sort": sort, **extra})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    args = {
        "sort": sort,
        **{k: (v == "true" if k != "limit" else int(v)) for k, v in extra.items()},
    }
    dumped = PanelPageSchema().dump(operations.panel_page(clinic.id, args))
    assert response.data == _sent(dumped)
    expected = json.loads(response.data)
    assert len(expected["items"]) >= 2
    if sort == "risk" and not extra:
        rows = expected["items"]
        assert any(r["booster"] and r["follow_up"] and r["treatment"] for r in rows)
        assert {f["kind"] for r in rows for f in r["risk_flags"]} == {"safety", "relapse"}


def test_a_search_sent_is_the_schemas_document(rich_clinic, monkeypatch):
    client, csrf, clinic = rich_clinic
    now = utcnow()
    monkeypatch.setattr(operations, "utcnow", lambda: now)
    response = client.post(
        "/api/v1/patients/search", json={"q": "zoë"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 200
    page = operations.panel_page(clinic.id, {"sort": "risk"}, q="zoë")
    assert response.data == _sent(PanelPageSchema().dump(page))
    assert [r["display_name"] for r in response.get_json()["items"]] == ["Zoë Ünicode"]


@pytest.mark.parametrize("instrument", TREND_INSTRUMENTS)
def test_a_trend_sent_is_the_schemas_document(rich_clinic, db_session, instrument):
    client, _, clinic = rich_clinic
    from api.models import Patient

    patients = db_session.query(Patient).filter_by(clinic_id=clinic.id).all()
    shown = 0
    for patient in patients:
        response = client.get(
            f"/api/v1/patients/{patient.id}/trend", query_string={"instrument": instrument}
        )
        assert response.status_code == 200
        body = patient_trend(patient, surveys.get_definition(instrument))
        # The markers are read as rows; the oracle dumps the sessions as objects.
        dumped = TrendOutSchema().dump({**body, "sessions": active_sessions(patient)})
        assert response.data == _sent(dumped)
        shown += len(body["points"]) > 0 and len(body["sessions"]) > 0
    assert shown == 1  # the patient with a record: points, sessions with readings, a course
