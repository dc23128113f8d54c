"""Course plans and where a patient stands in them, against dates worked out by hand."""

from datetime import date, timedelta

import pytest

from surveys.courses import PLANNED_AHEAD, TEMPLATES, plan_from_dict, standing
from surveys.errors import SettingsError

IV = plan_from_dict({"template": "iv_series"})
ESK = plan_from_dict({"template": "esketamine_label"})
MON = date(2026, 11, 2)  # a Monday


def days(*offsets):
    return [MON + timedelta(days=n) for n in offsets]


def test_the_templates_are_the_documented_schedules():
    assert [(p.name, p.sessions, p.interval_days) for p in ESK.phases] == [
        ("induction", 8, 4),
        ("continuation", 4, 7),
        ("maintenance", None, 14),
    ]
    assert [(p.name, p.sessions, p.interval_days) for p in IV.phases] == [
        ("induction", 6, 4),
        ("maintenance", None, 28),
    ]
    assert set(TEMPLATES) == {"esketamine_label", "iv_series"}


def test_before_any_session_the_first_is_due_today():
    s = standing(IV, [], MON)
    assert (s.phase, s.session_in_phase, s.next_due_on) == ("induction", 0, MON)
    # Six infusions four days apart: Mon 2, Fri 6, Tue 10, Sat 14, Wed 18, Sun 22 Nov; then
    # boosters every 28 days: 20 Dec, 17 Jan ...
    assert s.planned[:8] == tuple(days(0, 4, 8, 12, 16, 20, 48, 76))
    assert s.signals == []


def test_mid_induction_the_next_is_due_four_days_after_the_last():
    # Mon, Thu, Mon: three of six given; today Wed 11 Nov.
    s = standing(IV, days(0, 3, 7), MON + timedelta(days=9))
    assert (s.phase, s.session_in_phase) == ("induction", 3)
    assert s.next_due_on == MON + timedelta(days=11)  # Fri 13 Nov
    assert s.planned[:3] == tuple(days(11, 15, 19))
    assert s.days_overdue == 0 and s.signals == []
    assert [(x.name, x.done, x.started_on, x.ended_on) for x in s.spans] == [
        ("induction", 3, MON, None),
        ("maintenance", 0, None, None),
    ]


def test_a_stopped_induction_is_flagged_after_twice_its_interval():
    given = days(0, 3, 7)  # last on Mon 9 Nov, interval 4: flagged once more than 8 days pass
    assert standing(IV, given, MON + timedelta(days=15)).signals == []  # 8 days
    late = standing(IV, given, MON + timedelta(days=16))  # 9 days
    assert late.signals == ["induction_incomplete"]
    assert late.days_overdue == 5  # due Fri 13 Nov, today Wed 18 Nov


def test_maintenance_and_the_booster_overdue_signal():
    given = days(0, 3, 7, 10, 14, 17)  # six infusions, the last on Thu 19 Nov
    s = standing(IV, given, MON + timedelta(days=30))
    assert (s.phase, s.session_in_phase) == ("maintenance", 0)
    assert s.next_due_on == MON + timedelta(days=17 + 28)  # Thu 17 Dec
    assert [(x.name, x.done, x.ended_on) for x in s.spans] == [
        ("induction", 6, MON + timedelta(days=17)),
        ("maintenance", 0, None),
    ]
    # Grace of 7 days: overdue from the 8th day after the booster was due.
    assert standing(IV, given, MON + timedelta(days=45 + 7)).signals == []
    over = standing(IV, given, MON + timedelta(days=45 + 8))
    assert over.signals == ["booster_overdue"] and over.days_overdue == 8
    # A booster given: due again 28 days after it, nothing flagged.
    after = standing(IV, [*given, MON + timedelta(days=50)], MON + timedelta(days=53))
    assert after.session_in_phase == 1 and after.next_due_on == MON + timedelta(days=78)
    assert after.signals == []


def test_the_esketamine_schedule_moves_to_weekly_then_maintenance():
    induction = days(0, 3, 7, 10, 14, 17, 21, 24)  # weeks 1-4, twice weekly
    s = standing(ESK, induction, MON + timedelta(days=26))
    assert (s.phase, s.session_in_phase, s.next_due_on) == (
        "continuation",
        0,
        MON + timedelta(days=31),
    )
    weekly = [*induction, *days(31, 38, 45, 52)]
    m = standing(ESK, weekly, MON + timedelta(days=55))
    assert (m.phase, m.next_due_on) == ("maintenance", MON + timedelta(days=66))
    assert m.planned[:2] == tuple(days(66, 80))
    assert [x.done for x in m.spans] == [8, 4, 0]


def test_a_plan_of_set_phases_only_ends():
    plan = plan_from_dict({"phases": [{"name": "induction", "sessions": 2, "interval_days": 3}]})
    s = standing(plan, days(0, 2), MON + timedelta(days=40))
    assert s.phase is None and s.next_due_on is None and s.signals == []


def test_the_planned_list_is_bounded():
    assert len(standing(ESK, [], MON).planned) == PLANNED_AHEAD


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"template": "weekly-ish"}, "Unknown plan template"),
        ({"phases": []}, "at least one phase"),
        ({"phases": [{"name": "booster", "sessions": 1, "interval_days": 7}]}, "phases.0.name"),
        (
            {
                "phases": [
                    {"name": "maintenance", "sessions": None, "interval_days": 28},
                    {"name": "induction", "sessions": 6, "interval_days": 4},
                ]
            },
            "only the last phase",
        ),
        (
            {
                "phases": [
                    {"name": "maintenance", "sessions": 2, "interval_days": 28},
                    {"name": "induction", "sessions": 6, "interval_days": 4},
                ]
            },
            "in the order",
        ),
        ({"phases": [{"name": "induction", "sessions": 0, "interval_days": 4}]}, "sessions"),
        ({"phases": [{"name": "induction", "sessions": 6, "interval_days": 0}]}, "interval_days"),
        ({"phases": [{"name": "induction", "sessions": 6, "interval_days": 4.5}]}, "interval"),
        ({"phases": [{"name": "induction", "sessions": True, "interval_days": 4}]}, "sessions"),
        ({"template": "iv_series", "grace_days": 61}, "grace_days"),
    ],
)
def test_a_bad_plan_is_refused_by_name(data, words):
    with pytest.raises(SettingsError, match=words):
        plan_from_dict(data)
