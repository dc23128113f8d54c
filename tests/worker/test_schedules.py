"""Check-in schedules in the patient's timezone: DST never skips or doubles a reminder;
missed check-ins raise one routine alert; the patient sees and changes when reminders come.
The daily slots are the mood rating's: a PHQ-9 is never planned daily."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from api.models import Alert, CheckinDue

DAILY = {
    "cadence_days": 1,
    "cadence_instruments": ["mood"],
    "session_anchored": False,
    "local_time": "18:00",
}


def patient_with_first_slot(client, redeem, create_patient, db_session, run_tick, email):
    """A signed-in patient on the daily schedule since three days, planned once an hour after
    joining: (patient, CSRF token, their first slot)."""
    patient = create_patient(email=email, schedule={**DAILY})
    patient.created_at = datetime.now(UTC) - timedelta(days=3)
    db_session.flush()
    csrf = redeem(client, patient)
    run_tick("waypoint.run_schedules", now=(patient.created_at + timedelta(hours=1)).isoformat())
    slot = db_session.scalar(
        sa.select(CheckinDue).where(CheckinDue.patient_id == patient.id).order_by(CheckinDue.due_at)
    )
    return patient, csrf, slot


@pytest.mark.parametrize(
    ("zone", "start", "local_time"),
    [
        ("America/New_York", datetime(2025, 3, 7, 12, tzinfo=UTC), "18:00"),  # spring forward
        ("America/New_York", datetime(2025, 3, 7, 12, tzinfo=UTC), "02:30"),  # in the gap
        ("America/New_York", datetime(2025, 10, 31, 12, tzinfo=UTC), "01:30"),  # repeated hour
        ("Europe/Berlin", datetime(2025, 3, 28, 12, tzinfo=UTC), "18:00"),
        ("Europe/Berlin", datetime(2025, 3, 28, 12, tzinfo=UTC), "02:30"),  # in the gap
        ("Europe/Berlin", datetime(2025, 10, 24, 12, tzinfo=UTC), "02:30"),  # repeated hour
    ],
)
def test_daily_reminders_fire_once_a_day_across_dst(
    create_clinic, create_patient, db_session, run_task, smtp, zone, start, local_time, run_tick
):
    patient = create_patient(
        create_clinic(),
        timezone=zone,
        email="patient@example.org",
        schedule={**DAILY, "local_time": local_time},
    )
    patient.created_at = start
    db_session.flush()
    tz = ZoneInfo(zone)
    now, end = start, start + timedelta(days=4)
    while now < end:  # beat every 40 minutes over the DST weekend, each run doubled
        for _ in range(2):
            result = run_tick("waypoint.run_schedules", now=now.isoformat())
            for patient_id in result["reminders"]:
                run_task("waypoint.send_reminder", patient_id, now=now.isoformat())
        now += timedelta(minutes=40)

    mails = smtp.to("patient@example.org")
    slots = db_session.scalars(
        sa.select(CheckinDue)
        .where(CheckinDue.patient_id == patient.id, CheckinDue.due_at < end)
        .order_by(CheckinDue.due_at)
    ).all()
    local_days = [slot.due_at.astimezone(tz).date() for slot in slots]
    # Four days of a daily schedule: four slots on four consecutive local dates.
    assert len(local_days) == 4
    assert all((b - a).days == 1 for a, b in zip(local_days, local_days[1:], strict=False))
    assert all(slot.reminded_at is not None for slot in slots)
    assert len(mails) == len(slots) == 4
    wall = {slot.due_at.astimezone(tz).strftime("%H:%M") for slot in slots}
    # A skipped wall-clock time moves to just after the gap, every other day keeps the time.
    assert wall <= {local_time, "03:30"}
    assert local_time in wall
    assert "ready" in mails[0]["subject"] and "PHQ" not in mails[0]["body"]


def test_missed_checkin_raises_one_routine_alert(
    create_clinic, create_clinician, create_patient, db_session, run_task, run_tick
):
    clinic = create_clinic()
    carer = create_clinician(clinic)
    patient = create_patient(clinic, care_team=[carer], schedule={**DAILY})
    start = datetime(2025, 6, 2, 12, tzinfo=UTC)
    patient.created_at = start
    db_session.flush()
    raised = []
    for hours in range(0, 24 * 6, 6):
        at = (start + timedelta(hours=hours)).isoformat()
        raised.append(run_tick("waypoint.run_schedules", now=at)["missed"])
        run_tick("waypoint.run_schedules", now=at)  # twice: harmless
    # First slot 2 June 18:00 EDT is more than 3 days late on 5 June 22:00 UTC.
    assert sum(raised) == 1
    [alert] = db_session.scalars(sa.select(Alert).where(Alert.patient_id == patient.id)).all()
    assert (alert.rule, alert.priority, alert.status) == ("missed_checkins", "routine", "open")
    assert alert.escalate_at is None
    marked = db_session.scalar(
        sa.select(sa.func.count()).where(CheckinDue.missed_alerted_at.is_not(None))
    )
    assert marked >= 2  # later slots are marked too, under the one open alert


def test_a_checkin_completes_its_slot_and_silences_its_reminder(
    client, redeem, create_patient, db_session, run_task, smtp, run_tick
):
    from tests.support.answers import checkin_body

    patient, csrf, slot = patient_with_first_slot(
        client, redeem, create_patient, db_session, run_tick, "p2@example.org"
    )
    body = checkin_body(
        {"mood_today": 6}, instrument="mood", completed_at=slot.due_at - timedelta(hours=1)
    )
    response = client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201
    run_task("waypoint.evaluate_checkin", body["id"])
    db_session.refresh(slot)
    assert str(slot.completed_checkin_id) == body["id"]  # an hour early still counts

    result = run_tick(
        "waypoint.run_schedules", now=(slot.due_at + timedelta(minutes=1)).isoformat()
    )
    assert result["reminders"] == []
    db_session.refresh(slot)
    assert slot.reminded_at is None and smtp.to("p2@example.org") == []


def test_patient_sees_and_changes_when_reminders_come(client, redeem, create_patient, db_session):
    patient = create_patient(timezone="America/New_York")
    csrf = redeem(client, patient)
    before = client.get("/api/v1/me/schedule")
    assert before.status_code == 200
    assert before.json["local_time"] == "18:00" and before.json["cadence_days"] == 7

    response = client.patch(
        "/api/v1/me/schedule",
        json={"local_time": "09:15", "weekday": 5, "timezone": "Europe/Berlin"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.json
    assert response.json["timezone"] == "Europe/Berlin" and response.json["weekday"] == 5
    berlin = ZoneInfo("Europe/Berlin")
    due = [
        datetime.fromisoformat(d["due_at"]).astimezone(berlin) for d in response.json["next_due"]
    ]
    assert due, "the new schedule is planned at once"
    assert all(d.strftime("%H:%M") == "09:15" and d.weekday() == 5 for d in due)
    assert {d["instrument"] for d in response.json["next_due"]} == {"phq9", "gad7"}


@pytest.mark.parametrize(
    "bad",
    [
        {"local_time": "25:00"},
        {"local_time": "9am"},
        {"weekday": 7},
        {"timezone": "Mars/Olympus"},
        {"cadence_days": 1},  # the care team decides how often, not the patient
    ],
)
def test_bad_schedule_changes_are_refused(client, redeem, create_patient, bad, db_session):
    patient = create_patient()
    csrf = redeem(client, patient)
    response = client.patch("/api/v1/me/schedule", json=bad, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422
    assert response.json["code"] == 422
    db_session.refresh(patient)
    assert "since" not in (patient.schedule or {})


def test_replanning_moves_only_future_unreminded_slots_and_otherwise_only_reads(
    create_clinic, create_patient, db_session
):
    from api.extensions import db
    from api.schedules.operations import replan_patient

    start = datetime(2025, 6, 2, 12, tzinfo=UTC)
    patient = create_patient(create_clinic(), timezone="UTC", schedule=DAILY)
    patient.created_at = start
    db_session.flush()
    assert replan_patient(patient, start) == 8  # a daily slot for each day of the horizon

    def slots():
        rows = db_session.scalars(sa.select(CheckinDue).where(CheckinDue.patient_id == patient.id))
        return {
            (row.due_at, row.due_at.strftime("%H:%M"), row.reminded_at is not None) for row in rows
        }

    now = start + timedelta(days=2)  # two slots are past; remind the next one
    reminded = db_session.scalar(
        sa.select(CheckinDue)
        .where(CheckinDue.patient_id == patient.id, CheckinDue.due_at > now)
        .order_by(CheckinDue.due_at)
        .limit(1)
    )
    reminded.reminded_at = now
    patient.schedule = {**DAILY, "local_time": "09:00", "since": now.isoformat()}
    db_session.flush()
    replan_patient(patient, now)
    after = slots()
    kept = {(due, wall) for due, wall, _ in after if wall == "18:00"}
    # The past slots and the one already reminded stay as the record of what was due ...
    assert kept == {(d, "18:00") for d in (start + timedelta(hours=6, days=k) for k in range(3))}
    # ... every other 18:00 slot is gone, and 09:00 slots fill the new horizon.
    assert {due.date() for due, wall, _ in after if wall == "09:00"} == {
        (now + timedelta(days=k)).date() for k in range(1, 9)
    }

    statements = []

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert replan_patient(patient, now) == 0
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    assert slots() == after
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements), statements


def test_a_slot_planned_after_an_early_checkin_is_already_done(
    client, redeem, create_patient, db_session, run_task, smtp, run_tick
):
    """The first plan comes after the patient's first check-in (a patient who joins and checks
    in at once): tonight's slot, within EARLY of that check-in, is planned done, as
    ``complete_slots`` would have marked it; tomorrow's stays open."""
    from api.schedules.operations import EARLY
    from tests.support.answers import checkin_body

    # Where tonight's 18:00 slot falls, from a first plan; then the slots are wiped, as if the
    # patient had checked in before any plan.
    patient, csrf, first = patient_with_first_slot(
        client, redeem, create_patient, db_session, run_tick, "p3@example.org"
    )
    due = first.due_at
    db_session.execute(sa.delete(CheckinDue).where(CheckinDue.patient_id == patient.id))
    db_session.flush()
    # The check-in, six hours before that slot, before any plan has put it.
    body = checkin_body({"mood_today": 6}, instrument="mood", completed_at=due - timedelta(hours=6))
    response = client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201
    run_task("waypoint.evaluate_checkin", body["id"])
    assert timedelta(hours=6) < EARLY
    run_tick("waypoint.run_schedules", now=(due - timedelta(hours=5)).isoformat())
    slots = db_session.scalars(
        sa.select(CheckinDue).where(CheckinDue.patient_id == patient.id).order_by(CheckinDue.due_at)
    ).all()
    tonight = [s for s in slots if s.due_at == due]
    assert tonight and str(tonight[0].completed_checkin_id) == body["id"]
    assert all(s.completed_checkin_id is None for s in slots if s.due_at > due + EARLY)
    result = run_tick("waypoint.run_schedules", now=(due + timedelta(minutes=1)).isoformat())
    assert result["reminders"] == [] and smtp.to("p3@example.org") == []
