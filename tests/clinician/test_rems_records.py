"""REMS-ready records: every esketamine session has its Patient Monitoring Form, due 7 days
after the session; the due list ages records past it; staff mark one submitted (audited)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, RemsRecord, TreatmentSession
from api.models.base import utcnow
from api.sessions.rems import FORM_FIELDS, TO_FILL
from tests.support.intake import clear_intake


def esketamine(at, **changes):
    def when(minutes):
        return (at + timedelta(minutes=minutes)).isoformat()

    body = {
        "administered_at": at.isoformat(),
        "modality": "intranasal",
        "drug": "esketamine",
        "dose_mg": 84,
        "devices": 3,
        "lot_number": "LOT-77",
        "readings": [
            {"kind": "pre_dose", "taken_at": when(-5), "systolic": 128, "diastolic": 82},
            {"kind": "post_40", "taken_at": when(40), "systolic": 142, "diastolic": 88},
            {"kind": "discharge", "taken_at": when(118), "systolic": 126, "diastolic": 80},
            {"kind": "further", "taken_at": when(60), "heart_rate": 84, "spo2": 95},
        ],
        "moaas": 4,
        "cadss": 30,
        "cadss_form": "full",
        "sedation": True,
        "dissociation": True,
        "respiratory_depression": False,
        "vitals_ok_pre": True,
        "vitals_ok_discharge": True,
        "monitoring_started_at": when(0),
        "monitoring_ended_at": when(125),
        "ready_to_leave_at": when(90),
        "concomitant_classes": [],
        "serious_adverse_event": False,
    }
    return body | changes


@pytest.fixture
def clinic(staff_client, create_patient):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic, display_name="Robin Vale")
    clear_intake(patient, staff)  # the screen is clear: a first course may start
    base = f"/api/v1/patients/{patient.id}/sessions"
    return client, {"X-CSRF-Token": csrf}, patient, base, staff


def _record(client, headers, base, at, **changes):
    created = client.post(base, json=esketamine(at, **changes), headers=headers)
    assert created.status_code == 201, created.json
    return created.json["rems_record_id"], created.json["id"]


def test_the_form_holds_every_field_from_the_session(clinic):
    client, headers, patient, base, staff = clinic
    record_id, _ = _record(client, headers, base, utcnow() - timedelta(hours=3))
    form = client.get(f"/api/v1/rems/records/{record_id}").json
    fields = form["fields"]
    assert set(fields) == set(FORM_FIELDS)
    assert form["missing"] == [] and form["to_fill"] == list(TO_FILL)
    assert (fields["dose_mg"], fields["devices"], fields["lot_number"]) == (84.0, 3, "LOT-77")
    assert (fields["total_monitoring_minutes"], fields["ready_to_leave_minutes"]) == (125, 90)
    assert (fields["bp_pre_dose"], fields["bp_post_40"], fields["bp_discharge"]) == (
        "128/82",
        "142/88",
        "126/80",
    )
    assert fields["concomitant_benzodiazepines"] is False  # asked, and none taken
    assert fields["cadss"] == "30 (full CADSS)" and fields["spo2_lowest"] == 95
    assert fields["monitor_name"] == staff.name and fields["setting_name"] == patient.clinic.name
    assert fields["patient_name"] == "Robin Vale" and not form["overdue"]


def test_an_incomplete_form_says_what_is_missing(clinic):
    client, headers, _, base, _ = clinic
    record_id, _ = _record(
        client,
        headers,
        base,
        utcnow() - timedelta(hours=1),
        ready_to_leave_at=None,
        lot_number=None,
        monitoring_ended_at=None,
        concomitant_classes=None,
        readings=[],
    )
    missing = client.get(f"/api/v1/rems/records/{record_id}").json["missing"]
    for name in ("lot_number", "total_monitoring_minutes", "bp_pre_dose", "bp_discharge"):
        assert name in missing
    assert "concomitant_benzodiazepines" in missing


def test_the_due_list_ages_records_past_seven_days(clinic, db_session):
    client, headers, patient, base, _ = clinic
    now = utcnow()
    fresh, _ = _record(client, headers, base, now - timedelta(days=6, hours=20))
    old, old_session = _record(client, headers, base, now - timedelta(days=7, hours=4))
    items = client.get("/api/v1/rems/due").json["items"]
    assert [i["id"] for i in items] == [old, fresh]  # the longest waiting first
    assert [i["overdue"] for i in items] == [True, False]
    assert items[1]["days_left"] == 0 and items[1]["patient_ref"] == patient.ref
    # Simulated time: the fresh record's session moves back a day; it is overdue too.
    row = db_session.get(RemsRecord, fresh)
    row.due_at -= timedelta(days=1)
    db_session.flush()
    assert all(i["overdue"] for i in client.get("/api/v1/rems/due").json["items"])
    # Correcting the session's time moves an unsubmitted record's due date with it.
    later = (now - timedelta(days=1)).isoformat()
    moved = client.patch(
        f"{base}/{old_session}",
        json=esketamine(now - timedelta(days=1)) | {"administered_at": later},
        headers=headers,
    )
    assert moved.status_code == 200, moved.json
    by_id = {i["id"]: i for i in client.get("/api/v1/rems/due").json["items"]}
    assert by_id[old]["overdue"] is False and by_id[old]["days_left"] == 5


def test_marking_submitted_is_audited_once_and_leaves_the_due_list(clinic, db_session):
    client, headers, _, base, staff = clinic
    record_id, session_id = _record(client, headers, base, utcnow() - timedelta(days=2))
    url = f"/api/v1/rems/records/{record_id}/submitted"
    marked = client.post(url, json={"reference": "FAX-2231"}, headers=headers)
    assert marked.status_code == 200, marked.json
    assert marked.json["submitted_by"] == staff.id and marked.json["submission_reference"]
    assert client.get("/api/v1/rems/due").json["items"] == []
    again = client.post(url, json={}, headers=headers)
    assert again.status_code == 409
    event = db_session.execute(
        sa.select(AuditEvent.action, AuditEvent.detail).where(
            AuditEvent.object_id == record_id, AuditEvent.action == "rems.submitted"
        )
    ).one()
    assert "FAX-2231" not in str(event.detail)
    # A correction after submission is shown as such (a corrected form may be owed).
    client.patch(f"{base}/{session_id}", json={"lot_number": "LOT-78"}, headers=headers)
    form = client.get(f"/api/v1/rems/records/{record_id}").json
    assert form["changed_since_submitted"] == ["lot_number"]


@pytest.mark.parametrize(
    "when", [lambda at: at - timedelta(minutes=1), lambda at: utcnow() + timedelta(hours=1)]
)
def test_a_submission_time_that_cannot_be_real_is_422(clinic, when):
    client, headers, _, base, _ = clinic
    at = utcnow() - timedelta(days=2)
    record_id, _ = _record(client, headers, base, at)
    response = client.post(
        f"/api/v1/rems/records/{record_id}/submitted",
        json={"submitted_at": when(at).isoformat()},
        headers=headers,
    )
    assert response.status_code == 422 and "submitted_at" in response.json["errors"]
    assert client.get(f"/api/v1/rems/records/{record_id}").json["submitted_at"] is None


def test_the_form_as_csv_has_every_column(clinic):
    client, headers, _, base, _ = clinic
    record_id, session_id = _record(client, headers, base, utcnow() - timedelta(hours=3))
    response = client.get(f"/api/v1/rems/records/{record_id}/csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(row) == ["record_id", "session_id", *FORM_FIELDS, *TO_FILL] + [
        "due_at",
        "submitted_at",
    ]
    assert (row["session_id"], row["lot_number"], row["bp_post_40"]) == (
        session_id,
        "LOT-77",
        "142/88",
    )
    assert row["patient_birthdate"] == ""  # Waypoint does not hold it: written in by hand


def test_only_esketamine_sessions_have_records_and_deleted_ones_leave(clinic, db_session):
    client, headers, patient, base, _ = clinic
    at = utcnow() - timedelta(days=1)
    record_id, session_id = _record(client, headers, base, at)
    ketamine = client.post(
        base,
        json=esketamine(at, drug="ketamine", modality="iv", devices=None, dose_mg=35),
        headers=headers,
    ).json
    assert ketamine["rems_record_id"] is None
    # Corrected to ketamine: the unsubmitted record goes.
    other, other_session = _record(client, headers, base, at)
    client.patch(
        f"{base}/{other_session}",
        json={"drug": "ketamine", "modality": "iv", "devices": None, "dose_mg": 35},
        headers=headers,
    )
    assert db_session.get(RemsRecord, other) is None
    client.delete(f"{base}/{session_id}", headers=headers)
    assert client.get("/api/v1/rems/due").json["items"] == []
    assert client.get(f"/api/v1/rems/records/{record_id}").status_code == 404
    assert db_session.get(TreatmentSession, session_id).deleted_at is not None


def test_another_clinics_staff_cannot_see_or_mark_a_record(clinic, other_clinic, db_session):
    client, headers, _, base, _ = clinic
    record_id, _ = _record(client, headers, base, utcnow() - timedelta(days=1))
    stranger = other_clinic["client"]
    assert stranger.get(f"/api/v1/rems/records/{record_id}").status_code == 404
    assert stranger.get("/api/v1/rems/due").json["items"] == []
    denied = db_session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.object_id == record_id, AuditEvent.outcome == "denied"
        )
    )
    assert denied == 1


def test_the_patients_full_export_holds_their_rems_records(
    clinic, make_client, login, create_clinician
):
    client, headers, patient, base, _ = clinic
    record_id, session_id = _record(client, headers, base, utcnow() - timedelta(days=1))
    admin = make_client()
    login(admin, create_clinician(clinic=patient.clinic, role="admin"))
    export = admin.get(f"/api/v1/admin/patients/{patient.id}/export").json
    [record] = export["rems_records"]
    assert (record["id"], record["session_id"]) == (record_id, session_id)
    [session] = export["treatment_sessions"]
    # In the order taken: the further reading at 60 minutes comes before the discharge one.
    assert [r["kind"] for r in session["readings"]] == [
        "pre_dose",
        "post_40",
        "further",
        "discharge",
    ]


def test_the_sessions_list_reads_rems_records_in_one_query(clinic, db_session):
    """One query per session read each one's REMS record (a review counted 6 of 19)."""
    client, headers, patient, base, _ = clinic
    for days in (9, 6, 3):
        _record(client, headers, base, datetime.now(UTC) - timedelta(days=days))
    statements: list[str] = []
    engine = db_session.get_bind().engine

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        listed = client.get(base)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert listed.status_code == 200
    assert all(item["rems_record_id"] for item in listed.json["items"])
    assert len([s for s in statements if "FROM rems_records" in s]) == 1
