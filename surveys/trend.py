"""Trend of one patient's scored check-ins of one instrument within a treatment course.

Status (first rule that matches wins; None when there is no point):

1. ``worsening``: the latest total is at least the reliable-change threshold above the
   baseline or above the course nadir (a relapse after a response counts here).
2. ``remission``: the latest total is below the remission cutoff and the baseline was not.
3. ``response``: the latest total is at least the response reduction (50 %) below a baseline > 0.
4. ``improving``: the latest total is at least the threshold below the baseline.
5. ``no_change``: anything else, including a single check-in.

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

STATUSES = ("remission", "response", "improving", "no_change", "worsening")


@dataclass(frozen=True)
class TrendPoint:
    """One scored check-in as the trend needs it."""

    checkin_id: str
    at: datetime
    total: int
    safety_endorsed: bool = False


@dataclass(frozen=True)
class Trend:
    """Baseline, latest, nadir, change, reliable change, response, remission, slope, status."""

    instrument: str
    n: int
    baseline: int | None = None
    baseline_at: datetime | None = None
    latest: int | None = None
    latest_at: datetime | None = None
    nadir: int | None = None
    nadir_at: datetime | None = None
    change: int | None = None
    change_percent: float | None = None
    reliable_change_previous: str | None = None
    reliable_change_nadir: str | None = None
    response: bool = False
    remission: bool = False
    slope_per_week: float | None = None
    status: str | None = None
    threshold: int | None = None
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


def reliable(delta: int, threshold: int | None) -> str | None:
    """'worse' or 'better' when |delta| reaches the threshold, else None."""
    if threshold is None:
        return None
    if delta >= threshold:
        return "worse"
    if delta <= -threshold:
        return "better"
    return None


def is_response(baseline: int, latest: int, percent: int | None) -> bool:
    """At least `percent` % below a baseline above 0 (integer arithmetic, exact at the line)."""
    return percent is not None and baseline > 0 and latest * 100 <= baseline * (100 - percent)


def is_remission(baseline: int, latest: int, below: int | None) -> bool:
    """Below the cutoff now, having started at or above it (nobody remits from minimal)."""
    return below is not None and latest < below <= baseline


def status_of(
    definition: Definition, baseline: int, latest: int, nadir: int, response: bool, remission: bool
) -> str:
    """The panel's status word, by the rule in this module's docstring."""
    threshold = definition.reliable_change
    if threshold is not None and (latest - baseline >= threshold or latest - nadir >= threshold):
        return "worsening"
    if remission:
        return "remission"
    if response:
        return "response"
    if threshold is not None and baseline - latest >= threshold:
        return "improving"
    return "no_change"


def compute_trend(
    definition: Definition,
    points: Sequence[TrendPoint],
    course_start: datetime | None = None,
    now: datetime | None = None,
    slope_weeks: int = 6,
    baseline_lookback: timedelta = BASELINE_LOOKBACK,
) -> Trend:
    """The course's trend; pass `course_start` = first session (None: first check-in)."""
    _check(definition, points)
    course = course_points(points, course_start, baseline_lookback)
    threshold = definition.reliable_change
    if not course:
        return Trend(definition.code, 0, threshold=threshold, course_start=course_start)
    first, last = course[0], course[-1]
    nadir = min(reversed(course), key=lambda p: p.total)  # the most recent lowest point
    change = last.total - first.total
    response = is_response(first.total, last.total, definition.response_percent)
    remission = is_remission(first.total, last.total, definition.remission_below)
    reference = now or last.at
    window_start = reference - timedelta(weeks=slope_weeks)
    window = [p for p in course if window_start <= p.at <= reference]
    return Trend(
        instrument=definition.code,
        n=len(course),
        baseline=first.total,
        baseline_at=first.at,
        latest=last.total,
        latest_at=last.at,
        nadir=nadir.total,
        nadir_at=nadir.at,
        change=change,
        change_percent=change * 100 / first.total if first.total else None,
        reliable_change_previous=reliable(last.total - course[-2].total, threshold)
        if len(course) > 1
        else None,
        reliable_change_nadir=reliable(last.total - nadir.total, threshold),
        response=response,
        remission=remission,
        slope_per_week=theil_sen_per_week(window) if len(window) >= 3 else None,
        status=status_of(definition, first.total, last.total, nadir.total, response, remission),
        threshold=threshold,
        course_start=course_start or first.at,
    )
