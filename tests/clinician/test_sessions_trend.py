"""Treatment sessions (create, edit, soft delete, plausibility) and the trend endpoint."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, TreatmentCourse, TreatmentSession
from api.models.base import utcnow
from tests.support.intake import clear_intake


def good(**changes):
    """A plausible ketamine session; its readings follow an ``administered_at`` given."""
    at = utcnow() - timedelta(hours=2)
    given = changes.get("administered_at")
    if isinstance(given, str) and given.endswith("+00:00"):
        at = datetime.fromisoformat(given)
    body = {
        "administered_at": at.isoformat(),
        "modality": "iv",
        "drug": "ketamine",
        "dose_mg": 35.0,
        "dose_mg_per_kg": 0.5,
        "readings": [
            {"kind": "pre_dose", "taken_at": at.isoformat(), "systolic": 124, "diastolic": 78},
            {
                "kind": "post_40",
                "taken_at": (at + timedelta(minutes=40)).isoformat(),
                "systolic": 139,
                "diastolic": 88,
            },
        ],
        "cadss": 12,
        "cadss_form": "full",
        "adverse_events": "Mild nausea",
        "notes": "Tolerated well",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


@pytest.fixture
def patient_page(staff_client, create_patient):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic)
    clear_intake(patient, staff)
    base = f"/api/v1/patients/{patient.id}/sessions"
    return client, {"X-CSRF-Token": csrf}, patient, base


def count_sessions(db_session, patient):
    return db_session.scalar(
        sa.select(sa.func.count()).where(TreatmentSession.patient_id == patient.id)
    )


def test_create_list_edit_and_soft_delete(patient_page, db_session):
    client, headers, patient, base = patient_page
    created = client.post(base, json=good(), headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["modality"] == "iv" and body["dose_mg"] == 35.0 and body["dose_mg_per_kg"] == 0.5
    assert body["course_label"] == "Course 1"
    second = client.post(base, json=good(dose_mg=40.0), headers=headers).json
    assert second["course_id"] == body["course_id"]  # joins the latest course
    listed = client.get(base).json
    assert [s["id"] for s in listed["items"]] == [body["id"], second["id"]]
    assert listed["courses"][0]["sessions"] == 2
    edited = client.patch(
        f"{base}/{body['id']}", json={"dose_mg": 38.5, "notes": "Corrected"}, headers=headers
    )
    assert edited.status_code == 200 and edited.json["dose_mg"] == 38.5
    assert client.delete(f"{base}/{body['id']}", headers=headers).status_code == 204
    assert [s["id"] for s in client.get(base).json["items"]] == [second["id"]]
    assert client.get(f"{base}/{body['id']}").status_code == 404
    assert client.delete(f"{base}/{body['id']}", headers=headers).status_code == 404
    row = db_session.get(TreatmentSession, body["id"])
    db_session.refresh(row)
    assert row.deleted_at is not None and row.deleted_by is not None  # kept for the trail
    details = db_session.execute(
        sa.select(AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.object_id == body["id"], AuditEvent.outcome == "success")
        .order_by(AuditEvent.id)
    ).all()
    assert [a for a, _ in details] == ["session.create", "session.update", "session.delete"]
    assert details[1][1]["fields"] == ["dose_mg", "notes"]
    assert "Corrected" not in str(details)  # field names only, never values


def test_new_course_resets_baseline_in_trend(patient_page, add_checkin):
    client, headers, patient, base = patient_page
    now = utcnow()
    for days, total in ((70, 20), (60, 12), (50, 6), (20, 18), (10, 12), (2, 8)):
        add_checkin(patient, total, now - timedelta(days=days))
    first = good(administered_at=(now - timedelta(days=65)).isoformat())
    assert client.post(base, json=first, headers=headers).status_code == 201
    second = good(
        administered_at=(now - timedelta(days=15)).isoformat(), new_course_label="Maintenance"
    )
    created = client.post(base, json=second, headers=headers).json
    assert created["course_label"] == "Maintenance"
    trend = client.get(f"/api/v1/patients/{patient.id}/trend?instrument=phq9").json
    assert [p["total"] for p in trend["points"]] == [20, 12, 6, 18, 12, 8]
    assert trend["trend"]["baseline"] == 18  # the check-in 5 days before the new course
    assert trend["trend"]["latest"] == 8 and trend["trend"]["change"] == -10
    assert trend["trend"]["response"] is True and trend["response_line"] == 9.0
    assert trend["remission_below"] == 5
    assert [c["label"] for c in trend["courses"]] == ["Course 1", "Maintenance"]
    first_course = trend["courses"][0]["trend"]
    assert first_course["baseline"] == 20 and first_course["latest"] == 18  # up to course two
    assert [b["label"] for b in trend["bands"]][0] == "Minimal"
    assert len(trend["sessions"]) == 2 and trend["sessions"][1]["modality"] == "iv"
    # A marker carries what the chart's words say (route, dose, course, BP peak, scores); the
    # whole session, with its flags and REMS record, is the sessions list's.
    marker = trend["sessions"][1]
    assert marker["course_label"] == "Maintenance" and marker["id"] == created["id"]
    assert {"flags", "rems_record_id", "notes", "lot_number"}.isdisjoint(marker)
    whole = client.get(base).json
    whole = whole["items"] if isinstance(whole, dict) else whole
    [same] = [s for s in whole if s["id"] == marker["id"]]
    assert {k: same[k] for k in marker if k != "readings"} == {
        k: v for k, v in marker.items() if k != "readings"
    }
    assert [(r["systolic"], r["diastolic"]) for r in marker["readings"]] == [
        (r["systolic"], r["diastolic"]) for r in same["readings"]
    ]
    gad = client.get(f"/api/v1/patients/{patient.id}/trend?instrument=gad7").json
    assert gad["points"] == [] and gad["trend"]["n"] == 0
    assert client.get(f"/api/v1/patients/{patient.id}/trend?instrument=asq").status_code == 422


def test_existing_course_must_be_the_patients(patient_page, create_patient, db_session):
    client, headers, patient, base = patient_page
    other = create_patient(patient.clinic)
    course = TreatmentCourse(patient_id=other.id, label="Theirs", started_at=utcnow())
    db_session.add(course)
    db_session.flush()
    response = client.post(base, json=good(course_id=course.id), headers=headers)
    assert response.status_code == 422 and "course_id" in response.json["errors"]
    both = good(course_id=course.id, new_course_label="Mine")
    assert client.post(base, json=both, headers=headers).status_code == 422
    assert count_sessions(db_session, patient) == 0


def test_doses_are_rounded_to_what_the_columns_keep_before_they_are_checked(
    patient_page, db_session
):
    client, headers, patient, base = patient_page
    created = client.post(base, json=good(dose_mg=35.125, dose_mg_per_kg=0.4996), headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["dose_mg"] == 35.13 and created.json["dose_mg_per_kg"] == 0.5
    edited = client.patch(f"{base}/{created.json['id']}", json={"dose_mg": 0.004}, headers=headers)
    assert edited.status_code == 422
    assert edited.json["errors"]["dose_mg"] == ["Must be at least 0.01 and at most 300 mg for iv."]
    edited = client.patch(f"{base}/{created.json['id']}", json={"dose_mg": 0.005}, headers=headers)
    assert edited.status_code == 200 and edited.json["dose_mg"] == 0.01
    db_session.expire_all()
    row = db_session.get(TreatmentSession, created.json["id"])
    assert (str(row.dose_mg), str(row.dose_mg_per_kg)) == ("0.01", "0.500")


FUTURE = (utcnow() + timedelta(days=2)).isoformat()
BAD = [
    ({"modality": "rectal"}, "modality"),
    ({"modality": None}, "modality"),
    ({"dose_mg": -5}, "dose_mg"),
    ({"dose_mg": 0}, "dose_mg"),
    ({"dose_mg": 5000}, "dose_mg"),
    ({"dose_mg": 0.001}, "dose_mg"),  # would be stored as 0.00
    ({"dose_mg_per_kg": 0.0004}, "dose_mg_per_kg"),  # would be stored as 0.000
    ({"dose_mg": "NaN"}, "dose_mg"),
    ({"dose_mg": None, "dose_mg_per_kg": None}, "dose_mg"),
    ({"dose_mg_per_kg": 12}, "dose_mg_per_kg"),
    ({"modality": "intranasal", "dose_mg": 56, "dose_mg_per_kg": 0.5}, "dose_mg_per_kg"),
    ({"modality": "intranasal", "dose_mg": 500, "dose_mg_per_kg": None}, "dose_mg"),
    ({"bp_pre_systolic": 120}, "bp_pre_systolic"),  # readings carry blood pressure now
    ({"readings": [{"kind": "pre_dose", "systolic": 120, "diastolic": 80}]}, "readings.0.taken_at"),
    ({"readings": [{"kind": "soon", "taken_at": FUTURE, "systolic": 120}]}, "readings.0.kind"),
    ({"readings": [{"kind": "post_40", "taken_at": FUTURE, "spo2": 1.5}]}, "readings.0.spo2"),
    ({"cadss": 93}, "cadss"),
    ({"drug": "arketamine"}, "drug"),
    ({"administered_at": FUTURE}, "administered_at"),
    ({"administered_at": "2001-01-01T00:00:00+00:00"}, "administered_at"),
    ({"administered_at": "2026-01-01T10:00:00"}, "administered_at"),  # naive
    ({"notes": "x" * 5001}, "notes"),
    ({"adverse_events": "nausea\x00"}, "adverse_events"),
    ({"patient_id": "00000000-0000-0000-0000-000000000000"}, "patient_id"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_implausible_sessions_are_422_and_nothing_is_written(
    patient_page, db_session, change, field
):
    client, headers, patient, base = patient_page
    response = client.post(base, json=good(**change), headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert response.json["message"]
    assert count_sessions(db_session, patient) == 0
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).where(TreatmentCourse.patient_id == patient.id)
        )
        == 0
    )


@pytest.mark.parametrize(("change", "field"), BAD)
def test_implausible_edits_are_422_and_change_nothing(patient_page, db_session, change, field):
    client, headers, patient, base = patient_page
    created = client.post(base, json=good(), headers=headers).json
    response = client.patch(f"{base}/{created['id']}", json=change, headers=headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    db_session.expire_all()
    row = db_session.get(TreatmentSession, created["id"])
    assert float(row.dose_mg) == 35.0 and row.modality == "iv" and row.bp_pre_systolic == 124


def test_empty_patch_and_unknown_session_id(patient_page):
    client, headers, patient, base = patient_page
    created = client.post(base, json=good(), headers=headers).json
    assert client.patch(f"{base}/{created['id']}", json={}, headers=headers).status_code == 422
    assert client.get(f"{base}/not-a-uuid").status_code == 404


def test_session_writes_need_csrf_and_staff(patient_page, make_client, redeem):
    client, headers, patient, base = patient_page
    assert client.post(base, json=good()).status_code == 403
    device = make_client()
    patient_csrf = redeem(device, patient)
    response = device.post(base, json=good(), headers={"X-CSRF-Token": patient_csrf})
    assert response.status_code == 403
