"""The schedule tick raises a course plan's signals (#19 item 4): an induction the patient
stopped coming to, and a booster past due, each a routine alert once per gap that the panel
labels in words; a session given settles it."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from api.models import Alert, TreatmentCourse, TreatmentSession
from surveys.courses import plan_from_dict

START = datetime(2026, 9, 7, 15, 0, tzinfo=UTC)  # Monday 11:00 in New York


def _course(db_session, patient, template, offsets):
    course = TreatmentCourse(
        patient_id=patient.id,
        label="Induction",
        started_at=START,
        plan=plan_from_dict({"template": template}).to_dict(),
    )
    db_session.add(course)
    db_session.flush()
    for days in offsets:
        db_session.add(
            TreatmentSession(
                patient_id=patient.id,
                course_id=course.id,
                administered_at=START + timedelta(days=days),
                modality="iv",
                dose_mg=35,
            )
        )
    db_session.flush()
    return course


def _alerts(db_session, patient, rule):
    return db_session.scalars(
        sa.select(Alert).where(Alert.patient_id == patient.id, Alert.rule == rule)
    ).all()


def test_a_stopped_induction_raises_one_routine_alert_per_gap(team, db_session, run_task):
    _course(db_session, team.patient, "iv_series", [0, 3, 7])  # last on Mon 14 Sep
    ids = [str(team.patient.id)]
    early = run_task("waypoint.plan_schedules", ids, (START + timedelta(days=15)).isoformat())
    assert early["signals"] == 0  # eight days since the last: not yet
    late = run_task("waypoint.plan_schedules", ids, (START + timedelta(days=17)).isoformat())
    assert late["signals"] == 1
    (alert,) = _alerts(db_session, team.patient, "induction_incomplete")
    assert alert.priority == "routine"
    assert alert.reason == "Induction not completed: 3 of 6 sessions, none since 14 Sep 2026"
    again = run_task("waypoint.plan_schedules", ids, (START + timedelta(days=20)).isoformat())
    assert (
        again["signals"] == 0
        and len(_alerts(db_session, team.patient, "induction_incomplete")) == 1
    )

    # The panel says what the routine tier is about.
    from api.panel.operations import panel_page

    (row,) = [
        r for r in panel_page(team.clinic.id, {"limit": 50})["items"] if r["id"] == team.patient.id
    ]
    assert row["risk"] == {"tier": 5, "label": "Induction not completed"}


def test_a_booster_past_due_raises_booster_overdue(team, db_session, run_task):
    _course(db_session, team.patient, "iv_series", [0, 3, 7, 10, 14, 17])  # last Thu 24 Sep
    ids = [str(team.patient.id)]
    due = START + timedelta(days=17 + 28)  # Thu 22 Oct; a grace of 7 days
    quiet = run_task("waypoint.plan_schedules", ids, (due + timedelta(days=7)).isoformat())
    assert quiet["signals"] == 0
    over = run_task("waypoint.plan_schedules", ids, (due + timedelta(days=8)).isoformat())
    assert over["signals"] == 1
    (alert,) = _alerts(db_session, team.patient, "booster_overdue")
    assert alert.reason == "Booster overdue: due 22 Oct 2026, 8 days ago"
    assert _alerts(db_session, team.patient, "induction_incomplete") == []


def test_no_plan_no_signal(team, db_session, run_task):
    course = _course(db_session, team.patient, "iv_series", [0])
    course.plan = None
    db_session.flush()
    result = run_task(
        "waypoint.plan_schedules", [str(team.patient.id)], (START + timedelta(days=90)).isoformat()
    )
    assert result["signals"] == 0
