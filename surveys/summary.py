"""A patient's courses and panel summary, computed from their scored check-ins and sessions.

Pure: the database side (reading a patient's history under a lock, storing the summary)
is ``api.pipeline.summary``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from surveys.definitions import get_definition
from surveys.model import Definition
from surveys.trend import (
    WORSENING_STATUSES,
    Trend,
    TrendPoint,
    compute_trend,
    default_threshold,
    spaced_before,
)

#: How many recent totals the panel's sparkline shows.
SPARK_POINTS = 12
#: Instruments in the order their status speaks for the patient when none is worsening.
PRIMARY_ORDER = ("phq9", "gad7")
#: Check-ins of one instrument this close together are one sitting answered again (a retake):
#: the PHQ-9 and GAD-7 ask about the last 2 weeks, so hours later nearly all the days asked
#: about are the same. 18 hours covers one waking day (morning and night) in any time zone,
#: while daily check-ins at a set hour (about 24 hours apart) are never taken for retakes.
RETAKE_WINDOW = timedelta(hours=18)


def implausible_drop(definition: Definition) -> int | None:
    """A fall this large within RETAKE_WINDOW is not a change the instrument can measure
    (docs/clinical.md): its Jacobson-Truax reliable change index (PHQ-9 6, IAPT; GAD-7 about
    6, Bischoff 2020), else its MCID."""
    return definition.reliable_change_index or definition.mcid


@dataclass(frozen=True)
class Retake:
    """The latest check-in of an instrument came within RETAKE_WINDOW of others of it."""

    #: Check-ins of the instrument in the window ending at the latest, the latest included.
    n: int
    #: The highest total of the window: the one the status is computed from.
    highest: int
    latest: int
    #: The latest fell at least IMPLAUSIBLE_DROP below a check-in of the window.
    implausible: bool

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "n": self.n,
            "highest": self.highest,
            "latest": self.latest,
            "implausible": self.implausible,
        }


def settled(series: Sequence[TrendPoint]) -> list[TrendPoint]:
    """The points oldest first, without those answered within RETAKE_WINDOW after a higher one.

    A lower retake never counts as an improvement, a lowest score or a remission: the
    higher answer of the sitting stands for it. A higher retake counts (worse is believed).
    """
    ordered = sorted(series, key=lambda p: (p.at, p.checkin_id))
    kept: list[TrendPoint] = []
    for n, point in enumerate(ordered):
        m = n - 1
        while m >= 0 and point.at - ordered[m].at <= RETAKE_WINDOW:
            if ordered[m].total > point.total:
                break
            m -= 1
        else:
            kept.append(point)
    return kept


def retake_of(definition: Definition, series: Sequence[TrendPoint]) -> Retake | None:
    """The retake the latest point is part of, or None when it was answered on its own."""
    ordered = sorted(series, key=lambda p: (p.at, p.checkin_id))
    if len(ordered) < 2:
        return None
    latest = ordered[-1]
    window = [p for p in ordered if latest.at - p.at <= RETAKE_WINDOW]
    if len(window) < 2:
        return None
    highest = max(p.total for p in window)
    drop = implausible_drop(definition)
    implausible = drop is not None and highest - latest.total >= drop
    return Retake(len(window), highest, latest.total, implausible)


@dataclass(frozen=True)
class Episode:
    """An instrument over the patient's whole history: courses come and go, this stays."""

    baseline: int
    baseline_at: datetime
    #: The lowest settled total (the most recent one if it recurs) and when it was answered.
    lowest: int
    lowest_at: datetime
    lowest_checkin_id: str
    #: The settled latest point: the one compared with the lowest.
    latest: int
    latest_at: datetime
    latest_checkin_id: str
    #: The settled latest total minus the lowest.
    from_lowest: int
    #: ``from_lowest`` reaches the change threshold, the lowest at least the instrument's
    #: retest interval before the latest (a rise within days of a low is not yet a change).
    worse_than_lowest: bool

    def to_dict(self) -> dict:
        """JSON-ready form with ISO 8601 datetimes."""
        return {
            "baseline": self.baseline,
            "baseline_at": self.baseline_at.isoformat(),
            "lowest": self.lowest,
            "lowest_at": self.lowest_at.isoformat(),
            "lowest_checkin_id": self.lowest_checkin_id,
            "latest": self.latest,
            "latest_at": self.latest_at.isoformat(),
            "latest_checkin_id": self.latest_checkin_id,
            "from_lowest": self.from_lowest,
            "worse_than_lowest": self.worse_than_lowest,
        }


def episode_of(
    definition: Definition, series: Sequence[TrendPoint], threshold: int | None = None
) -> Episode | None:
    """The first-ever baseline and the lowest score of every settled point; None if none.
    ``threshold`` is the clinic's change threshold (None: the instrument's MCID)."""
    points = settled(series)
    if not points:
        return None
    first, last = points[0], points[-1]
    lowest = min(reversed(points), key=lambda p: p.total)
    threshold = default_threshold(definition, threshold)
    rise = last.total - lowest.total
    spaced = lowest.checkin_id in {p.checkin_id for p in spaced_before(definition, points, last)}
    return Episode(
        baseline=first.total,
        baseline_at=first.at,
        lowest=lowest.total,
        lowest_at=lowest.at,
        lowest_checkin_id=lowest.checkin_id,
        latest=last.total,
        latest_at=last.at,
        latest_checkin_id=last.checkin_id,
        from_lowest=rise,
        worse_than_lowest=threshold is not None and spaced and rise >= threshold,
    )


