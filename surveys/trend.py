"""Trend of one patient's scored check-ins of one instrument within a treatment course.

The baseline is the last check-in in the 14 days before the course's first session
(``baseline_kind`` "pre_treatment"); without one, the first check-in after the first session
stands in and says so ("after_first_session"); before any session, the first check-in
("first_checkin"). Thresholds and their sources: docs/clinical.md.

Status (``status_of``; the first rule that matches wins; None when there is no point). Change
thresholds compare check-ins at least the instrument's retest interval apart (7 days for the
PHQ-9 and GAD-7), so one-day noise moves no status:

1. ``worsening_after_response``: as 2, in a course that had reached response (relapse watch).
2. ``worsening``: the latest total is at least the threshold above the baseline or the lowest
   total, each at least the retest interval earlier.
3. ``remission``: below the remission cutoff, from a measurable baseline.
4. ``response``: at least 50 % below a measurable baseline.
5. ``improving``: at least the threshold below a baseline the retest interval earlier.
6. ``no_change``: anything else, including a single check-in.

Response and remission are measurable only from a baseline above ``measurable_above`` (PHQ-9
> 9: NCQA HEDIS DRR-E and CMS159 count no one below); ``response_measurable`` says so. The
threshold is the instrument's MCID unless the clinic chose another within its bounds
(``Definition.threshold_bounds``), and ``threshold_basis`` names which it is.
Worsening comes first because the panel is sorted by who needs attention.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from surveys.errors import SurveysError
from surveys.model import Definition

#: A check-in this long before the course start still counts as the baseline: the PHQ-9 and
#: GAD-7 ask about the last 2 weeks, so an intake check-in days before the first session
#: describes the untreated state. Without it, a pre-treatment baseline would be dropped.
BASELINE_LOOKBACK = timedelta(days=14)

#: Every status, most pressing first (``status_of``).
STATUSES = (
    "worsening_after_response",
    "worsening",
    "remission",
    "response",
    "improving",
    "no_change",
)
#: The statuses that put a patient in the panel's worsening tier.
WORSENING_STATUSES = ("worsening_after_response", "worsening")
#: Where the baseline came from (see the module docstring).
BASELINE_KINDS = ("pre_treatment", "after_first_session", "first_checkin")


@dataclass(frozen=True)
class TrendPoint:
    """One scored check-in as the trend needs it."""

    checkin_id: str
    at: datetime
    total: int
    safety_endorsed: bool = False


@dataclass(frozen=True)
class Trend:
    """Baseline, latest, nadir, change, threshold changes, response, remission, slope, status."""

    instrument: str
    n: int
    baseline: int | None = None
    baseline_at: datetime | None = None
    #: pre_treatment, after_first_session or first_checkin (BASELINE_KINDS).
    baseline_kind: str | None = None
    latest: int | None = None
    latest_at: datetime | None = None
    nadir: int | None = None
    nadir_at: datetime | None = None
    change: int | None = None
    change_percent: float | None = None
    #: "worse" or "better" by the threshold against the latest check-in at least the retest
    #: interval earlier, and against the lowest of those (None: neither, or none that early).
    change_previous: str | None = None
    change_nadir: str | None = None
    #: The baseline is above the instrument's ``measurable_above`` (HEDIS: PHQ-9 > 9).
    response_measurable: bool = False
    response: bool = False
    remission: bool = False
    slope_per_week: float | None = None
    status: str | None = None
    #: The change threshold in points, and whether it is the MCID, the RCI or "between".
    threshold: int | None = None
    threshold_basis: str | None = None
    retest_interval_days: int | None = None
    course_start: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with ISO 8601 datetimes."""
        return {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in asdict(self).items()
        }


def _check(definition: Definition, points: Sequence[TrendPoint]) -> None:
    if not definition.scored:
        raise SurveysError(f"{definition.short_title} has no total score to trend.")
    for point in points:
        if point.at.tzinfo is None or point.at.utcoffset() is None:
            raise SurveysError(f"Check-in {point.checkin_id}: time must be timezone-aware.")
        low, high = definition.score_min, definition.score_max
        if isinstance(point.total, bool) or not isinstance(point.total, int):
            raise SurveysError(f"Check-in {point.checkin_id}: total must be an integer.")
        if low is not None and high is not None and not low <= point.total <= high:
            raise SurveysError(
                f"Check-in {point.checkin_id}: total {point.total} outside {low}-{high}."
            )


def course_points(
    points: Sequence[TrendPoint],
    course_start: datetime | None,
    baseline_lookback: timedelta = BASELINE_LOOKBACK,
) -> list[TrendPoint]:
    """The points of the course, oldest first: at/after its start, plus a pre-start baseline."""
    ordered = sorted(points, key=lambda p: (p.at, p.checkin_id))
    if course_start is None:
        return ordered
    before = [p for p in ordered if course_start - baseline_lookback <= p.at < course_start]
    return before[-1:] + [p for p in ordered if p.at >= course_start]


