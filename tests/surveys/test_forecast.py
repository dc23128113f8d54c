"""The booster forecast (surveys/forecast.py, surveys/survival.py): unit and property tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.forecast import REASONS, LossDefinition, forecast, interval_duration
from surveys.survival import (
    Duration,
    gamma_cdf,
    gamma_quantile,
    pooled_prior,
    published_prior,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PROPERTY = settings(database=None, deadline=None, max_examples=150)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def course(baseline: int, intervals: list[tuple[int, int | None]]):
    """An induction of six sessions (response at day 14), then one interval per
    (length, day the loss shows or None): weekly PHQ-9s, 30 % of baseline in response and
    80 % once lost. Returns (phq9, sessions, end)."""
    sessions = [day(n) for n in (0, 2, 5, 7, 9, 12)]
    phq9 = [(day(-3), baseline)]
    start = 12.0
    for length, lost_on in intervals:
        for week in range(1, length // 7 + 1):
            at = start + 7 * week - 0.25
            if at >= start + length:
                break
            out = lost_on is not None and 7 * week >= lost_on
            phq9.append((day(at), round(baseline * (0.8 if out else 0.3))))
        start += length
        sessions.append(day(start))
    return phq9, sessions, day(start + 0.5)


intervals = st.lists(
    st.tuples(st.integers(8, 60), st.one_of(st.none(), st.integers(7, 60))),
    min_size=1,
    max_size=6,
)


def test_the_published_prior_passes_through_orka1_and_sits_between_the_two_cohorts():
    prior = published_prior()
    # A population this varied, at ORKA-1's level, has 80 % at 4 weeks and 60 % at 8.
    b = 28**prior.shape / (0.8 ** (-1 / prior.a) - 1)
    assert math.isclose((b / (b + 56**prior.shape)) ** prior.a, 0.6, rel_tol=1e-6)
    assert 18 < prior.median_days() < 72  # Murrough's median and ORKA-1's Weibull median
    assert 1.2 < prior.a < 2.5  # worth one or two losses of the patient's own


def test_gamma_functions_match_closed_forms():
    assert math.isclose(gamma_cdf(1, 2.0), 1 - math.exp(-2), rel_tol=1e-12)
    assert math.isclose(gamma_cdf(3, 10.0), 1 - math.exp(-10) * (1 + 10 + 50), rel_tol=1e-12)
    assert math.isclose(gamma_quantile(1, 0.5), math.log(2), rel_tol=1e-9)


def test_a_forecast_from_two_losses_says_what_it_is_based_on():
    phq9, sessions, end = course(20, [(26, 21), (30, 21)])
    result = forecast(20, phq9, sessions, end)
    assert result.available
    assert [d.lost for d in result.durations] == [True, True]
    # The loss shows at the week-3 PHQ-9 (day 20.75): halfway from the week-2 one.
    assert math.isclose(result.durations[0].days, 17.25)
    assert result.words.startswith("Based on 2 earlier intervals of 17 days (2 ended")
    assert result.due_low <= result.due_day <= result.due_high
    median, low, high = result.median_days
    assert low < median < high and 10 < median < 25


def test_it_says_nothing_without_a_response_and_says_why():
    phq9 = [(day(-3), 20), (day(7), 14), (day(14), 12)]
    result = forecast(20, phq9, [day(n) for n in range(0, 14, 3)], day(15))
    assert (result.reason, result.available, result.curve) == ("no_response", False, ())
    assert result.words == REASONS["no_response"]
    assert forecast(0, phq9, [], day(15)).reason == "no_baseline"


def test_it_says_nothing_when_response_is_already_lost_or_data_are_too_few():
    phq9, sessions, end = course(20, [(30, 14)])
    assert forecast(20, phq9, sessions, end - timedelta(days=12)).reason == "response_lost"
    phq9, sessions, end = course(20, [(30, None)])
    assert forecast(20, phq9, sessions, end - timedelta(days=13)).reason == "too_few_intervals"
    assert forecast(20, phq9, sessions, end, phase="induction").reason == "not_in_maintenance"


def test_sessions_days_apart_after_an_early_response_do_not_make_it_speak():
    """An induction that responded early, in a course without a plan: its 2-3-day intervals
    say nothing about how long a response lasts."""
    sessions = [day(n) for n in (0, 2, 5, 7, 9, 12)]
    phq9 = [(day(-3), 20), (day(4), 8), (day(8), 6)]
    result = forecast(20, phq9, sessions, day(10))
    assert result.reason == "too_few_intervals" and len(result.durations) == 2


def test_a_clinics_own_relapse_definition_is_used():
    phq9, sessions, end = course(20, [(30, None), (30, None)])  # in response at 6
    strict = LossDefinition(percent_of_baseline=50, at_least=6)
    during = end - timedelta(days=10)  # in the second interval, after two PHQ-9s
    assert forecast(20, phq9, sessions, during).available
    assert forecast(20, phq9, sessions, during, loss=strict).reason == "response_lost"


def test_an_interval_without_a_check_in_says_nothing():
    assert interval_duration(T0, []) == (None, False)
    assert interval_duration(T0, [(day(7), False)]) == (Duration(7.0, False), False)


def test_the_clinics_pool_replaces_the_published_prior_only_when_large_enough():
    small = [[Duration(20.0, True)]] * 29
    assert pooled_prior(small) is None
    pool = [[Duration(10.0 + n % 7 * 5, True), Duration(30.0, n % 3 == 0)] for n in range(40)]
    prior = pooled_prior(pool)
    assert prior is not None and prior.source == "clinic" and prior.patients == 40
    assert 0.2 < prior.shape < 6


@PROPERTY
@given(st.integers(10, 27), intervals)
def test_risks_are_probabilities_monotone_in_days(baseline, spans):
    phq9, sessions, end = course(baseline, spans)
    result = forecast(baseline, phq9, sessions, end)
    if not result.available:
        return
    for series in ("risk", "low", "high"):
        values = [getattr(r, series) for r in result.curve]
        assert all(0.0 <= v <= 1.0 for v in values)
        assert all(a <= b for a, b in zip(values, values[1:], strict=False))
    assert all(r.low <= r.risk <= r.high for r in result.curve)


@PROPERTY
@given(st.integers(10, 27), intervals)
def test_more_data_narrows_the_interval(baseline, spans):
    """The same kind of history twice as long gives a narrower range of the patient's own
    time to loss; strictly narrower when it holds a loss (a censored interval says that the
    loss came later, not how much later: only losses pin the rate down)."""
    kind = [(14, None), *spans]  # in response in its first interval
    phq9, sessions, end = course(baseline, [*kind, (35, None)])
    longer = course(baseline, [*kind, *kind, (35, None)])
    once = forecast(baseline, phq9, sessions, end - timedelta(days=30))
    twice = forecast(baseline, *longer[:2], longer[2] - timedelta(days=30))
    if not once.available:
        return
    assert twice.available and len(twice.durations) == 2 * len(once.durations)
    (_, low1, high1), (_, low2, high2) = once.median_days, twice.median_days
    if any(d.lost for d in once.durations):
        assert high2 / low2 < high1 / low1
    else:
        assert math.isclose(high2 / low2, high1 / low1)


@PROPERTY
@given(st.integers(10, 27), intervals, st.floats(-30, 400))
def test_a_forecast_never_precedes_a_response(baseline, spans, at):
    phq9, sessions, _ = course(baseline, spans)
    responded = min((t for t, total in phq9 if total * 2 <= baseline), default=None)
    result = forecast(baseline, phq9, sessions, day(at))
    if responded is None or day(at) < responded:
        assert result.reason == "no_response" and not result.curve
    elif result.available:
        assert result.session_at <= day(at)
        assert result.durations  # earlier intervals after the response


@PROPERTY
@given(
    st.integers(10, 27),
    intervals,
    st.sampled_from(["America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham", "Europe/London"]),
)
def test_the_forecast_is_the_same_in_every_time_zone(baseline, spans, zone):
    phq9, sessions, end = course(baseline, spans)
    tz = ZoneInfo(zone)
    here = forecast(baseline, phq9, sessions, end)
    there = forecast(
        baseline,
        [(at.astimezone(tz), total) for at, total in phq9],
        [s.astimezone(tz) for s in sessions],
        end.astimezone(tz),
    )
    assert (here.reason, here.curve, here.durations) == (there.reason, there.curve, there.durations)
    assert here.session_at == there.session_at
