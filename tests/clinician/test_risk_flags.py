"""Risk stays visible: a positive safety screen keeps its flag through later scores, until its
alert is resolved and for the clinic's hold after; a worsening against the lowest score stays
flagged through a new course until someone dismisses it (docs/clinical.md)."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import Alert, AuditEvent, RiskFlag
from api.models.base import utcnow
from tests.support.answers import answers_for, submit
from tests.support.cases import outcome
from tests.support.intake import clear_intake


@pytest.fixture
def patient_story(staff_client, create_patient, make_client, redeem):
    """A signed-in clinician and a signed-in patient of their clinic."""
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic, display_name="Robin Retake")
    clear_intake(patient, staff)
    phone = make_client()
    return {
        "client": client,
        "csrf": csrf,
        "staff": staff,
        "patient": patient,
        "phone": phone,
        "phone_csrf": redeem(phone, patient),
    }


def checkin(story, total, at, item9=0):
    """The patient submits a PHQ-9 through the API; the worker's evaluation follows."""
    from api.pipeline.evaluate import evaluate

    answers = answers_for("phq9", total, item9)
    checkin_id = submit(story["phone"], story["phone_csrf"], answers, completed_at=at)
    evaluate(checkin_id, utcnow())
    return checkin_id


def row_of(story):
    response = story["client"].get("/api/v1/patients?sort=risk")
    assert response.status_code == 200, response.json
    (row,) = [r for r in response.json["items"] if r["id"] == str(story["patient"].id)]
    return row


def flags_of(story, kind):
    url = f"/api/v1/patients/{story['patient'].id}/risk-flags"
    response = story["client"].get(url)
    assert response.status_code == 200, response.json
    return [f for f in response.json["items"] if f["kind"] == kind]


def resolve(story, alert):
    """Resolve the alert's case with a documented outcome, as an urgent case needs."""
    body = {"outcome": outcome()}
    return story["client"].post(
        f"/api/v1/alerts/{alert.id}/resolve", json=body, headers={"X-CSRF-Token": story["csrf"]}
    )


def act(story, url, body=None):
    return story["client"].post(url, json=body or {}, headers={"X-CSRF-Token": story["csrf"]})


def test_item9_flag_is_raised_and_survives_a_near_zero_retake(patient_story, db_session):
    now = utcnow()
    checkin(patient_story, 18, now - timedelta(minutes=3), item9=2)
    alert = db_session.scalars(sa.select(Alert).where(Alert.rule == "suicidal_ideation")).one()
    assert alert.red_flag is True
    assert act(patient_story, f"/api/v1/alerts/{alert.id}/acknowledge").status_code == 200
    checkin(patient_story, 1, now)  # three minutes later, nearly nothing

    row = row_of(patient_story)
    # Acknowledged is not resolved: the patient stays near the top, flagged, and the
    # retake is neither a remission nor an improvement.
    assert row["risk"] == {"tier": 2, "label": "Positive safety screen"}
    (flag,) = row["risk_flags"]
    assert (flag["kind"], flag["label"], flag["open"]) == ("safety", "Item 9 positive", True)
    assert flag["at"].startswith((now - timedelta(minutes=3)).date().isoformat())
    phq = row["instruments"]["phq9"]
    assert phq["latest"] == 1
    assert phq["retake"] == {"n": 2, "highest": 18, "latest": 1, "implausible": True}
    assert phq["status"] != "remission" and phq["remission"] is False
    assert row["trend_status"] not in ("remission", "response", "improving")
    assert flags_of(patient_story, "safety") == row["risk_flags"]


def test_resolved_flag_stays_for_the_clinics_hold_then_clears(
    patient_story, db_session, create_clinician, make_client, login
):
    now = utcnow()
    checkin(patient_story, 12, now - timedelta(days=3), item9=1)
    checkin(patient_story, 4, now - timedelta(days=1))
    alert = db_session.scalars(sa.select(Alert).where(Alert.red_flag.is_(True))).one()
    assert resolve(patient_story, alert).status_code == 200

    (flag,) = row_of(patient_story)["risk_flags"]
    assert flag["open"] is False and flag["resolved_at"] is not None
    assert row_of(patient_story)["risk"]["tier"] == 2
    db_session.refresh(alert)
    assert flag["until"].startswith((alert.resolved_at + timedelta(days=14)).date().isoformat())

    # 15 days after resolving, past the default hold of 14 days: the flag is gone.
    alert.resolved_at = now - timedelta(days=15)
    db_session.flush()
    row = row_of(patient_story)
    assert row["risk_flags"] == [] and row["risk"]["tier"] == 6

    # A clinic that keeps flags for 30 days sees it again (settings are an admin's).
    admin = create_clinician(role="admin", clinic=patient_story["staff"].clinic)
    admin_client = make_client()
    settings = admin_client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": {"risk_flag_days": 30}},
        headers={"X-CSRF-Token": login(admin_client, admin)},
    )
    assert settings.status_code == 200, settings.json
    assert settings.json["rule_settings"]["risk_flag_days"] == 30
    assert [f["label"] for f in row_of(patient_story)["risk_flags"]] == ["Item 9 positive"]


