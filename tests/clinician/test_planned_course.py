"""Planning a course before its first session makes a pre-treatment check-in due (issue #18
item 2), so that the course's baseline is a score from before treatment."""

from datetime import timedelta

import sqlalchemy as sa

from api.models import AuditEvent, CheckinDue, TreatmentCourse
from api.models.base import utcnow
from tests.support.intake import clear_intake


def plan(client, csrf, patient, **body):
    """Plan a course over HTTP, the intake's screen clear (a contraindication would block)."""
    from api.extensions import db
    from api.models import StaffUser

    staff = db.session.scalar(sa.select(StaffUser).where(StaffUser.clinic_id == patient.clinic_id))
    clear_intake(patient, staff)
    return client.post(
        f"/api/v1/patients/{patient.id}/courses", json=body, headers={"X-CSRF-Token": csrf}
    )


def dues(db_session, patient, reason=None):
    query = sa.select(CheckinDue).where(CheckinDue.patient_id == patient.id)
    if reason:
        query = query.where(CheckinDue.reason == reason)
    return db_session.scalars(query.order_by(CheckinDue.due_at)).all()


def test_planning_a_course_makes_the_pre_treatment_check_ins_due_and_the_session_starts_it(
    staff_client, create_patient, add_checkin, db_session
):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic, timezone="UTC")
    start = utcnow() + timedelta(days=3)
    response = plan(client, csrf, patient, label="Induction", planned_start=start.isoformat())
    assert response.status_code == 201, response.json
    body = response.json
    assert body["label"] == "Induction"
    assert sorted(d["instrument"] for d in body["pre_treatment"]) == ["gad7", "phq9"]
    course = db_session.get(TreatmentCourse, body["id"])
    # Due when planned: 3 days ahead is later than 7 days before the session.
    pre = dues(db_session, patient, "pre_treatment")
    assert {d.instrument for d in pre} == {"phq9", "gad7"}
    assert all(d.due_at == course.created_at for d in pre)
    # No other PHQ-9 slot lands within 7 local days of it (surveys/slots.py counts days in the
    # patient's zone, UTC here: planned at 21:54, the next weekly slot is 7 days on at 18:00).
    phq = [d.due_at.date() for d in dues(db_session, patient) if d.instrument == "phq9"]
    assert all((b - a).days >= 7 for a, b in zip(phq, phq[1:], strict=False)), phq
    assert client.get(f"/api/v1/patients/{patient.id}/sessions").json["planned"][0]["id"] == (
        course.id
    )
    # Audit rows outlive other tests' committed data (append-only): this clinic's only.
    audit = db_session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.action == "course.plan", AuditEvent.clinic_id == patient.clinic_id
        )
    )
    assert [a.object_id for a in audit] == [str(course.id)]

    # The patient answers; then the first session is recorded (today, earlier than planned):
    # it joins the planned course, which now starts then, with a pre-treatment baseline.
    add_checkin(patient, 18, utcnow() - timedelta(hours=2))
    given = utcnow() - timedelta(minutes=30)
    recorded = client.post(
        f"/api/v1/patients/{patient.id}/sessions",
        json={
            "administered_at": given.isoformat(),
            "modality": "iv",
            "drug": "ketamine",
            "dose_mg": 35,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert recorded.status_code == 201, recorded.json
    assert recorded.json["course_id"] == course.id
    db_session.refresh(course)
    assert course.started_at == given
    sessions = client.get(f"/api/v1/patients/{patient.id}/sessions").json
    assert sessions["planned"] == []
    trend = client.get(f"/api/v1/patients/{patient.id}/trend?instrument=phq9").json["trend"]
    assert (trend["baseline"], trend["baseline_kind"]) == (18, "pre_treatment")


def test_a_recent_check_in_is_the_baseline_and_needs_no_other(
    staff_client, create_patient, add_checkin, db_session
):
    client, csrf, staff = staff_client
    patient = create_patient(
        staff.clinic,
        timezone="UTC",
        schedule={
            "cadence_days": 7,
            "cadence_instruments": ["phq9"],
            "session_anchored": True,
            "local_time": "18:00",
        },
    )
    add_checkin(patient, 16, utcnow() - timedelta(days=2))
    response = plan(
        client,
        csrf,
        patient,
        label="Induction",
        planned_start=(utcnow() + timedelta(days=5)).isoformat(),
    )
    assert response.status_code == 201, response.json
    # The PHQ-9 two days ago is in the 14 days before the session: no pre-treatment slot;
    # the GAD-7 is not on this patient's schedule.
    assert response.json["pre_treatment"] == []
    assert dues(db_session, patient, "pre_treatment") == []


def test_a_course_is_planned_for_a_first_session_ahead(staff_client, create_patient):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic)
    for when in (utcnow() - timedelta(hours=1), utcnow() + timedelta(days=91)):
        refused = plan(client, csrf, patient, label="Induction", planned_start=when.isoformat())
        assert refused.status_code == 422
        assert "planned_start" in refused.json["errors"]
    missing = plan(client, csrf, patient, planned_start=utcnow().isoformat())
    assert missing.status_code == 422 and "label" in str(missing.json["errors"])


def test_a_course_planned_ahead_never_takes_a_session_of_the_course_under_way(
    staff_client, create_patient, add_session, db_session
):
    """A review found that "latest course" meant the latest started_at, which a course planned
    ahead has: the next session of the induction under way went into the planned booster."""
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic, timezone="UTC")
    under_way = add_session(patient, utcnow() - timedelta(days=3), label="Induction").course
    ahead = plan(
        client,
        csrf,
        patient,
        label="Booster",
        planned_start=(utcnow() + timedelta(days=30)).isoformat(),
    )
    assert ahead.status_code == 201, ahead.json
    response = client.post(
        f"/api/v1/patients/{patient.id}/sessions",
        json={
            "administered_at": (utcnow() - timedelta(hours=1)).isoformat(),
            "modality": "iv",
            "drug": "ketamine",
            "dose_mg": 35,
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.json
    assert response.json["course_id"] == under_way.id
    booster = db_session.get(TreatmentCourse, ahead.json["id"])
    assert booster.started_at > utcnow()  # still planned, not started by that session