def theil_sen_per_week(points: Sequence[TrendPoint]) -> float | None:
    """Median of pairwise slopes in points per week; None without two distinct times."""
    # Whole microseconds from the first point: a difference of two is exactly the pair's
    # timedelta, and ``/ 10**6`` is exactly its total_seconds(). O(n^2) pairs, so the inner
    # loop does arithmetic only (a trend of 500 check-ins has thousands of pairs).
    origin = points[0].at if points else None
    micros = [(p.at - origin) // _MICROSECOND for p in points]
    totals = [p.total for p in points]
    slopes = [
        (later - total) / ((then - at) / 10**6 / 86400) * 7
        for i, (at, total) in enumerate(zip(micros, totals, strict=True))
        for then, later in zip(micros[i + 1 :], totals[i + 1 :], strict=True)
        if then != at
    ]
    return float(statistics.median(slopes)) if slopes else None


_MICROSECOND = timedelta(microseconds=1)


def crossed(delta: int, threshold: int | None) -> str | None:
    """'worse' or 'better' when |delta| reaches the threshold, else None."""
    if threshold is None:
        return None
    if delta >= threshold:
        return "worse"
    if delta <= -threshold:
        return "better"
    return None


def measurable(definition: Definition, baseline: int) -> bool:
    """Whether response and remission can be counted from ``baseline`` (HEDIS: PHQ-9 > 9)."""
    return definition.measurable_above is not None and baseline > definition.measurable_above


def is_response(definition: Definition, baseline: int, latest: int) -> bool:
    """At least the response reduction below a measurable baseline (integer arithmetic, exact
    at the line: PHQ-9 20 -> 10 is a response, 20 -> 11 is not)."""
    percent = definition.response_percent
    return (
        percent is not None
        and measurable(definition, baseline)
        and latest * 100 <= baseline * (100 - percent)
    )


def is_remission(definition: Definition, baseline: int, latest: int) -> bool:
    """Below the remission cutoff now, from a measurable baseline."""
    below = definition.remission_below
    return below is not None and measurable(definition, baseline) and latest < below


def spaced_before(definition: Definition, points: Sequence[TrendPoint], latest: TrendPoint):
    """The points at least the instrument's retest interval before ``latest`` (oldest first):
    the only ones a change threshold may compare it with."""
    gap = timedelta(days=definition.retest_interval_days or 0)
    return [p for p in points if p.checkin_id != latest.checkin_id and latest.at - p.at >= gap]


def default_threshold(definition: Definition, threshold: int | None = None) -> int | None:
    """``threshold`` if given, else the instrument's MCID (None for an unscored rating)."""
    return definition.mcid if threshold is None else threshold


def status_of(
    definition: Definition, course: Sequence[TrendPoint], threshold: int | None = None
) -> str | None:
    """The one status of a course's points (oldest first, baseline first), by the rule in this
    module's docstring: the panel, the patient page, the chart and the exports all show it."""
    if not course:
        return None
    threshold = default_threshold(definition, threshold)
    baseline, latest = course[0], course[-1]
    earlier = spaced_before(definition, course[:-1], latest)
    if threshold is None or not earlier:
        rise = fall = 0
    else:
        rise = latest.total - min(p.total for p in earlier)
        # A fall counts from the baseline only, and only when it is far enough back.
        fall = baseline.total - latest.total if earlier[0] is baseline else 0
    if threshold is not None and rise >= threshold:
        responded = any(is_response(definition, baseline.total, p.total) for p in course[1:-1])
        return "worsening_after_response" if responded else "worsening"
    if is_remission(definition, baseline.total, latest.total):
        return "remission"
    if is_response(definition, baseline.total, latest.total):
        return "response"
    if threshold is not None and fall >= threshold:
        return "improving"
    return "no_change"


def baseline_kind(first: TrendPoint, course_start: datetime | None) -> str:
    """pre_treatment, after_first_session or first_checkin (no session yet)."""
    if course_start is None:
        return "first_checkin"
    return "pre_treatment" if first.at < course_start else "after_first_session"


def compute_trend(
    definition: Definition,
    points: Sequence[TrendPoint],
    course_start: datetime | None = None,
    now: datetime | None = None,
    slope_weeks: int = 6,
    baseline_lookback: timedelta = BASELINE_LOOKBACK,
    threshold: int | None = None,
) -> Trend:
    """The course's trend; pass `course_start` = first session (None: first check-in) and the
    clinic's `threshold` (None: the instrument's MCID)."""
    _check(definition, points)
    course = course_points(points, course_start, baseline_lookback)
    threshold = default_threshold(definition, threshold)
    fixed = {
        "threshold": threshold,
        "threshold_basis": definition.threshold_basis(threshold) if threshold else None,
        "retest_interval_days": definition.retest_interval_days,
    }
    if not course:
        return Trend(definition.code, 0, course_start=course_start, **fixed)
    first, last = course[0], course[-1]
    nadir = min(reversed(course), key=lambda p: p.total)  # the most recent lowest point
    earlier = spaced_before(definition, course[:-1], last)
    change = last.total - first.total
    reference = now or last.at
    window_start = reference - timedelta(weeks=slope_weeks)
    window = [p for p in course if window_start <= p.at <= reference]
    return Trend(
        instrument=definition.code,
        n=len(course),
        baseline=first.total,
        baseline_at=first.at,
        baseline_kind=baseline_kind(first, course_start),
        latest=last.total,
        latest_at=last.at,
        nadir=nadir.total,
        nadir_at=nadir.at,
        change=change,
        change_percent=change * 100 / first.total if first.total else None,
        change_previous=crossed(last.total - earlier[-1].total, threshold) if earlier else None,
        change_nadir=crossed(last.total - min(p.total for p in earlier), threshold)
        if earlier
        else None,
        response_measurable=measurable(definition, first.total),
        response=is_response(definition, first.total, last.total),
        remission=is_remission(definition, first.total, last.total),
        slope_per_week=theil_sen_per_week(window) if len(window) >= 3 else None,
        status=status_of(definition, course, threshold),
        course_start=course_start or first.at,
        **fixed,
    )
