"""Alert rules: each threshold exactly at, just under and just over the line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from surveys import (
    PRIORITY_ORDER,
    CheckinFacts,
    RuleSettings,
    SettingsError,
    TrendPoint,
    asq_result,
    evaluate_checkin,
    get_definition,
    missed_checkin,
    priority_rank,
    safety_hits,
    score,
)

DEFAULTS = RuleSettings()
ASQ_NO = {"asq_1": 0, "asq_2": 0, "asq_3": 0, "asq_4": 0}


@pytest.fixture
def checkin(make_answers, day):
    """`checkin("phq9", 12, at=day(7))` -> CheckinFacts with id "new"."""

    def build(code, total, at, item9=0, checkin_id="new"):
        answers = (
            make_answers(code, total, item9=item9) if code == "phq9" else make_answers(code, total)
        )
        return CheckinFacts(checkin_id, at, score(get_definition(code), answers))

    return build


def rules(hits):
    return [hit.rule for hit in hits]


def test_default_settings_match_design():
    assert DEFAULTS.to_dict() == {
        "suicidal_ideation": True,
        "worsening": True,
        "severe": True,
        "missed_checkins": True,
        "missed_checkins_days": 3,
        "not_on_track": True,
        "not_on_track_weeks": 4,
        "not_on_track_sessions": 6,
        "not_on_track_min_improvement": 0.25,
        "asq_follow_up_minutes": 60,
        "risk_flag_days": 14,
        "validated_interval_days": 7,
        "case_window_hours": 24,
        "phq9_change_points": 5,
        "gad7_change_points": 4,
        "session_caution_systolic": 140,
        "session_caution_diastolic": 90,
        "session_caution_heart_rate": 100,
        "session_caution_spo2": 94,
        "session_urgent_systolic": 180,
        "session_urgent_diastolic": 110,
        "session_urgent_heart_rate": 150,
        "session_urgent_spo2": 90,
        # The home-dosing plan's defaults: the written safeguards of at-home ketamine.
        "home_min_interval_hours": 72,
        "home_max_per_week": 2,
        "home_systolic_max": 160,
        "home_diastolic_max": 90,
        "home_heart_rate_max": 100,
        "home_post_check_minutes": 120,
        "home_post_check_missed_minutes": 240,
        "home_monitor_required": True,
    }
    assert PRIORITY_ORDER == ("imminent", "urgent", "high", "routine")
    assert [priority_rank(p) for p in PRIORITY_ORDER] == [0, 1, 2, 3]


def test_settings_from_dict_ignores_none_and_refuses_unknown_keys():
    settings = RuleSettings.from_dict(
        {"worsening": False, "severe": None, "missed_checkins_days": 5}
    )
    assert (settings.worsening, settings.severe, settings.missed_checkins_days) == (False, True, 5)
    assert RuleSettings.from_dict(None) == DEFAULTS
    assert (
        RuleSettings.from_dict({"not_on_track_min_improvement": 1}).not_on_track_min_improvement
        == 1.0
    )
    with pytest.raises(SettingsError, match="Unknown rule setting.*: sucidal_ideation"):
        RuleSettings.from_dict({"sucidal_ideation": False})


@pytest.mark.parametrize(
    "bad",
    [
        {"worsening": "no"},
        {"worsening": 0},
        {"missed_checkins_days": 0},
        {"missed_checkins_days": True},
        {"missed_checkins_days": 2.5},
        {"not_on_track_min_improvement": 0},
        {"not_on_track_min_improvement": 1.5},
        {"not_on_track_min_improvement": float("nan")},
    ],
)
def test_settings_of_the_wrong_kind_are_refused(bad):
    with pytest.raises(SettingsError, match=next(iter(bad))):
        RuleSettings.from_dict(bad)


# --- safety rules: no history needed --------------------------------------------------------


@pytest.mark.parametrize(("item9", "fires"), [(0, False), (1, True), (3, True)])
def test_suicidal_ideation_on_phq9_item_9(phq9, checkin, day, item9, fires):
    new = checkin("phq9", 4 + item9, day(0), item9=item9)
    hits = evaluate_checkin(phq9, new, [], DEFAULTS)
    assert ("suicidal_ideation" in rules(hits)) is fires
    if fires:
        (hit,) = [h for h in hits if h.rule == "suicidal_ideation"]
        assert (hit.key, hit.priority) == ("checkin:new:suicidal_ideation", "urgent")
        assert hit.reason == "PHQ-9 item 9 (thoughts of death or self-harm) endorsed."


def test_safety_rules_do_not_depend_on_history(phq9, checkin, day):
    new = checkin("phq9", 22, day(30), item9=2)
    history = [TrendPoint(f"h{i}", day(i), t) for i, t in enumerate((25, 3, 12))]
    at_submit = [h for h in evaluate_checkin(phq9, new, [], DEFAULTS) if h.priority == "urgent"]
    later = [h for h in evaluate_checkin(phq9, new, history, DEFAULTS) if h.priority == "urgent"]
    assert at_submit == later == safety_hits(phq9, new)


def test_neither_suicidal_ideation_nor_imminent_can_be_turned_off(phq9, asq, checkin, day):
    with pytest.raises(SettingsError, match="cannot be turned off"):
        RuleSettings(suicidal_ideation=False)
    with pytest.raises(SettingsError, match="cannot be turned off"):
        RuleSettings.from_dict({"suicidal_ideation": False})
    quiet = RuleSettings(worsening=False, severe=False, not_on_track=False)
    assert rules(safety_hits(phq9, checkin("phq9", 5, day(0), item9=1), quiet)) == [
        "suicidal_ideation"
    ]
    imminent = CheckinFacts("a", day(0), score(asq, {**ASQ_NO, "asq_1": 1, "asq_5": 1}))
    assert rules(safety_hits(asq, imminent, quiet)) == ["imminent"]


def test_asq_acuity_yes_is_imminent(asq, day):
    new = CheckinFacts("a1", day(0), score(asq, {**ASQ_NO, "asq_3": 1, "asq_5": 1}))
    (hit,) = evaluate_checkin(asq, new, [], DEFAULTS)
    assert (hit.key, hit.rule, hit.priority) == ("checkin:a1:imminent", "imminent", "imminent")
    assert hit.reason == "ASQ: thoughts of killing themselves right now."


def test_asq_negative_raises_no_alert(asq, day):
    new = CheckinFacts("a1", day(0), score(asq, ASQ_NO))
    assert evaluate_checkin(asq, new, [], DEFAULTS) == []
    assert asq_result("asq", new.score.result) == "negative"


@pytest.mark.parametrize("yes", ["asq_1", "asq_2", "asq_3", "asq_4"])
def test_asq_non_acute_positive_raises_its_own_urgent_alert(asq, day, yes):
    """NIMH pathway: any yes to 1-4 with no to 5 needs a brief suicide safety assessment."""
    new = CheckinFacts("a1", day(0), score(asq, {**ASQ_NO, yes: 1, "asq_5": 0}))
    (hit,) = evaluate_checkin(asq, new, [], DEFAULTS)
    assert (hit.key, hit.rule, hit.priority) == (
        "checkin:a1:non_acute_positive",
        "non_acute_positive",
        "urgent",
    )
    assert "brief suicide safety assessment" in hit.reason
    assert safety_hits(asq, new) == [hit]
    assert asq_result("asq", new.score.result) == "non_acute_positive"


def test_asq_acute_positive_is_named_as_nimh_names_it(asq, day):
    new = CheckinFacts("a1", day(0), score(asq, {**ASQ_NO, "asq_1": 1, "asq_5": 1}))
    assert [h.rule for h in safety_hits(asq, new)] == ["imminent"]
    assert asq_result("asq", new.score.result) == "acute_positive"
    assert asq_result("phq9", None) is None


def test_gad7_and_the_first_post_session_version_have_no_safety_hits(gad7, checkin, day):
    post_session = get_definition("post_session", "1.0.0")
    assert safety_hits(gad7, checkin("gad7", 21, day(0))) == []
    answers = {
        "ps_nausea": 3,
        "ps_dizziness": 3,
        "ps_headache": 3,
        "ps_dissociation": 3,
        "ps_sleep": 2,
    }
    new = CheckinFacts("p", day(0), score(post_session, answers))
    assert evaluate_checkin(post_session, new, [TrendPoint("x", day(-1), 3)], DEFAULTS) == []


# --- worsening ----------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "fires"), [(14, True), (13, False), (15, True)])
def test_worsening_against_the_previous_check_in(phq9, checkin, day, total, fires):
    history = [TrendPoint("h0", day(0), 11), TrendPoint("h1", day(32), 9)]  # 2026-11-02
    hits = evaluate_checkin(phq9, checkin("phq9", total, day(39)), history, DEFAULTS)
    assert ("worsening" in rules(hits)) is fires
    if fires:
        (hit,) = [h for h in hits if h.rule == "worsening"]
        rise = total - 9
        assert (
            hit.reason
            == f"PHQ-9 rose {rise} points since 2026-11-02 (threshold 5, the minimal clinically "
            "important difference)"
        )
        assert (hit.key, hit.priority) == ("checkin:new:worsening", "high")


@pytest.mark.parametrize(("total", "fires"), [(8, True), (7, False), (9, True)])
def test_worsening_against_the_course_nadir(phq9, checkin, day, total, fires):
    history = [
        TrendPoint("h0", day(0), 18),
        TrendPoint("low", day(19), 3),
        TrendPoint("h2", day(32), 6),
    ]
    hits = evaluate_checkin(phq9, checkin("phq9", total, day(39)), history, DEFAULTS)
    assert ("worsening" in rules(hits)) is fires
    if fires:
        (hit,) = [h for h in hits if h.rule == "worsening"]
        assert hit.reason == (
            f"PHQ-9 is {total - 3} points above its course low of 3 on 2026-10-20 (threshold 5, "
            "the minimal clinically important difference)"
        )


def test_worsening_names_both_comparisons_when_both_fire(phq9, checkin, day):
    history = [TrendPoint("low", day(19), 3), TrendPoint("prev", day(32), 5)]
    (hit,) = [h for h in evaluate_checkin(phq9, checkin("phq9", 11, day(39)), history, DEFAULTS)]
    assert hit.reason == (
        "PHQ-9 rose 6 points since 2026-11-02 and is 8 points above its course low of 3 "
        "on 2026-10-20 (threshold 5, the minimal clinically important difference)"
    )


def test_worsening_nadir_is_within_the_course(phq9, checkin, day):
    history = [TrendPoint("old-low", day(0), 2), TrendPoint("base", day(30), 10)]
    new = checkin("phq9", 12, day(40))
    # The low of 2 was 30 days before this course (beyond the 14-day baseline lookback).
    assert "worsening" not in rules(
        evaluate_checkin(phq9, new, history, DEFAULTS, course_start=day(30))
    )
    assert "worsening" in rules(evaluate_checkin(phq9, new, history, DEFAULTS))


@pytest.mark.parametrize(("total", "fires"), [(12, True), (11, False), (13, True)])
def test_gad7_worsening_threshold_is_4(gad7, checkin, day, total, fires):
    hits = evaluate_checkin(
        gad7, checkin("gad7", total, day(7)), [TrendPoint("h", day(0), 8)], DEFAULTS
    )
    assert ("worsening" in rules(hits)) is fires


def test_worsening_can_be_turned_off(phq9, checkin, day):
    hits = evaluate_checkin(
        phq9,
        checkin("phq9", 19, day(7)),
        [TrendPoint("h", day(0), 5)],
        RuleSettings(worsening=False),
    )
    assert "worsening" not in rules(hits)


# --- severe -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "total", "fires"),
    [
        (19, 20, True),
        (15, 19, False),
        (19, 21, True),
        (22, 20, False),
        (None, 20, True),
        (None, 19, False),
    ],
)
def test_severe_fires_on_entering_the_most_severe_band(phq9, checkin, day, previous, total, fires):
    history = [] if previous is None else [TrendPoint("prev", day(0), previous)]
    hits = evaluate_checkin(phq9, checkin("phq9", total, day(7)), history, DEFAULTS)
    assert ("severe" in rules(hits)) is fires


def test_severe_reason(phq9, checkin, day):
    hits = evaluate_checkin(
        phq9, checkin("phq9", 20, day(7)), [TrendPoint("p", day(0), 19)], DEFAULTS
    )
    (hit,) = [h for h in hits if h.rule == "severe"]
    assert hit.reason == "PHQ-9 20 is in the severe band (20-27; up from 19 on 2026-10-01)"
    assert hit.priority == "high"
    (first,) = [h for h in evaluate_checkin(phq9, checkin("phq9", 24, day(7)), [], DEFAULTS)]
    assert first.reason == "PHQ-9 24 is in the severe band (20-27; first check-in)"


@pytest.mark.parametrize(("total", "fires"), [(15, True), (14, False)])
def test_gad7_severe_band_starts_at_15(gad7, checkin, day, total, fires):
    hits = evaluate_checkin(
        gad7, checkin("gad7", total, day(7)), [TrendPoint("p", day(0), 13)], DEFAULTS
    )
    assert ("severe" in rules(hits)) is fires


# --- not on track -------------------------------------------------------------------------


def _course(day):
    return [TrendPoint("base", day(0), 20)]


@pytest.mark.parametrize(
    ("elapsed", "sessions", "fires"),
    [
        (timedelta(weeks=4), 0, True),
        (timedelta(weeks=4) - timedelta(seconds=1), 0, False),
        (timedelta(weeks=4) + timedelta(days=1), 0, True),
        (timedelta(days=10), 6, True),
        (timedelta(days=10), 5, False),
        (timedelta(days=10), 7, True),
    ],
)
def test_not_on_track_after_4_weeks_or_6_sessions(phq9, checkin, day, elapsed, sessions, fires):
    new = checkin("phq9", 16, day(0) + elapsed)  # 20 % better than baseline 20
    hits = evaluate_checkin(
        phq9, new, _course(day), DEFAULTS, course_start=day(0), sessions_in_course=sessions
    )
    assert ("not_on_track" in rules(hits)) is fires


@pytest.mark.parametrize(("total", "fires"), [(15, False), (16, True), (14, False)])
def test_not_on_track_below_25_percent_improvement(phq9, checkin, day, total, fires):
    new = checkin("phq9", total, day(35))  # 25 %, 20 %, 30 % below baseline 20
    hits = evaluate_checkin(phq9, new, _course(day), DEFAULTS, course_start=day(0))
    assert ("not_on_track" in rules(hits)) is fires


def test_not_on_track_reason(phq9, checkin, day):
    hits = evaluate_checkin(
        phq9,
        checkin("phq9", 17, day(35)),
        _course(day),
        DEFAULTS,
        course_start=day(0),
        sessions_in_course=6,
    )
    (hit,) = [h for h in hits if h.rule == "not_on_track"]
    assert hit.reason == (
        "PHQ-9 17 is only 15 % below baseline 20 (2026-10-01) after 5 weeks and 6 sessions "
        "(expected at least 25 % below)"
    )
    assert (hit.priority, hit.key) == ("routine", "checkin:new:not_on_track")
    worse = evaluate_checkin(
        phq9, checkin("phq9", 22, day(35)), _course(day), DEFAULTS, course_start=day(0)
    )
    (hit,) = [h for h in worse if h.rule == "not_on_track"]
    assert "is 10 % above baseline 20" in hit.reason


def test_not_on_track_percent_is_never_rounded_up_to_the_line(phq9, checkin, day):
    settings = RuleSettings(not_on_track_min_improvement=0.2)
    new = checkin("phq9", 19, day(35))
    hits = evaluate_checkin(phq9, new, [TrendPoint("b", day(0), 23)], settings, course_start=day(0))
    (hit,) = [h for h in hits if h.rule == "not_on_track"]  # 4/23 = 17.39 %
    assert "only 17.3 % below" in hit.reason and "at least 20 % below" in hit.reason


def test_not_on_track_needs_something_to_improve_from(phq9, checkin, day):
    low_start = [TrendPoint("base", day(0), 4)]
    hits = evaluate_checkin(
        phq9, checkin("phq9", 4, day(35)), low_start, DEFAULTS, course_start=day(0)
    )
    assert "not_on_track" not in rules(hits)
    remitted = evaluate_checkin(
        phq9,
        checkin("phq9", 4, day(35)),
        [TrendPoint("b", day(0), 5)],
        DEFAULTS,
        course_start=day(0),
    )
    assert "not_on_track" not in rules(remitted)  # 20 % better, but below 5: remission


def test_not_on_track_uses_the_pre_course_baseline_and_ignores_now_by_default(phq9, checkin, day):
    history = [TrendPoint("intake", day(-3), 20)]
    new = checkin("phq9", 18, day(28))
    assert "not_on_track" in rules(
        evaluate_checkin(phq9, new, history, DEFAULTS, course_start=day(0))
    )
    early = evaluate_checkin(phq9, new, history, DEFAULTS, course_start=day(0), now=day(27))
    assert "not_on_track" not in rules(early)


def test_not_on_track_needs_a_baseline_before_this_check_in(phq9, checkin, day):
    hits = evaluate_checkin(phq9, checkin("phq9", 18, day(40)), [], DEFAULTS, course_start=day(0))
    assert "not_on_track" not in rules(hits)


# --- history hygiene, ordering -------------------------------------------------------------


def test_history_is_taken_as_of_the_check_in(phq9, checkin, day):
    new = checkin("phq9", 14, day(10))
    history = [
        TrendPoint("before", day(3), 9),
        TrendPoint("new", day(10), 14),  # the check-in itself, already stored
        TrendPoint("after", day(20), 2),  # later check-ins do not count when replaying
    ]
    (hit,) = evaluate_checkin(phq9, new, history, DEFAULTS)
    assert (
        hit.reason
        == "PHQ-9 rose 5 points since 2026-10-04 (threshold 5, the minimal clinically important "
        "difference)"
    )


def test_hits_are_sorted_most_pressing_first(phq9, checkin, day):
    new = checkin("phq9", 24, day(35), item9=3)
    history = [TrendPoint("base", day(0), 23), TrendPoint("prev", day(28), 12)]
    hits = evaluate_checkin(phq9, new, history, DEFAULTS, course_start=day(0))
    assert rules(hits) == ["suicidal_ideation", "severe", "worsening", "not_on_track"]
    assert [h.priority for h in hits] == ["urgent", "high", "high", "routine"]
    assert len({h.key for h in hits}) == len(hits)
    assert hits[0].to_dict()["key"] == "checkin:new:suicidal_ideation"


# --- missed check-ins -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "fires"),
    [
        (timedelta(days=3), False),
        (timedelta(days=3, seconds=1), True),
        (timedelta(days=2, hours=23), False),
    ],
)
def test_missed_checkin_after_more_than_3_days(day, late, fires):
    due = day(0)
    hit = missed_checkin("patient-7", due, due + late, DEFAULTS)
    assert (hit is not None) is fires
    if fires:
        assert hit.key == "missed:patient-7:2026-10-01T09:00:00+00:00"
        assert (hit.rule, hit.priority) == ("missed_checkins", "routine")
        assert hit.reason == "Check-in due 2026-10-01 is 3 days late (threshold 3 days)"


def test_missed_checkin_respects_settings(day):
    assert missed_checkin("p", day(0), day(4), RuleSettings(missed_checkins=False)) is None
    assert missed_checkin("p", day(0), day(4), RuleSettings(missed_checkins_days=5)) is None
    assert missed_checkin("p", day(0), day(6), RuleSettings(missed_checkins_days=5)) is not None
