"""Slot planning as pure maths: local dates and wall-clock times, across daylight saving."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from surveys.slots import MIN_SPACING_DAYS, local_instant, plan_slots

NEW_YORK = ZoneInfo("America/New_York")
DAILY = {"cadence_days": 1, "cadence_instruments": ["mood"], "local_time": "18:00"}


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
    # One session: the PHQ-9 the day after (its days 3 and 7 are within 7 days of it), the
    # mood rating the day after and three days after, the post-session check the next day.
    assert kinds == [("mood", 5), ("mood", 7), ("phq9", 5), ("post_session", 5)]
    # Planning the same window twice gives the same slots (the store's unique key does the rest).
    again = plan_slots(
        schedule, NEW_YORK, start, [("s1", session)], start, start + timedelta(days=10)
    )
    assert again == slots


#: The default schedule (weekly PHQ-9 and GAD-7 plus the session-anchored slots).
DEFAULT = {
    "cadence_days": 7,
    "cadence_instruments": ["phq9", "gad7"],
    "session_anchored": True,
    "local_time": "18:00",
}


def _course():
    """A twice-weekly induction (Mon and Thu, 4 weeks) then weekly maintenance (Mon, 4 weeks)."""
    first = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday; spans the spring change
    induction = [first + timedelta(weeks=w, days=d) for w in range(4) for d in (0, 3)]
    maintenance = [first + timedelta(weeks=4 + w) for w in range(4)]
    return [(f"s{i}", at) for i, at in enumerate(induction + maintenance)]


def _plan_like_the_planner(schedule, sessions, spacing=MIN_SPACING_DAYS):
    """Plan the way the worker does: each day a window of [now - 1 day, now + 8 days), the
    slots already due or planned before kept; returns what ends up stored."""
    anchor = sessions[0][1] - timedelta(days=10)
    stored = {}
    for day in range(70):
        now = anchor + timedelta(days=day, hours=7)
        kept = {}
        for code, due in stored:
            if due <= now:
                kept.setdefault(code, []).append(due)
        plan = plan_slots(
            schedule,
            NEW_YORK,
            anchor,
            [s for s in sessions if s[1] <= now],
            now - timedelta(days=1),
            now + timedelta(days=8),
            spacing_days=spacing,
            kept=kept,
        )
        wanted = {(s.instrument, s.due_at) for s in plan}
        # Future slots the plan no longer has go; due ones stay (the planner's own rule).
        stored = {k: v for k, v in stored.items() if k[1] <= now or k in wanted}
        for slot in plan:
            stored.setdefault((slot.instrument, slot.due_at), slot)
    return sorted(stored.values())


def _days(slots, code):
    return sorted(s.due_at.astimezone(NEW_YORK).date() for s in slots if s.instrument == code)


def test_no_phq9_or_gad7_slot_within_7_days_of_another_over_induction_and_maintenance():
    sessions = _course()
    slots = _plan_like_the_planner(DEFAULT, sessions)
    for code in ("phq9", "gad7"):
        days = _days(slots, code)
        assert len(days) >= 9, code  # about weekly over the 10 weeks, not 23 in 36 days
        gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
        assert min(gaps) >= 7, (code, gaps)
    # The mood rating carries the between-session change: the day after and three days
    # after each session (a day may serve two sessions), at 18:00 local time.
    mood = set(_days(slots, "mood"))
    for _, at in sessions:
        day = at.astimezone(NEW_YORK).date()
        assert {day + timedelta(days=1), day + timedelta(days=3)} <= mood
    assert {s.due_at.astimezone(NEW_YORK).hour for s in slots} == {18}


def test_a_wider_clinic_spacing_is_kept_and_a_narrower_one_is_raised_to_7():
    sessions = _course()
    for spacing, least in ((14, 14), (3, 7), (1, 7)):
        days = _days(_plan_like_the_planner(DEFAULT, sessions, spacing), "phq9")
        assert min((b - a).days for a, b in zip(days, days[1:], strict=False)) >= least


def test_kept_slots_stay_and_bound_the_new_ones():
    """A slot planned under the old rule (1, 3 and 7 days after every session) that is past
    stays; a new PHQ-9 slot comes no sooner than 7 days after it."""
    session = datetime(2026, 5, 4, 15, 0, tzinfo=UTC)
    missed = datetime(2026, 5, 7, 22, 0, tzinfo=UTC)  # 18:00 EDT, 3 days after: missed
    now = datetime(2026, 5, 8, 12, 0, tzinfo=UTC)
    slots = plan_slots(
        DEFAULT,
        NEW_YORK,
        session - timedelta(days=30),
        [("s1", session), ("s2", now)],
        now - timedelta(days=1),
        now + timedelta(days=8),
        kept={"phq9": [missed]},
    )
    phq = [s.due_at for s in slots if s.instrument == "phq9"]
    assert phq[0] == missed  # the missed slot is kept as it was planned
    # The second session's day-1 and day-3 PHQ-9 would be 2 and 4 days after it: dropped.
    assert [d.astimezone(NEW_YORK).day for d in phq[1:]] == [15]


# --- pre-treatment check-ins of a planned course (issue #18 item 2) --------------------------


def test_a_planned_course_makes_its_pre_treatment_check_ins_due():
    from surveys.slots import pre_treatment_slots

    planned_at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    # First session in 3 days: due at once (later than 7 days before the session).
    soon = pre_treatment_slots(("phq9", "gad7"), planned_at, planned_at + timedelta(days=3), {})
    assert [(s.instrument, s.due_at, s.reason) for s in soon] == [
        ("phq9", planned_at, "pre_treatment"),
        ("gad7", planned_at, "pre_treatment"),
    ]
    # In 20 days: due 7 days before it, inside the 14 days whose last check-in is the baseline.
    later = pre_treatment_slots(("phq9",), planned_at, planned_at + timedelta(days=20), {})
    assert [s.due_at for s in later] == [planned_at + timedelta(days=13)]


def test_no_pre_treatment_check_in_when_the_baseline_exists_or_cannot_fit():
    from surveys.slots import pre_treatment_slots

    planned_at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    start = planned_at + timedelta(days=5)
    # A PHQ-9 answered 10 days before the session is its baseline; 15 days before is not.
    answered = {"phq9": start - timedelta(days=10), "gad7": start - timedelta(days=15)}
    assert [
        s.instrument for s in pre_treatment_slots(("phq9", "gad7"), planned_at, start, answered)
    ] == ["gad7"]
    # A kept (missed) PHQ-9 slot 3 days ago: the pre-treatment one waits until 7 days after
    # it, 4 days from now, still before the session ...
    kept = {"phq9": [planned_at - timedelta(days=3)]}
    (slot,) = pre_treatment_slots(("phq9",), planned_at, start, {}, kept)
    assert slot.due_at == planned_at + timedelta(days=4)
    # ... and none when 7 days after it is no longer before the session.
    assert (
        pre_treatment_slots(("phq9",), planned_at, planned_at + timedelta(days=4), {}, kept) == []
    )


def test_the_cadence_gives_way_to_a_pre_treatment_check_in():
    from surveys.slots import pre_treatment_slots

    zone = ZoneInfo("UTC")
    planned_at = datetime(2026, 11, 2, 10, tzinfo=UTC)
    first = pre_treatment_slots(("phq9",), planned_at, planned_at + timedelta(days=10), {})
    schedule = {"cadence_days": 7, "cadence_instruments": ["phq9"], "local_time": "18:00"}
    slots = plan_slots(
        schedule,
        zone,
        planned_at - timedelta(days=1),
        [],
        planned_at,
        planned_at + timedelta(days=15),
        pre_treatment=first,
    )
    phq = [s for s in slots if s.instrument == "phq9"]
    assert phq[0].reason == "pre_treatment" and phq[0].due_at == planned_at + timedelta(days=3)
    days = [s.due_at for s in phq]
    assert all((b - a) >= timedelta(days=7) for a, b in zip(days, days[1:], strict=False))
