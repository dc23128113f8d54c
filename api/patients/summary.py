"""Recompute patients' stored trend summaries from their check-ins and sessions.

The maths is ``surveys.compute_trend``; this module only gathers the points, finds the
current course and stores the result (see ``api.models.summaries``).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa

import surveys

from ..models import Checkin, Patient, TreatmentSession
from ..models.base import dialect_insert, utcnow
from ..models.summaries import PatientSummary

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


#: What a trend point is read from, in the order ``trend_points`` unpacks it.
POINT_COLUMNS = (
    Checkin.id,
    Checkin.instrument,
    Checkin.completed_at,
    Checkin.total,
    Checkin.safety_endorsed,
)


def trend_points(rows) -> dict[str, list[surveys.TrendPoint]]:
    """Scored check-in rows of ``POINT_COLUMNS`` as trend points, by instrument."""
    points: dict[str, list[surveys.TrendPoint]] = {}
    for checkin_id, instrument, at, total, safety_endorsed in rows:
        if total is not None:
            points.setdefault(instrument, []).append(
                surveys.TrendPoint(str(checkin_id), at, total, bool(safety_endorsed))
            )
    return points


def severity_rank(definition: surveys.Definition, total: int) -> int:
    """0 (least severe band) to 100 (most severe), comparable across instruments."""
    band = definition.band_for(total)
    if band is None or len(definition.bands) < 2:
        return 0
    return definition.bands.index(band) * 100 // (len(definition.bands) - 1)


def summarise(points: dict[str, Sequence[surveys.TrendPoint]], course_start) -> dict:
    """The summary columns of one patient from their points and current course start."""
    instruments, rank, statuses, last_at = {}, 0, {}, None
    for code, series in points.items():
        definition = surveys.get_definition(code)
        if not definition.scored or not series:
            continue
        trend = surveys.compute_trend(definition, series, course_start)
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

    points: dict[str, list[surveys.TrendPoint]]
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


def read_record(connection: sa.Connection, patient_id) -> PatientRecord | None:
    """Lock the patient's summary for this transaction, then read its sources; None if gone.

    The lock serialises refreshes per patient: two transactions adding check-ins at once
    must not each store a summary that misses the other's. NO KEY UPDATE does not block
    the KEY SHARE lock that inserting a check-in takes on its patient (no deadlock).
    """
    exists = connection.execute(
        sa.select(Patient.id).where(Patient.id == patient_id).with_for_update(key_share=True)
    ).scalar()
    if exists is None:
        return None
    sessions = connection.execute(
        sa.select(TreatmentSession.course_id, TreatmentSession.administered_at).where(
            TreatmentSession.patient_id == patient_id, TreatmentSession.deleted_at.is_(None)
        )
    ).all()
    rows = connection.execute(
        sa.select(*POINT_COLUMNS).where(
            Checkin.patient_id == patient_id, Checkin.total.is_not(None)
        )
    ).all()
    return PatientRecord(trend_points(rows), [(s.course_id, s.administered_at) for s in sessions])


def store_summary(connection: sa.Connection, patient_id, record: PatientRecord) -> None:
    """Compute the summary from ``record`` (read under its lock) and upsert it."""
    courses = record.courses
    values = summarise(record.points, courses[-1].start if courses else None)
    values["updated_at"] = utcnow()
    insert = dialect_insert(PatientSummary, connection).values(patient_id=patient_id, **values)
    connection.execute(insert.on_conflict_do_update(index_elements=["patient_id"], set_=values))


def refresh_summaries(connection: sa.Connection, patient_ids: Sequence) -> None:
    """Recompute and store the summaries of ``patient_ids`` on ``connection``'s transaction."""
    for patient_id in patient_ids:
        record = read_record(connection, patient_id)
        if record is not None:
            store_summary(connection, patient_id, record)
