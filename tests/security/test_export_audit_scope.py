"""The admin's patient export holds the patient's own audit rows, never another clinic's
(issue #14, finding 9): patients choose their check-in ids, so an id equal to another
clinic's patient id once pulled that clinic's rows about its patient into the export."""

import uuid

from api.models.base import utcnow
from tests.support.answers import phq9_every


def test_a_checkin_id_equal_to_another_clinics_patient_pulls_none_of_its_rows(
    world, as_caller, db_session
):
    b1 = str(world.b1.id)
    # Clinic B's clinician reads B1: audit rows about patient B1, in clinic B.
    clinician_b = as_caller(world.callers["clinician_b"])
    assert clinician_b.get(f"/api/v1/patients/{b1}").status_code == 200
    # A1 sends a check-in whose id is B1's patient id.
    a1 = world.callers["patient_a1"]
    response = as_caller(a1).post(
        "/api/v1/checkins",
        json={
            "id": b1,
            "instrument": "phq9",
            "answers": phq9_every(item9=0, level=0),
            "completed_at": utcnow().isoformat(),
        },
        headers={"X-CSRF-Token": a1.csrf},
    )
    assert response.status_code == 201, response.json
    export = as_caller(world.callers["admin_a"]).get(f"/api/v1/admin/patients/{world.a1.id}/export")
    assert export.status_code == 200
    log = export.json["access_log"]
    assert {e["clinic_id"] for e in log} == {world.clinic_a.id}
    about_b1 = [e for e in log if e["object_id"] == b1]
    # Only A1's own check-in with that id, typed as a check-in; no row about patient B1.
    assert about_b1 and {e["object_type"] for e in about_b1} == {"checkin"}
    assert {"auth.redeem", "checkin.create"} <= {e["action"] for e in log}


def test_rows_about_another_subject_with_the_same_id_are_left_out(world, as_caller, db_session):
    """Typed subjects: an id is only the patient's when it names the patient's kind of thing."""
    from api.models import AuditEvent

    db_session.add(
        AuditEvent(
            actor_kind="staff",
            actor_id=str(world.admin_a.id),
            clinic_id=world.clinic_a.id,
            action="staff.read",
            object_type="staff",
            object_id=world.checkin_a1,
        )
    )
    db_session.add(
        AuditEvent(
            actor_kind="staff",
            clinic_id=world.clinic_a.id,
            action="patient.read",
            object_type="patient",
            object_id=str(uuid.uuid4()),
        )
    )
    db_session.flush()
    export = as_caller(world.callers["admin_a"]).get(f"/api/v1/admin/patients/{world.a1.id}/export")
    actions = [(e["action"], e["object_type"]) for e in export.json["access_log"]]
    assert ("staff.read", "staff") not in actions
    assert ("checkin.create", "checkin") in actions
