"""The at-home dose plan and its gate (#20), against cases worked out by hand."""

from datetime import UTC, datetime, timedelta

import pytest

from surveys.dosing import gate, plan_from_dict, vital_errors
from surveys.errors import SettingsError

PLAN = plan_from_dict({"form": "sublingual_troche", "dose_mg": 200, "doses_prescribed": 8})
NOW = datetime(2026, 11, 12, 19, 0, tzinfo=UTC)
CALM = {"systolic": 128, "diastolic": 82, "heart_rate": 74}


def test_the_defaults_are_the_written_safeguards():
    assert (PLAN.systolic_max, PLAN.diastolic_max, PLAN.heart_rate_max) == (160, 90, 100)
    assert PLAN.monitor_required is True
    assert (PLAN.min_interval_hours, PLAN.max_per_week) == (72, 2)
    assert (PLAN.post_check_minutes, PLAN.post_check_missed_minutes) == (120, 240)


def test_a_calm_first_dose_passes():
    result = gate(PLAN, CALM, True, False, [], NOW)
    assert (result.ok, result.reasons, result.next_at) == (True, (), None)


@pytest.mark.parametrize(
    ("vitals", "reason"),
    [
        ({"systolic": 161, "diastolic": 80, "heart_rate": 70}, "bp_high"),
        ({"systolic": 150, "diastolic": 91, "heart_rate": 70}, "bp_high"),
        ({"systolic": 150, "diastolic": 80, "heart_rate": 101}, "heart_rate_high"),
    ],
)
def test_vitals_over_the_limits_stop_the_dose(vitals, reason):
    assert gate(PLAN, vitals, True, False, [], NOW).reasons == (reason,)
    # At the limit is allowed: "over 160/90" stops, 160/90 does not.
    at_limit = {"systolic": 160, "diastolic": 90, "heart_rate": 100}
    assert gate(PLAN, at_limit, True, False, [], NOW).ok


def test_every_reason_is_given_at_once():
    doses = [NOW - timedelta(hours=30), NOW - timedelta(days=5)]
    result = gate(
        PLAN, {"systolic": 170, "diastolic": 95, "heart_rate": 110}, False, True, doses, NOW
    )
    assert result.reasons == (
        "bp_high",
        "heart_rate_high",
        "monitor_absent",
        "new_symptoms",
        "too_soon",
        "weekly_max",
    )
    assert result.next_at == NOW - timedelta(hours=30) + timedelta(hours=72)


def test_the_interval_and_the_rolling_week():
    last = NOW - timedelta(hours=71, minutes=59)
    assert gate(PLAN, CALM, True, False, [last], NOW).reasons == ("too_soon",)
    assert gate(PLAN, CALM, True, False, [NOW - timedelta(hours=72)], NOW).ok
    # Two in the last 7 days (the weekly maximum), the older 6 days 23 h ago.
    week = [NOW - timedelta(days=6, hours=23), NOW - timedelta(days=3, hours=1)]
    assert gate(PLAN, CALM, True, False, week, NOW).reasons == ("weekly_max",)
    # An hour later the older one is out of the window.
    later = NOW + timedelta(hours=1, minutes=1)
    assert gate(PLAN, CALM, True, False, week, later).ok


def test_the_prescription_is_used_up():
    doses = [NOW - timedelta(days=4 * n) for n in range(1, 9)]
    assert gate(PLAN, CALM, True, False, doses, NOW).reasons == ("prescription_used",)


def test_no_monitor_needed_when_the_plan_says_so():
    plan = plan_from_dict(
        {"form": "oral", "dose_mg": 300, "doses_prescribed": 4, "monitor_required": False}
    )
    assert gate(plan, CALM, False, False, [], NOW).ok


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"dose_mg": 200, "doses_prescribed": 8}, "form"),
        ({"form": "iv", "dose_mg": 200, "doses_prescribed": 8}, "form"),
        ({"form": "oral", "doses_prescribed": 8}, "dose_mg is required"),
        ({"form": "oral", "dose_mg": 2000, "doses_prescribed": 8}, "dose_mg"),
        (
            {"form": "oral", "dose_mg": 200, "doses_prescribed": 8, "systolic_max": 220},
            "systolic_max",
        ),
        (
            {"form": "oral", "dose_mg": 200, "doses_prescribed": 8, "max_per_week": 0},
            "max_per_week",
        ),
        (
            {"form": "oral", "dose_mg": 200, "doses_prescribed": 8, "min_interval_hours": 1.5},
            "min_interval_hours",
        ),
        (
            {"form": "oral", "dose_mg": 200, "doses_prescribed": 8, "monitor_required": "yes"},
            "monitor_required",
        ),
        (
            {
                "form": "oral",
                "dose_mg": 200,
                "doses_prescribed": 8,
                "post_check_minutes": 300,
                "post_check_missed_minutes": 240,
            },
            "later than",
        ),
    ],
)
def test_a_bad_plan_is_refused_by_name(data, words):
    with pytest.raises(SettingsError, match=words):
        plan_from_dict(data)


@pytest.mark.parametrize(
    ("vitals", "field"),
    [
        ({"systolic": 300, "diastolic": 80, "heart_rate": 70}, "systolic"),
        ({"systolic": 120, "diastolic": 20, "heart_rate": 70}, "diastolic"),
        ({"systolic": 120, "diastolic": 80, "heart_rate": 10}, "heart_rate"),
        ({"systolic": 80, "diastolic": 90, "heart_rate": 70}, "diastolic"),
        ({"systolic": 120.5, "diastolic": 80, "heart_rate": 70}, "systolic"),
        ({"diastolic": 80, "heart_rate": 70}, "systolic"),
    ],
)
def test_readings_a_cuff_cannot_give_are_errors(vitals, field):
    assert field in vital_errors(vitals)
    assert vital_errors(CALM) == {}
