"""Patient detail, edits, check-in lists, invites; clinic scoping on every patient route."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, Patient, TreatmentSession
from api.models.base import utcnow

SCHEDULE = {
    "cadence_days": 14,
    "cadence_instruments": ["phq9"],
    "session_anchored": False,
    "local_time": "09:30",
}


def audit_actions(db_session, object_id=None):
    query = sa.select(AuditEvent.action, AuditEvent.outcome)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == str(object_id))
    return db_session.execute(query.order_by(AuditEvent.id)).all()


def test_detail_has_profile_team_scores_and_due(
    staff_client, create_patient, add_checkin, db_session
):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic, display_name="Dana", care_team=[staff])
    add_checkin(patient, 16, utcnow() - timedelta(days=1))
    body = client.get(f"/api/v1/patients/{patient.id}").json
    assert body["display_name"] == "Dana" and body["ref"] == patient.ref
    assert body["care_team"] == [{"id": staff.id, "name": staff.name}]
    assert body["instruments"]["phq9"]["severity_label"] == "Moderately severe"
    assert body["overdue"] is False and body["next_due"] == []
    assert ("patient.read", "success") in audit_actions(db_session, patient.id)


def test_patch_schedule_care_team_and_discharge(
    staff_client, create_patient, create_clinician, redeem, make_client, db_session
):
    client, csrf, staff = staff_client
    colleague = create_clinician(clinic=staff.clinic, name="Dr. Colleague")
    patient = create_patient(staff.clinic)
    device = make_client()
    redeem(device, patient)
    assert device.get("/api/v1/me").status_code == 200
    headers = {"X-CSRF-Token": csrf}
    response = client.patch(
        f"/api/v1/patients/{patient.id}",
        json={"schedule": SCHEDULE, "care_team": [colleague.id, staff.id]},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["schedule"] == SCHEDULE
    assert {m["id"] for m in response.json["care_team"]} == {staff.id, colleague.id}
    response = client.patch(
        f"/api/v1/patients/{patient.id}", json={"status": "discharged"}, headers=headers
    )
    assert response.json["status"] == "discharged" and response.json["discharged_at"]
    assert device.get("/api/v1/me").status_code == 401  # signed out at once
    assert client.post(f"/api/v1/patients/{patient.id}/invite", headers=headers).status_code == 409
    response = client.patch(
        f"/api/v1/patients/{patient.id}", json={"status": "active"}, headers=headers
    )
    assert response.json["discharged_at"] is None
    events = db_session.execute(
        sa.select(AuditEvent.detail).where(
            AuditEvent.action == "patient.update", AuditEvent.object_id == str(patient.id)
        )
    ).scalars()
    assert [e["fields"] for e in events] == [["schedule", "care_team"], ["status"], ["status"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "_schema"),
        ({"schedule": {**SCHEDULE, "cadence_days": 0}}, "schedule"),
        ({"schedule": {**SCHEDULE, "local_time": "25:00"}}, "schedule"),
        ({"schedule": {**SCHEDULE, "cadence_instruments": ["asq"]}}, "schedule"),
        # The PHQ-9 and GAD-7 no more often than every 7 days (#18 item 1).
        ({"schedule": {**SCHEDULE, "cadence_days": 6}}, "schedule"),
        ({"schedule": {"cadence_days": 7}}, "schedule"),
        ({"status": "deleted"}, "status"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "Dana\x00"}, "display_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a" * 290 + "@example.org"}, "email"),  # the column holds 254
        ({"ref": "P-HACKED"}, "ref"),
        ({"clinic_id": 1}, "clinic_id"),
    ],
)
def test_bad_patches_are_422_and_change_nothing(
    staff_client, create_patient, db_session, body, field
):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic, display_name="Unchanged")
    before = dict(patient.schedule)
    response = client.patch(
        f"/api/v1/patients/{patient.id}", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422
    # Nested fields are named by their dotted path: "schedule.local_time".
    assert any(name.split(".")[0] == field for name in response.json["errors"])
    db_session.expire_all()
    again = db_session.get(Patient, patient.id)
    assert again.schedule == before and again.display_name == "Unchanged"


def test_care_team_of_another_clinic_is_refused(staff_client, create_patient, other_clinic):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic)
    response = client.patch(
        f"/api/v1/patients/{patient.id}",
        json={"care_team": [other_clinic["staff"].id]},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert "care_team" in response.json["errors"]


def test_enrol_refuses_foreign_care_team(staff_client, other_clinic):
    client, csrf, _ = staff_client
    response = client.post(
        "/api/v1/patients",
        json={"display_name": "New", "care_team": [other_clinic["staff"].id]},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422


def test_checkin_list_has_every_question_and_answer(staff_client, create_patient, add_checkin):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    add_checkin(patient, 5, utcnow() - timedelta(days=3), instrument="gad7")
    add_checkin(patient, 12, utcnow() - timedelta(days=1), item9=1)
    items = client.get(f"/api/v1/patients/{patient.id}/checkins").json["items"]
    assert [c["instrument"] for c in items] == ["phq9", "gad7"]
    phq9 = items[0]
    assert phq9["safety_endorsed"] is True and phq9["severity_label"] == "Moderate"
    by_id = {a["link_id"]: a for a in phq9["answers"]}
    assert by_id["phq9_9"]["value"] == 1 and by_id["phq9_9"]["label"] == "Several days"
    assert by_id["phq9_9"]["text"].startswith("Thoughts that you would be better off dead")
    assert len([a for a in phq9["answers"] if a["link_id"] != "phq9_difficulty"]) == 9
    only = client.get(f"/api/v1/patients/{patient.id}/checkins?instrument=gad7").json["items"]
    assert [c["instrument"] for c in only] == ["gad7"] and len(only[0]["answers"]) == 7
    assert client.get(f"/api/v1/patients/{patient.id}/checkins?limit=0").status_code == 422
    assert client.get(f"/api/v1/patients/{patient.id}/checkins?instrument=a%00").status_code == 422


@pytest.fixture
def foreign(create_patient, add_session, add_checkin, db_session, other_clinic):
    """A patient of clinic Y with a session and a check-in."""
    patient = create_patient(other_clinic["clinic"], display_name="Secret Sam")
    add_checkin(patient, 10, utcnow() - timedelta(days=1))
    session = add_session(patient, utcnow() - timedelta(days=2))
    return patient, session


SESSION_BODY = {
    "administered_at": None,
    "modality": "iv",
    "drug": "ketamine",
    "dose_mg": 35,
    "dose_mg_per_kg": 0.5,
}
ROUTES = [
    ("get", "/api/v1/patients/{p}", None),
    ("patch", "/api/v1/patients/{p}", {"status": "discharged"}),
    ("post", "/api/v1/patients/{p}/invite", None),
    ("get", "/api/v1/patients/{p}/checkins", None),
    ("get", "/api/v1/patients/{p}/trend", None),
    ("get", "/api/v1/patients/{p}/sessions", None),
    ("post", "/api/v1/patients/{p}/sessions", SESSION_BODY),
    ("get", "/api/v1/patients/{p}/sessions/{s}", None),
    ("patch", "/api/v1/patients/{p}/sessions/{s}", {"notes": "x"}),
    ("delete", "/api/v1/patients/{p}/sessions/{s}", None),
    ("get", "/api/v1/patients/{p}/export.csv", None),
    ("get", "/api/v1/patients/{p}/export.csv?part=sessions", None),
    ("get", "/api/v1/patients/{p}/fhir", None),
]


@pytest.mark.parametrize(("method", "template", "body"), ROUTES)
def test_clinician_of_another_clinic_gets_404_and_nothing_changes(
    staff_client, foreign, db_session, method, template, body
):
    client, csrf, _ = staff_client
    patient, session = foreign
    if body is SESSION_BODY:
        body = {**body, "administered_at": utcnow().isoformat()}
    path = template.format(p=patient.id, s=session.id)
    response = getattr(client, method)(path, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 404
    assert response.is_json and "Secret" not in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Patient, patient.id).status == "active"
    assert db_session.get(TreatmentSession, session.id).deleted_at is None
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).where(TreatmentSession.patient_id == patient.id)
        )
        == 1
    )
    assert any(outcome == "denied" for _, outcome in audit_actions(db_session))


def test_session_of_another_patient_in_the_same_clinic_is_404(
    staff_client, create_patient, add_session
):
    client, csrf, staff = staff_client
    mine, other = create_patient(staff.clinic), create_patient(staff.clinic)
    session = add_session(other, utcnow() - timedelta(days=1))
    path = f"/api/v1/patients/{mine.id}/sessions/{session.id}"
    assert client.get(path).status_code == 404
    assert client.delete(path, headers={"X-CSRF-Token": csrf}).status_code == 404


def test_panel_never_lists_another_clinics_patients(staff_client, foreign):
    client, _, _ = staff_client
    assert client.get("/api/v1/patients?include_discharged=true").json["items"] == []


def test_enrol_with_an_email_longer_than_the_column_is_422(staff_client, db_session):
    client, csrf, staff = staff_client
    before = db_session.scalar(sa.select(sa.func.count()).select_from(Patient))
    response = client.post(
        "/api/v1/patients",
        json={"display_name": "Long Mail", "email": "b" * 250 + "@example.org"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
    assert "email" in response.json["errors"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Patient)) == before