@dataclass(frozen=True)
class Course:
    """A treatment course as the trend sees it: from its first session to the next course's."""

    id: int
    start: datetime
    end: datetime | None


def courses_of(sessions: Iterable[tuple[int, datetime]]) -> list[Course]:
    """Courses ordered by their first (non-deleted) session; ``sessions`` is (course_id, at)."""
    firsts: dict[int, datetime] = {}
    for course_id, at in sessions:
        if course_id not in firsts or at < firsts[course_id]:
            firsts[course_id] = at
    ordered = sorted(firsts.items(), key=lambda item: (item[1], item[0]))
    return [
        Course(course_id, start, ordered[n + 1][1] if n + 1 < len(ordered) else None)
        for n, (course_id, start) in enumerate(ordered)
    ]


def course_trend(
    definition: Definition,
    series: Sequence[TrendPoint],
    course: Course | None,
    threshold: int | None = None,
) -> Trend:
    """The trend of one course (None: the whole history, before any session) from its settled
    points: the one computation behind the panel, the patient page, the chart, the outcomes
    report and the exports. A lower retake within a day is shown, never counted."""
    span = [p for p in series if course is None or course.end is None or p.at < course.end]
    return compute_trend(
        definition, settled(span), course.start if course else None, threshold=threshold
    )


def patient_status(statuses: dict[str, str | None]) -> str | None:
    """The patient's one status from each validated instrument's: the most pressing worsening
    if any instrument is worsening, else the first of PRIMARY_ORDER's (then the others')."""
    pressing = [s for s in WORSENING_STATUSES if s in statuses.values()]
    if pressing:
        return pressing[0]
    order = [c for c in PRIMARY_ORDER if c in statuses] + sorted(set(statuses) - set(PRIMARY_ORDER))
    return statuses[order[0]] if order else None


def trend_points(rows) -> dict[str, list[TrendPoint]]:
    """Scored check-in rows (id, instrument, time, total, safety endorsed) as trend points, by
    instrument; rows without a total are left out."""
    points: dict[str, list[TrendPoint]] = {}
    for checkin_id, instrument, at, total, safety_endorsed in rows:
        if total is not None:
            points.setdefault(instrument, []).append(
                TrendPoint(str(checkin_id), at, total, bool(safety_endorsed))
            )
    return points


def severity_rank(definition: Definition, total: int) -> int:
    """0 (least severe band) to 100 (most severe), comparable across instruments."""
    band = definition.band_for(total)
    if band is None or len(definition.bands) < 2:
        return 0
    return definition.bands.index(band) * 100 // (len(definition.bands) - 1)


def summarise(
    points: dict[str, Sequence[TrendPoint]],
    course: Course | None,
    thresholds: dict[str, int] | None = None,
) -> dict:
    """The summary columns of one patient from their points, current course and the clinic's
    change thresholds by instrument (missing: the instrument's MCID)."""
    thresholds = thresholds or {}
    instruments, rank, statuses, last_at = {}, 0, {}, None
    for code, series in points.items():
        definition = get_definition(code)
        if not definition.scored or not series:
            continue
        threshold = thresholds.get(code)
        trend = course_trend(definition, series, course, threshold)
        ordered = sorted(series, key=lambda p: (p.at, p.checkin_id))
        latest = ordered[-1]
        band = definition.band_for(latest.total)
        retake = retake_of(definition, series)
        episode = episode_of(definition, series, threshold)
        instruments[code] = {
            "latest": latest.total,
            "latest_at": latest.at.isoformat(),
            "severity": band.code if band else None,
            "severity_label": band.label if band else None,
            "safety_endorsed": latest.safety_endorsed,
            "baseline": trend.baseline,
            "baseline_kind": trend.baseline_kind,
            "change": trend.change,
            "status": trend.status,
            "response_measurable": trend.response_measurable,
            "response": trend.response,
            "remission": trend.remission,
            "threshold": trend.threshold,
            "threshold_basis": trend.threshold_basis,
            "n": trend.n,
            "spark": [p.total for p in ordered[-SPARK_POINTS:]],
            "retake": retake.to_dict() if retake else None,
            "episode": episode.to_dict() if episode else None,
        }
        # A lower retake does not move the patient down the panel either.
        rank = max(rank, severity_rank(definition, max(latest.total, trend.latest or 0)))
        if definition.kind == "validated":
            # A status is what a validated instrument's thresholds say; Waypoint's own
            # ratings (the daily mood) are shown, never read as "no change".
            statuses[code] = trend.status
        last_at = latest.at if last_at is None or latest.at > last_at else last_at
    status = patient_status(statuses)
    return {
        "worsening": status in WORSENING_STATUSES,
        "severity_rank": rank,
        "trend_status": status,
        "last_checkin_at": last_at,
        "course_start": course.start if course else None,
        "instruments": instruments,
    }


@dataclass(frozen=True)
class PatientRecord:
    """What a summary and a check-in's rules are computed from: scored check-ins by
    instrument, and the (course id, time) of every session that was not deleted."""

    points: dict[str, list[TrendPoint]]
    sessions: list[tuple[int, datetime]]

    @cached_property
    def courses(self) -> list[Course]:
        return courses_of(self.sessions)

    def course_at(self, at: datetime) -> tuple[Course | None, int]:
        """The course a check-in answered at ``at`` falls in, and its sessions given by then.

        The same courses as the panel and the chart: from each course's first session that
        was not deleted, so an edited, moved or deleted session moves the start for all three.
        """
        current = None
        for course in self.courses:
            if course.start <= at:
                current = course
        if current is None:
            return None, 0
        given = sum(1 for cid, when in self.sessions if cid == current.id and when <= at)
        return current, given