@pytest.mark.parametrize("bad", [0, 366, "14", 2.5, True])
def test_the_hold_setting_is_validated(client, login, create_clinician, bad):
    admin = create_clinician(role="admin")
    csrf = login(client, admin)
    response = client.patch(
        "/api/v1/clinic/settings",
        json={"rule_settings": {"risk_flag_days": bad}},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.json
    assert "risk_flag_days" in str(response.json["errors"])


def test_relapse_flag_survives_a_new_course_until_dismissed(
    patient_story, db_session, other_clinic
):
    story = patient_story
    now = utcnow()
    patient = story["patient"]
    checkin(story, 20, now - timedelta(days=28))
    checkin(story, 7, now - timedelta(days=20))
    checkin(story, 16, now - timedelta(days=3))
    (flag,) = flags_of(story, "relapse")
    assert (flag["lowest"], flag["latest"], flag["rise"], flag["open"]) == (7, 16, 9, True)
    # The worsening alert is dealt with; the flag is not a card in the inbox.
    # (One case holds them all: resolving through one resolves every one.)
    first, *others = db_session.scalars(sa.select(Alert).where(Alert.status == "open"))
    assert act(story, f"/api/v1/alerts/{first.id}/resolve").status_code == 200
    for alert in others:
        db_session.refresh(alert)
        assert alert.status == "resolved"
    assert row_of(story)["risk"]["label"] == "Worsening"

    # A maintenance infusion recorded as a new course: a new course baseline of 16, no
    # course worsening, but the episode and its flag are kept.
    response = story["client"].post(
        f"/api/v1/patients/{patient.id}/sessions",
        json={
            "administered_at": (now - timedelta(days=2)).isoformat(),
            "modality": "iv",
            "drug": "ketamine",
            "dose_mg": 35,
            "new_course_label": "Maintenance",
        },
        headers={"X-CSRF-Token": story["csrf"]},
    )
    assert response.status_code == 201, response.json
    row = row_of(story)
    phq = row["instruments"]["phq9"]
    assert phq["baseline"] == 16 and phq["status"] != "worsening"
    assert phq["episode"]["baseline"] == 20 and phq["episode"]["lowest"] == 7
    assert row["risk"] == {"tier": 3, "label": "Worsening"}
    assert [f["rise"] for f in row["risk_flags"]] == [9]

    url = f"/api/v1/patients/{patient.id}/risk-flags/{flag['id']}/dismiss"
    # Nobody else's clinic can dismiss it, and an unknown flag is a 404.
    stranger = other_clinic["client"].post(
        url, json={}, headers={"X-CSRF-Token": other_clinic["csrf"]}
    )
    assert stranger.status_code == 404
    missing = act(story, f"/api/v1/patients/{patient.id}/risk-flags/999999/dismiss")
    assert missing.status_code == 404 and missing.json["message"]
    assert act(story, url, {"note": "x" * 2001}).status_code == 422

    done = act(story, url, {"note": "Reviewed; maintenance infusion booked."})
    assert done.status_code == 200, done.json
    assert done.json["open"] is False
    again = act(story, url)
    assert again.status_code == 409
    stored = db_session.get(RiskFlag, flag["id"])
    db_session.refresh(stored)
    assert stored.dismissed_by == story["staff"].id
    assert stored.dismiss_note == "Reviewed; maintenance infusion booked."
    # Audit rows outlive other tests' committed data (append-only): this clinic's only.
    audit = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "risk_flag.dismiss",
            AuditEvent.clinic_id == story["staff"].clinic_id,
        )
    ).all()
    assert [(a.object_id, a.outcome) for a in audit] == [(str(flag["id"]), "success")]

    assert row_of(story)["risk_flags"] == []
    assert row_of(story)["risk"]["tier"] == 6
    # The same rise from the same lowest does not come back; a new lowest and a new rise do.
    checkin(story, 15, now - timedelta(hours=60))
    assert flags_of(story, "relapse") == []
    # A new lowest (answered offline, 6.5 days before the 15): not yet a change, the PHQ-9's
    # thresholds compare check-ins at least 7 days apart ...
    checkin(story, 3, now - timedelta(days=9))
    assert flags_of(story, "relapse") == []
    # ... 9 days later a rise of 11 from it is.
    checkin(story, 14, now - timedelta(minutes=5))
    assert [(f["lowest"], f["latest"]) for f in flags_of(story, "relapse")] == [(3, 14)]
