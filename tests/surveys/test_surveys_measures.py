"""Issue #18 by hand: the baseline and its kind, response and remission from a measurable
baseline only, one status with "worsening after response", and thresholds named for what
they are (MCID or reliable change index) compared a retest interval apart.

Each expected value below was worked out by hand from docs/clinical.md; the properties at the
end hold for any history (hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import (
    STATUSES,
    WORSENING_STATUSES,
    CheckinFacts,
    RuleSettings,
    SettingsError,
    TrendPoint,
    compute_trend,
    evaluate_checkin,
    get_definition,
    score,
)
from surveys.summary import Course, course_trend, patient_status, summarise
from surveys.trend import is_response, status_of

PHQ9 = get_definition("phq9")
GAD7 = get_definition("gad7")
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
PROPERTY = settings(database=None, deadline=None, max_examples=300)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def points(*pairs) -> list[TrendPoint]:
    """Points c0, c1, ... from (day, total) pairs."""
    return [TrendPoint(f"c{n}", at(d), t) for n, (d, t) in enumerate(pairs)]


# --- baseline -------------------------------------------------------------------------------


def test_a_check_in_in_the_14_days_before_the_first_session_is_the_pre_treatment_baseline():
    # Intake 22 on day 20, first session day 30, then 18 and 11.
    trend = compute_trend(PHQ9, points((20, 22), (30, 18), (44, 11)), course_start=at(30))
    assert (trend.baseline, trend.baseline_at, trend.baseline_kind) == (22, at(20), "pre_treatment")
    # 22 -> 11 is exactly 50 %: a response, from a baseline above 9.
    assert trend.response and trend.response_measurable and trend.status == "response"


def test_without_one_the_baseline_is_after_the_first_session_and_says_so():
    # The only earlier check-in is 15 days before the first session: outside the 14 days.
    trend = compute_trend(PHQ9, points((15, 22), (30.5, 18), (44, 9)), course_start=at(30))
    assert (trend.baseline, trend.baseline_at, trend.baseline_kind) == (
        18,
        at(30.5),
        "after_first_session",
    )
    assert trend.response  # 18 -> 9 is 50 %, measured from the post-dose score


def test_before_any_session_the_first_check_in_is_the_baseline():
    trend = compute_trend(PHQ9, points((0, 14), (7, 12)))
    assert (trend.baseline, trend.baseline_kind) == (14, "first_checkin")
    assert compute_trend(PHQ9, []).baseline_kind is None


# --- response and remission (HEDIS DRR-E / CMS159: index PHQ-9 > 9) ---------------------------


@pytest.mark.parametrize(
    ("baseline", "latest", "measurable", "response", "remission", "status"),
    [
        (10, 4, True, True, True, "remission"),  # 10 > 9; 4 < 5 and 60 % lower
        (10, 5, True, True, False, "response"),  # exactly 50 %, not below 5
        (9, 0, False, False, False, "improving"),  # 9 is not > 9: 9 lower is a fall, no more
        (9, 4, False, False, False, "improving"),  # 5 lower: the MCID, counted as improving
        (7, 3, False, False, False, "no_change"),  # 4 lower: below the MCID of 5
        (1, 0, False, False, False, "no_change"),  # issue #18: PHQ-9 1 -> 0 is not a response
        (27, 13, True, True, False, "response"),  # 13 * 100 <= 27 * 50 (1300 <= 1350)
        (27, 14, True, False, False, "improving"),  # 1400 > 1350
    ],
)
def test_response_and_remission_count_only_from_a_baseline_above_9(
    baseline, latest, measurable, response, remission, status
):
    trend = compute_trend(PHQ9, points((0, baseline), (14, latest)))
    assert (trend.response_measurable, trend.response, trend.remission) == (
        measurable,
        response,
        remission,
    )
    assert trend.status == status


# --- one status -----------------------------------------------------------------------------


def test_the_issues_patient_20_2_8_is_worsening_after_response_everywhere():
    series = points((0, 20), (14, 2), (28, 8))
    trend = compute_trend(PHQ9, series)
    assert trend.response  # 8 is still 60 % below 20 ...
    assert trend.status == "worsening_after_response"  # ... but 6 above the low of 2
    summary = summarise({"phq9": series}, None)
    assert summary["trend_status"] == summary["instruments"]["phq9"]["status"] == trend.status
    assert summary["worsening"] is True
    assert course_trend(PHQ9, series, None).status == trend.status


def test_the_patients_status_is_the_most_pressing_worsening_then_the_phq9s():
    assert patient_status({"phq9": "response", "gad7": "worsening"}) == "worsening"
    assert (
        patient_status({"phq9": "worsening", "gad7": "worsening_after_response"})
        == "worsening_after_response"
    )
    assert patient_status({"phq9": "remission", "gad7": "improving"}) == "remission"
    assert patient_status({"gad7": "improving"}) == "improving"
    assert patient_status({}) is None


# --- thresholds: named, tunable within bounds, a retest interval apart -------------------------


def test_a_rise_within_the_retest_interval_raises_nothing():
    # PHQ-9 10, then 16 a day later: 6 points, but 1 day is not a retest interval (7 days).
    assert compute_trend(PHQ9, points((0, 10), (1, 16))).status == "no_change"
    assert compute_trend(PHQ9, points((0, 10), (6.9, 16))).status == "no_change"
    assert compute_trend(PHQ9, points((0, 10), (7, 16))).status == "worsening"
    # Against the low: 20, 9 on day 14, 15 on day 17 (3 days later) compares with 20 only.
    assert compute_trend(PHQ9, points((0, 20), (14, 9), (17, 15))).status == "improving"
    # A week after the low of 9 (a response: 55 % below 20), 15 is a relapse watch.
    assert (
        compute_trend(PHQ9, points((0, 20), (14, 9), (21, 15))).status == "worsening_after_response"
    )


def test_each_threshold_says_what_it_is():
    series = points((0, 10), (14, 15))
    mcid = compute_trend(PHQ9, series)
    assert (mcid.threshold, mcid.threshold_basis, mcid.status) == (5, "mcid", "worsening")
    rci = compute_trend(PHQ9, series, threshold=6)
    assert (rci.threshold, rci.threshold_basis, rci.status) == (6, "rci", "no_change")
    assert compute_trend(GAD7, series[:1], threshold=5).threshold_basis == "between"
    assert compute_trend(GAD7, series[:1]).threshold == 4  # Toussaint 2020


@pytest.mark.parametrize(
    ("name", "value", "ok"),
    [
        ("phq9_change_points", 5, True),  # the MCID (Löwe 2004)
        ("phq9_change_points", 6, True),  # the reliable change index (IAPT)
        ("phq9_change_points", 4, False),
        ("phq9_change_points", 7, False),
        ("gad7_change_points", 4, True),  # the MCID (Toussaint 2020)
        ("gad7_change_points", 6, True),  # about 6 (Bischoff 2020)
        ("gad7_change_points", 3, False),
        ("gad7_change_points", 7, False),
    ],
)
def test_a_clinic_tunes_a_threshold_from_the_mcid_to_the_reliable_change_index(name, value, ok):
    if ok:
        assert getattr(RuleSettings.from_dict({name: value}), name) == value
    else:
        with pytest.raises(SettingsError, match=name):
            RuleSettings.from_dict({name: value})


def _checkin(total: int, days: float) -> CheckinFacts:
    answers = dict.fromkeys(PHQ9.scored_item_ids, 0)
    for link_id in PHQ9.scored_item_ids[:-1]:  # item 9 stays 0
        answers[link_id] = min(3, total - sum(answers.values()))
    return CheckinFacts("new", at(days), score(PHQ9, answers))


def test_the_worsening_rule_compares_check_ins_a_retest_interval_apart():
    history = [TrendPoint("h0", at(0), 10)]
    next_day = evaluate_checkin(PHQ9, _checkin(16, 1), history, RuleSettings())
    assert "worsening" not in [h.rule for h in next_day]
    week = evaluate_checkin(PHQ9, _checkin(16, 7), history, RuleSettings())
    (hit,) = [h for h in week if h.rule == "worsening"]
    assert hit.reason == (
        "PHQ-9 rose 6 points since 2026-10-01 (threshold 5, the minimal clinically important "
        "difference)"
    )
    # A rise of 6 after a day compares with the check-in a week before, not the one before.
    history = [TrendPoint("h0", at(0), 10), TrendPoint("h1", at(6), 4)]
    hits = evaluate_checkin(PHQ9, _checkin(10, 7), history, RuleSettings())
    assert "worsening" not in [h.rule for h in hits]
    tuned = RuleSettings.from_dict({"phq9_change_points": 6})
    (hit,) = [
        h
        for h in evaluate_checkin(PHQ9, _checkin(16, 7), [history[0]], tuned)
        if h.rule == "worsening"
    ]
    assert hit.reason.endswith("(threshold 6, the reliable change index)")


def test_a_course_trend_uses_the_courses_own_span():
    series = points((0, 20), (10, 5), (20, 18), (27, 9))
    first = Course(1, at(1), at(20))
    # By hand: course 1 = {20 (day 0, pre-treatment), 5 (day 10)}: 75 % lower, 5 is not < 5.
    trend = course_trend(PHQ9, series, first)
    assert (trend.baseline_kind, trend.response, trend.remission) == ("pre_treatment", True, False)
    assert (trend.n, trend.status) == (2, "response")
    # Course 2 from day 20: its baseline is the last check-in of the 14 days before, the 5 of
    # day 10 (not measurable: 5 <= 9); 9 on day 27 is 4 above the low of 5: below the MCID.
    second = course_trend(PHQ9, series, Course(2, at(20), None))
    assert (second.baseline, second.baseline_kind, second.status) == (
        5,
        "pre_treatment",
        "no_change",
    )
    assert not second.response_measurable


# --- properties of the status function ------------------------------------------------------

histories = st.lists(
    st.tuples(st.floats(min_value=0, max_value=120, allow_nan=False), st.integers(0, 27)),
    min_size=1,
    max_size=20,
)


def _course(raw):
    return sorted(points(*raw), key=lambda p: (p.at, p.checkin_id))


def _spaced_low(course):
    latest = course[-1]
    earlier = [p for p in course[:-1] if latest.at - p.at >= timedelta(days=7)]
    return min((p.total for p in earlier), default=None)


@PROPERTY
@given(histories, st.sampled_from([5, 6]))
def test_status_is_worsening_exactly_when_the_latest_rose_a_threshold_over_a_week(raw, threshold):
    course = _course(raw)
    status = status_of(PHQ9, course, threshold)
    low = _spaced_low(course)
    rose = low is not None and course[-1].total - low >= threshold
    assert status in STATUSES
    assert (status in WORSENING_STATUSES) is rose


@PROPERTY
@given(histories)
def test_a_status_that_counts_response_needs_a_baseline_above_9(raw):
    course = _course(raw)
    status = status_of(PHQ9, course)
    if status in ("response", "remission", "worsening_after_response"):
        assert course[0].total > 9
    if status == "worsening_after_response":
        assert any(is_response(PHQ9, course[0].total, p.total) for p in course[1:-1])
    if status in ("response", "remission"):
        assert 2 * course[-1].total <= course[0].total or course[-1].total < 5


@PROPERTY
@given(histories)
def test_a_rise_after_a_response_is_never_read_as_responding(raw):
    course = _course(raw)
    status = status_of(PHQ9, course)
    responded = any(is_response(PHQ9, course[0].total, p.total) for p in course[1:-1])
    low = _spaced_low(course)
    if responded and low is not None and course[-1].total - low >= 5:
        assert status == "worsening_after_response"


@PROPERTY
@given(histories, st.floats(min_value=0, max_value=6.9, allow_nan=False), st.integers(0, 27))
def test_a_check_in_within_the_retest_interval_of_every_other_raises_no_worsening(
    raw, after, total
):
    """All points within less than 7 days: no change threshold may be applied at all."""
    squeezed = [(d % 6.9, t) for d, t in raw] + [(after, total)]
    status = status_of(PHQ9, _course(squeezed))
    assert status not in (*WORSENING_STATUSES, "improving")


@PROPERTY
@given(histories)
def test_a_higher_threshold_never_adds_a_worsening(raw):
    course = _course(raw)
    if status_of(PHQ9, course, 6) in WORSENING_STATUSES:
        assert status_of(PHQ9, course, 5) in WORSENING_STATUSES
