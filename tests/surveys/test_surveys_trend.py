"""compute_trend: baseline, nadir, change, threshold changes, response, remission, slope, status."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import SurveysError, TrendPoint, compute_trend
from surveys.trend import theil_sen_per_week


@pytest.fixture
def series(day):
    """`series(20, 15, ...)` -> weekly TrendPoints c0, c1, ... starting on day 0."""

    def build(*totals, every=7.0, start=0.0):
        return [TrendPoint(f"c{i}", day(start + i * every), t) for i, t in enumerate(totals)]

    return build


def test_no_points(phq9):
    trend = compute_trend(phq9, [])
    assert (trend.n, trend.status, trend.baseline, trend.slope_per_week) == (0, None, None, None)
    assert trend.to_dict()["n"] == 0


def test_one_point_is_its_own_baseline_latest_and_nadir(phq9, series):
    trend = compute_trend(phq9, series(14))
    assert (trend.baseline, trend.latest, trend.nadir, trend.change) == (14, 14, 14, 0)
    assert trend.change_percent == 0.0
    assert trend.change_previous is None and trend.change_nadir is None
    assert not trend.response and not trend.remission
    assert trend.slope_per_week is None
    assert trend.status == "no_change"


def test_change_and_percent(phq9, series):
    trend = compute_trend(phq9, series(20, 17, 15))
    assert (trend.change, trend.change_percent) == (-5, -25.0)
    assert compute_trend(phq9, series(0, 3)).change_percent is None  # baseline 0


@pytest.mark.parametrize(
    ("baseline", "latest", "response"),
    [
        (20, 10, True),
        (20, 11, False),
        (21, 10, True),
        (21, 11, False),
        (10, 5, True),  # the lowest measurable baseline
        (9, 0, False),  # 9 is not above 9: not measurable (HEDIS DRR-E / CMS159)
        (1, 0, False),
        (0, 0, False),
    ],
)
def test_response_is_at_least_50_percent_below_a_baseline_above_9(
    phq9, series, baseline, latest, response
):
    assert compute_trend(phq9, series(baseline, latest)).response is response


@pytest.mark.parametrize(
    ("baseline", "latest", "remission"),
    [(12, 4, True), (12, 5, False), (10, 4, True), (9, 4, False), (5, 4, False), (12, 0, True)],
)
def test_remission_is_below_5_from_a_baseline_above_9(phq9, series, baseline, latest, remission):
    assert compute_trend(phq9, series(baseline, latest)).remission is remission


@pytest.mark.parametrize(
    ("totals", "previous", "nadir"),
    [
        ((10, 15), "worse", "worse"),  # exactly the threshold (5)
        ((10, 14), None, None),  # just under
        ((10, 16), "worse", "worse"),  # just over
        ((15, 10), "better", "better"),  # 5 below the lowest before it
        ((15, 11), None, None),
        ((6, 12, 10), None, None),  # 4 above the nadir of 6
        ((6, 12, 11), None, "worse"),  # 5 above the nadir of 6, 1 below the previous
    ],
)
def test_threshold_change_against_previous_and_nadir(phq9, series, totals, previous, nadir):
    trend = compute_trend(phq9, series(*totals))
    assert (trend.change_previous, trend.change_nadir) == (previous, nadir)


def test_gad7_uses_its_own_mcid_of_4(gad7, series):
    assert compute_trend(gad7, series(8, 12)).change_previous == "worse"
    assert compute_trend(gad7, series(8, 11)).change_previous is None


@pytest.mark.parametrize(
    ("totals", "status"),
    [
        ((20, 25), "worsening"),  # 5 above baseline
        ((20, 24), "no_change"),
        ((20, 8, 13), "worsening_after_response"),  # 8 was a response; 5 above it now
        ((20, 12, 17), "worsening"),  # 5 above the nadir, still below baseline, no response
        ((20, 12, 15), "improving"),  # 3 above nadir; 5 below baseline but not 50 %
        ((20, 4), "remission"),
        ((20, 10), "response"),
        ((20, 15), "improving"),  # exactly the threshold below baseline
        ((20, 16), "no_change"),
        ((3, 2), "no_change"),  # never above the cutoff: not a remission
        ((7, 1), "improving"),  # 6 lower, but a baseline of 7 is not measurable for response
        ((24, 3, 8), "worsening_after_response"),  # a relapse outranks the 66 % response
        ((20, 2, 8), "worsening_after_response"),  # issue #18: never "Responding"
    ],
)
def test_status_rule(phq9, series, totals, status):
    assert compute_trend(phq9, series(*totals)).status == status


def test_worsening_outranks_remission(gad7, series):
    trend = compute_trend(gad7, series(10, 0, 4))  # GAD-7: remission (< 5) and 4 above nadir
    assert trend.remission and trend.status == "worsening_after_response"


def test_nadir_is_the_most_recent_lowest_point(phq9, series):
    points = series(15, 6, 9, 6, 10)
    trend = compute_trend(phq9, points)
    assert (trend.nadir, trend.nadir_at) == (6, points[3].at)


def test_points_are_sorted_inside(phq9, series):
    points = series(20, 15, 10, 12)
    assert compute_trend(phq9, points[::-1]) == compute_trend(phq9, points)


def test_course_start_drops_earlier_points_but_keeps_a_pre_start_baseline(phq9, day):
    points = [
        TrendPoint("old", day(0), 5),
        TrendPoint("intake", day(20), 22),  # 10 days before the first session
        TrendPoint("s1", day(30), 18),  # at the course start: included
        TrendPoint("later", day(44), 11),
    ]
    trend = compute_trend(phq9, points, course_start=day(30))
    assert (trend.n, trend.baseline, trend.baseline_at, trend.nadir) == (3, 22, day(20), 11)
    assert trend.course_start == day(30)
    strict = compute_trend(phq9, points, course_start=day(30), baseline_lookback=timedelta(0))
    assert (strict.n, strict.baseline) == (2, 18)


def test_baseline_lookback_boundary_is_14_days(phq9, day):
    start = day(30)
    at_edge = [TrendPoint("a", start - timedelta(days=14), 20), TrendPoint("b", start, 10)]
    past_edge = [
        TrendPoint("a", start - timedelta(days=14, seconds=1), 20),
        TrendPoint("b", start, 10),
    ]
    assert compute_trend(phq9, at_edge, course_start=start).baseline == 20
    assert compute_trend(phq9, past_edge, course_start=start).baseline == 10


def test_only_the_latest_pre_start_check_in_is_the_baseline(phq9, day):
    points = [
        TrendPoint("a", day(20), 24),
        TrendPoint("b", day(25), 21),
        TrendPoint("c", day(30), 9),
    ]
    trend = compute_trend(phq9, points, course_start=day(30))
    assert (trend.n, trend.baseline, trend.response) == (2, 21, True)


def test_without_course_start_the_course_starts_at_the_first_check_in(phq9, series):
    points = series(20, 10)
    assert compute_trend(phq9, points).course_start == points[0].at


def test_slope_is_theil_sen_per_week(phq9, series):
    assert compute_trend(phq9, series(20, 19, 18, 17)).slope_per_week == pytest.approx(-1.0)
    steady = series(20, 18, 16, 14, 12, 10, 8, every=3.5)
    assert compute_trend(phq9, steady).slope_per_week == pytest.approx(-4.0)
    # One wild point barely moves the median of pairwise slopes.
    assert compute_trend(phq9, series(20, 19, 2, 17, 16)).slope_per_week == pytest.approx(-1.0)


def test_slope_needs_three_points_in_the_window(phq9, series, day):
    assert compute_trend(phq9, series(20, 18)).slope_per_week is None
    points = series(27, 27, 20, 18, every=14)  # weeks 0, 2, 4, 6
    # The last 6 weeks reach back to week 0 exactly; pairwise slopes 0, -1.75, -1.5, -3.5,
    # -2.25, -1: the median is -1.625.
    assert compute_trend(phq9, points).slope_per_week == pytest.approx(-1.625)
    # Weeks 2, 4, 6: slopes -3.5, -2.25, -1.
    assert compute_trend(phq9, points, slope_weeks=4).slope_per_week == pytest.approx(-2.25)
    assert compute_trend(phq9, points, slope_weeks=3).slope_per_week is None
    later = compute_trend(phq9, points, now=day(42 + 21))  # three weeks after the last
    assert later.slope_per_week is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**13), st.integers(0, 27)), min_size=0, max_size=30))
def test_theil_sen_equals_the_textbook_median_of_pairwise_slopes(pairs):
    """The fast loop gives exactly (not approximately) the definition's result."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    points = [
        TrendPoint(str(n), start + timedelta(microseconds=us), total)
        for n, (us, total) in enumerate(sorted(pairs))
    ]
    slopes = [
        (b.total - a.total) / ((b.at - a.at).total_seconds() / 86400) * 7
        for n, a in enumerate(points)
        for b in points[n + 1 :]
        if b.at != a.at
    ]
    expected = statistics.median(slopes) if slopes else None
    assert theil_sen_per_week(points) == expected


def test_slope_ignores_pairs_at_the_same_time(phq9, day):
    points = [TrendPoint(c, day(0), t) for c, t in (("a", 5), ("b", 6), ("c", 7))]
    assert compute_trend(phq9, points).slope_per_week is None


def test_to_dict_uses_iso_datetimes(phq9, series):
    data = compute_trend(phq9, series(20, 10)).to_dict()
    assert data["baseline_at"] == "2026-10-01T09:00:00+00:00"
    assert data["latest_at"] == "2026-10-08T09:00:00+00:00"
    assert data["status"] == "response" and data["threshold"] == 5


def test_bad_points_are_refused(phq9, post_session, day):
    with pytest.raises(SurveysError, match="timezone-aware"):
        compute_trend(phq9, [TrendPoint("a", datetime(2026, 1, 1), 5)])
    with pytest.raises(SurveysError, match="outside 0-27"):
        compute_trend(phq9, [TrendPoint("a", day(0), 28)])
    with pytest.raises(SurveysError, match="must be an integer"):
        compute_trend(phq9, [TrendPoint("a", day(0), True)])
    with pytest.raises(SurveysError, match="no total score"):
        compute_trend(post_session, [])
