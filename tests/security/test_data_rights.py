"""A patient's data rights, exercised by a clinic admin: export everything, erase everything."""

import sqlalchemy as sa

from api.extensions import db
from api.models import Alert, AuditEvent, CaseContact, Delivery, Patient


def _tables_naming_patients():
    """(table, column, foreign key) for every foreign key to patients.id in the schema."""
    return [
        (table, fk.parent, fk)
        for table in db.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "patients" and fk.column.name == "id"
    ]


def test_every_reference_to_a_patient_is_erased_with_the_patient():
    # Erasure is one DELETE of the patient row; a table added later that names a patient
    # without ON DELETE CASCADE would make it fail (or leave data behind).
    found = _tables_naming_patients()
    assert len(found) >= 8
    assert [f"{t.name}.{c.name}" for t, c, fk in found if fk.ondelete != "CASCADE"] == []


def test_export_holds_everything_including_a_fhir_bundle(world, as_caller, db_session):
    response = as_caller(world.callers["admin_a"]).get(
        f"/api/v1/admin/patients/{world.a1.id}/export"
    )
    assert response.status_code == 200
    body = response.json
    assert body["patient"]["display_name"] == world.a1.display_name
    assert body["patient"]["email"] == world.a1.email
    assert [c["id"] for c in body["checkins"]] == [world.checkin_a1]
    assert body["checkins"][0]["answers"]["phq9_9"] == 2
    assert [a["id"] for a in body["alerts"]] == [world.alert_a1]
    # The home-dosing plan and its checks are the patient's too (vitals are PHI).
    assert body["home_dosing"]["plan"]["form"] == "oral"
    assert [d["id"] for d in body["home_dosing"]["doses"]] == [world.dose_a1]
    (case,) = body["cases"]
    assert case["id"] == body["alerts"][0]["case_id"] and case["contacts"] == []
    assert [s["id"] for s in body["treatment_sessions"]] == [world.treatment_session_a1]
    assert [t["id"] for t in body["intake"]["trials"]] == [world.intake_trial_a1]
    assert [(a["item"], a["answer"]) for a in body["intake"]["answers"]] == [
        ("pregnancy", "unknown")
    ]
    assert body["intake"]["overrides"] == []
    assert len(body["device_sessions"]) == 1 and len(body["invites"]) == 1
    assert "token_hash" not in body["invites"][0]
    assert {e["action"] for e in body["access_log"]} >= {"auth.redeem", "checkin.create"}
    kinds = [e["resource"]["resourceType"] for e in body["fhir"]["entry"]]
    assert body["fhir"]["resourceType"] == "Bundle"
    assert {"Patient", "QuestionnaireResponse", "Observation"} <= set(kinds)
    assert response.headers["Cache-Control"] == "no-store"
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.request_id == response.headers["X-Request-Id"])
    )
    assert (event.action, event.object_id) == ("patient.export", str(world.a1.id))


def test_erasure_leaves_only_audit_events(world, as_caller, db_session):
    alert = db_session.get(Alert, world.alert_a1)
    db_session.add(Delivery(alert_id=alert.id, channel="email", recipient="staff:1"))
    db_session.add(
        CaseContact(
            case_id=alert.case_id,
            patient_id=alert.patient_id,
            at=alert.created_at,
            method="phone",
            result="reached",
            note="Spoke with the patient.",
        )
    )
    db_session.flush()
    deliveries = db_session.scalar(sa.select(sa.func.count()).select_from(Delivery))
    admin = world.callers["admin_a"]
    a1_id, a1_name, a1_email = world.a1.id, world.a1.display_name, world.a1.email
    url = f"/api/v1/admin/patients/{a1_id}/erase"
    headers = {"X-CSRF-Token": admin.csrf}

    wrong = as_caller(admin).post(url, json={"confirm_ref": world.a2.ref}, headers=headers)
    assert wrong.status_code == 422
    assert db_session.get(Patient, a1_id) is not None

    response = as_caller(admin).post(url, json={"confirm_ref": world.a1.ref}, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json == {
        "checkins": 1,
        "safety_signals": 0,
        "alerts": 1,
        "cases": 1,
        "case_contacts": 1,
        "deliveries": deliveries,
        "treatment_sessions": 1,
        "device_sessions": 1,
        "invites": 1,
    }
    db_session.expire_all()
    for table, column, _ in _tables_naming_patients():
        left = db_session.scalar(
            sa.select(sa.func.count()).select_from(table).where(column == a1_id)
        )
        assert left == 0, table.name
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
    # The device is signed out, and the others' data is untouched.
    assert as_caller(world.callers["patient_a1"]).get("/api/v1/me").status_code == 401
    assert as_caller(world.callers["patient_a2"]).get("/api/v1/me").status_code == 200

    remaining = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_id == str(a1_id))
    ).all()
    assert "patient.erase" in {e.action for e in remaining}
    text = " ".join(str(e.detail) for e in remaining)
    assert a1_name not in text and a1_email not in text
