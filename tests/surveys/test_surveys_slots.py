"""Slot planning as pure maths: local dates and wall-clock times, across daylight saving."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from surveys.slots import local_instant, plan_slots

NEW_YORK = ZoneInfo("America/New_York")
DAILY = {"cadence_days": 1, "cadence_instruments": ["phq9"], "local_time": "18:00"}


def test_a_daily_slot_keeps_its_wall_clock_time_across_the_spring_change():
    start = datetime(2026, 3, 6, tzinfo=UTC)  # the change is on Sunday 8 March 2026
    slots = plan_slots(DAILY, NEW_YORK, start, [], start, start + timedelta(days=5))
    local = [s.due_at.astimezone(NEW_YORK) for s in slots]
    assert [t.day for t in local] == [6, 7, 8, 9, 10]
    assert {(t.hour, t.minute) for t in local} == {(18, 0)}
    # 23 UTC hours before the change, 22 after: never a 24-hour step.
    assert {s.due_at.hour for s in slots} == {23, 22}


def test_a_skipped_wall_clock_time_falls_after_the_gap():
    at = local_instant(datetime(2026, 3, 8).date(), datetime(2026, 1, 1, 2, 30).time(), NEW_YORK)
    assert at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_sessions_add_their_own_slots_once():
    schedule = {"cadence_days": 0, "session_anchored": True, "local_time": "09:00"}
    session = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
    start = session - timedelta(days=1)
    slots = plan_slots(
        schedule, NEW_YORK, start, [("s1", session)], start, start + timedelta(days=10)
    )
    kinds = sorted((s.instrument, s.due_at.astimezone(NEW_YORK).day) for s in slots)
    assert kinds == [("phq9", 5), ("phq9", 7), ("phq9", 11), ("post_session", 5)]
    # Planning the same window twice gives the same slots (the store's unique key does the rest).
    again = plan_slots(
        schedule, NEW_YORK, start, [("s1", session)], start, start + timedelta(days=10)
    )
    assert again == slots
