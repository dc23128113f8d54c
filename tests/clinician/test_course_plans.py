"""Course plans through the API (#19 item 4): a template set on a course, the phase and the
next session due from the sessions recorded, in the clinic's local dates across a change of
daylight saving time; bad plans refused by field; another clinic's course a 404."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, TreatmentCourse
from tests.support.intake import clear_intake

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def patient(staff_client, create_patient):
    _, _, staff = staff_client
    patient = create_patient(staff.clinic)
    clear_intake(patient, staff)  # a course may start
    return patient


def _record(client, csrf, patient, at, **extra):
    body = {
        "administered_at": at.isoformat(),
        "modality": "iv",
        "drug": "ketamine",
        "dose_mg": 35,
        **extra,
    }
    response = client.post(
        f"/api/v1/patients/{patient.id}/sessions", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.json
    return response.json


def _courses(client, patient):
    response = client.get(f"/api/v1/patients/{patient.id}/courses")
    assert response.status_code == 200, response.json
    return response.json


def test_twice_weekly_induction_across_daylight_saving_is_planned_in_local_dates(
    staff_client, patient, db_session
):
    client, csrf, _ = staff_client
    # Monday and Thursday evenings at 20:00 in New York, across the change on Sun 8 Mar
    # 2026: in UTC every one of them is the next day, so UTC dates would be a day late.
    evenings = [datetime(2026, 3, d, 20, 0, tzinfo=NEW_YORK) for d in (2, 5, 9, 12)]
    first = _record(client, csrf, patient, evenings[0], new_course_label="Esketamine")
    for at in evenings[1:]:
        _record(client, csrf, patient, at, course_id=first["course_id"])
    put = client.put(
        f"/api/v1/patients/{patient.id}/courses/{first['course_id']}/plan",
        json={"template": "esketamine_label"},
        headers={"X-CSRF-Token": csrf},
    )
    assert put.status_code == 200, put.json
    (course,) = _courses(client, patient)["items"]
    standing = course["standing"]
    assert (standing["phase"], standing["session_in_phase"]) == ("induction", 4)
    # Four days after Thu 12 Mar: Mon 16 Mar, then every four days to eight, then weekly.
    assert standing["next_due_on"] == "2026-03-16"
    assert standing["planned"][:6] == [
        "2026-03-16",
        "2026-03-20",
        "2026-03-24",
        "2026-03-28",
        "2026-04-04",
        "2026-04-11",
    ]
    assert standing["spans"][0] == {
        "name": "induction",
        "planned": 8,
        "done": 4,
        "started_on": "2026-03-02",
        "ended_on": None,
    }
    # Months have passed since (today is long after March): the induction stopped.
    assert standing["signals"] == ["induction_incomplete"]
    audited = db_session.scalar(
        sa.select(sa.func.count()).where(
            AuditEvent.action == "course.phases_set",
            AuditEvent.object_id == str(first["course_id"]),
        )
    )
    assert audited == 1


def test_a_plan_of_the_clinics_own_numbers_and_its_removal(staff_client, patient, db_session):
    client, csrf, _ = staff_client
    now = datetime.now(NEW_YORK).replace(hour=10, minute=0)
    session = _record(client, csrf, patient, now - timedelta(days=10), new_course_label="IV")
    url = f"/api/v1/patients/{patient.id}/courses/{session['course_id']}/plan"
    headers = {"X-CSRF-Token": csrf}
    body = {
        "phases": [
            {"name": "induction", "sessions": 1, "interval_days": 3},
            {"name": "maintenance", "sessions": None, "interval_days": 21},
        ],
        "grace_days": 2,
    }
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.json
    standing = response.json["standing"]
    assert standing["phase"] == "maintenance"
    assert (
        standing["next_due_on"]
        == (now - timedelta(days=10) + timedelta(days=21)).date().isoformat()
    )
    assert standing["signals"] == []
    # The panel row carries the phase and the next session due.
    rows = client.get("/api/v1/patients?limit=200").json["items"]
    (row,) = [r for r in rows if r["id"] == str(patient.id)]
    assert row["treatment"]["phase"] == "maintenance"
    assert row["treatment"]["next_session_due_on"] == standing["next_due_on"]
    assert row["treatment"]["next_session_overdue_days"] == 0
    removed = client.delete(url, headers=headers)
    assert removed.status_code == 200 and removed.json["standing"] is None
    assert db_session.get(TreatmentCourse, session["course_id"]).plan is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template": "monthly"}, "template"),
        ({"phases": [{"name": "induction", "sessions": 0, "interval_days": 4}]}, "phases"),
        ({"phases": [{"name": "induction", "sessions": 6}]}, "phases"),
        ({"phases": [{"name": "induction", "sessions": 6, "interval_days": "4"}]}, "phases"),
        ({"template": "iv_series", "grace_days": -1}, "grace_days"),
        (
            {
                "phases": [
                    {"name": "maintenance", "sessions": None, "interval_days": 28},
                    {"name": "induction", "sessions": 6, "interval_days": 4},
                ]
            },
            "phases.0.sessions",
        ),
        ({"phases": []}, "phases"),
        ({"nonsense": True}, "nonsense"),
    ],
)
def test_a_bad_plan_is_a_422_naming_the_field_and_changes_nothing(
    staff_client, patient, db_session, body, field
):
    client, csrf, _ = staff_client
    session = _record(client, csrf, patient, datetime.now(NEW_YORK) - timedelta(days=1))
    response = client.put(
        f"/api/v1/patients/{patient.id}/courses/{session['course_id']}/plan",
        json=body,
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.json
    assert any(key.startswith(field) for key in response.json["errors"]), response.json
    assert db_session.get(TreatmentCourse, session["course_id"]).plan is None


def test_another_clinics_course_is_a_404(
    staff_client, patient, other_clinic, create_patient, db_session
):
    client, csrf, _ = staff_client
    session = _record(client, csrf, patient, datetime.now(NEW_YORK) - timedelta(days=1))
    stranger = other_clinic
    url = f"/api/v1/patients/{patient.id}/courses/{session['course_id']}/plan"
    response = stranger["client"].put(
        url, json={"template": "iv_series"}, headers={"X-CSRF-Token": stranger["csrf"]}
    )
    assert response.status_code == 404
    # Their own patient, our course id: still no such course.
    theirs = create_patient(stranger["clinic"])
    own = f"/api/v1/patients/{theirs.id}/courses/{session['course_id']}/plan"
    response = stranger["client"].put(
        own, json={"template": "iv_series"}, headers={"X-CSRF-Token": stranger["csrf"]}
    )
    assert response.status_code == 404
    assert db_session.get(TreatmentCourse, session["course_id"]).plan is None


def test_a_course_id_beyond_the_column_is_a_404(staff_client, patient):
    client, csrf, _ = staff_client
    response = client.put(
        f"/api/v1/patients/{patient.id}/courses/{2**31}/plan",
        json={"template": "iv_series"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404


def test_the_outcomes_report_counts_who_completed_induction(
    staff_client, create_patient, add_session, db_session
):
    """Retention beside response and remission: by hand, of three IV series (six planned),
    one gave all six, one stopped after three (last 20 days ago), one is under way (two,
    the last 2 days ago, not counted): 1 completed of 2 ended."""
    import csv
    import io

    from surveys.courses import plan_from_dict

    client, _, staff = staff_client
    plan = plan_from_dict({"template": "iv_series"}).to_dict()
    now = datetime.now(NEW_YORK)
    for offsets in ([40, 36, 33, 29, 26, 22], [30, 26, 20], [6, 2]):
        patient = create_patient(staff.clinic)
        first = add_session(patient, now - timedelta(days=offsets[0]))
        first.course.plan = plan
        for days in offsets[1:]:
            add_session(patient, now - timedelta(days=days), course=first.course)
    db_session.flush()
    text = client.get("/api/v1/reports/outcomes.csv").get_data(as_text=True)
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["measure"] == "induction_completed"]
    assert (row["numerator"], row["denominator"], row["rate"]) == ("1", "2", "0.500")
    assert "still in their induction are not counted" in row["definition"]


def test_a_stored_plan_that_no_longer_validates_breaks_nothing(
    staff_client, patient, add_checkin, db_session
):
    """A plan an older version wrote (bounds since tightened) plans and signals nothing; the
    evaluation's summary, the panel, the courses, the report and the tick go on (a review
    found it raised inside every evaluation of the patient, alerts rolled back with it)."""
    client, csrf, _ = staff_client
    session = _record(client, csrf, patient, datetime.now(NEW_YORK) - timedelta(days=2))
    course = db_session.get(TreatmentCourse, session["course_id"])
    course.plan = {"phases": [{"name": "induction", "sessions": 999, "interval_days": 4}]}
    db_session.flush()
    add_checkin(patient, 14, datetime.now(NEW_YORK) - timedelta(hours=1))  # refreshes
    (item,) = _courses(client, patient)["items"]
    assert item["standing"] is None
    rows = client.get("/api/v1/patients?limit=200").json["items"]
    (row,) = [r for r in rows if r["id"] == str(patient.id)]
    assert row["treatment"]["phase"] is None
    assert client.get("/api/v1/reports/outcomes.csv").status_code == 200
