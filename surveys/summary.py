"""A patient's courses and panel summary, computed from their scored check-ins and sessions.

Pure: the database side (reading a patient's history under a lock, storing the summary)
is ``api.pipeline.summary``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from surveys.definitions import get_definition
from surveys.model import Definition
from surveys.trend import TrendPoint, compute_trend

#: How many recent totals the panel's sparkline shows.
SPARK_POINTS = 12
#: Instruments in the order their status speaks for the patient when none is worsening.
PRIMARY_ORDER = ("phq9", "gad7")


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


def summarise(points: dict[str, Sequence[TrendPoint]], course_start) -> dict:
    """The summary columns of one patient from their points and current course start."""
    instruments, rank, statuses, last_at = {}, 0, {}, None
    for code, series in points.items():
        definition = get_definition(code)
        if not definition.scored or not series:
            continue
        trend = compute_trend(definition, series, course_start)
        ordered = sorted(series, key=lambda p: (p.at, p.checkin_id))
        latest = ordered[-1]
        band = definition.band_for(latest.total)
        instruments[code] = {
            "latest": latest.total,
            "latest_at": latest.at.isoformat(),
            "severity": band.code if band else None,
            "severity_label": band.label if band else None,
            "safety_endorsed": latest.safety_endorsed,
            "baseline": trend.baseline,
            "change": trend.change,
            "status": trend.status,
            "response": trend.response,
            "remission": trend.remission,
            "n": trend.n,
            "spark": [p.total for p in ordered[-SPARK_POINTS:]],
        }
        rank = max(rank, severity_rank(definition, latest.total))
        statuses[code] = trend.status
        last_at = latest.at if last_at is None or latest.at > last_at else last_at
    worsening = "worsening" in statuses.values()
    order = [c for c in PRIMARY_ORDER if c in statuses] + sorted(set(statuses) - set(PRIMARY_ORDER))
    return {
        "worsening": worsening,
        "severity_rank": rank,
        "trend_status": "worsening" if worsening else (statuses[order[0]] if order else None),
        "last_checkin_at": last_at,
        "course_start": course_start,
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
