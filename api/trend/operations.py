"""One patient's trend of one instrument, with sessions and courses, for the chart.

The maths is ``surveys.summary.course_trend``, the panel's and the reports' too: the current
course starts at its first session (else at the first check-in), each earlier course is
measured up to the next one's start, by the clinic's change threshold.
"""

from sqlalchemy.orm import joinedload, lazyload

import surveys
from surveys.summary import course_trend, courses_of, trend_points

from ..extensions import db
from ..models import Checkin, Patient, TreatmentSession
from ..pipeline.settings import clinic_rule_settings
from ..pipeline.summary import POINT_COLUMNS


def active_sessions(patient: Patient, rems: bool = True) -> list[TreatmentSession]:
    """The patient's sessions that were not deleted, oldest first, courses and readings loaded
    (and, unless not ``rems``, their REMS records: the chart's markers do not show them)."""
    options = [joinedload(TreatmentSession.course)]
    if not rems:
        options.append(lazyload(TreatmentSession.rems_record))  # loaded only if read
    return db.session.scalars(
        db.select(TreatmentSession)
        .options(*options)
        .where(TreatmentSession.patient_id == patient.id, TreatmentSession.deleted_at.is_(None))
        .order_by(TreatmentSession.administered_at, TreatmentSession.id)
    ).all()


def course_trends(definition, points, sessions, threshold: int | None = None) -> list[dict]:
    """Each course (oldest first) with its trend over its own span."""
    labels = {s.course_id: s.course.label for s in sessions}
    out = []
    for course in courses_of((s.course_id, s.administered_at) for s in sessions):
        trend = course_trend(definition, points, course, threshold)
        out.append(
            {
                "id": course.id,
                "label": labels[course.id],
                "start": course.start,
                "end": course.end,
                "sessions": sum(1 for s in sessions if s.course_id == course.id),
                "trend": trend.to_dict(),
            }
        )
    return out


def load_points(patient: Patient, definition: surveys.Definition) -> list[surveys.TrendPoint]:
    """The patient's scored check-ins of one instrument as trend points, oldest first."""
    rows = db.session.execute(
        db.select(*POINT_COLUMNS)
        .where(
            Checkin.patient_id == patient.id,
            Checkin.instrument == definition.code,
            Checkin.total.is_not(None),
        )
        .order_by(Checkin.completed_at, Checkin.id)
    ).all()
    return trend_points(rows).get(definition.code, [])


def patient_trend(patient: Patient, definition: surveys.Definition) -> dict:
    """Points, bands, sessions, courses and the current course's trend of one instrument."""
    points = load_points(patient, definition)
    sessions = active_sessions(patient, rems=False)
    threshold = clinic_rule_settings(patient.clinic).threshold(definition)
    courses = course_trends(definition, points, sessions, threshold)
    # The last course spans every point from its start: its trend is the current one.
    current = (
        courses[-1]["trend"]
        if courses
        else course_trend(definition, points, None, threshold).to_dict()
    )
    response_line = None
    # Lines are drawn only where response and remission can be counted (baseline > 9).
    if current["response_measurable"] and definition.response_percent is not None:
        response_line = current["baseline"] * (100 - definition.response_percent) / 100
    return {
        "instrument": definition.code,
        "title": definition.short_title,
        "score_min": definition.score_min,
        "score_max": definition.score_max,
        "bands": [
            {"code": b.code, "label": b.label, "min": b.min, "max": b.max} for b in definition.bands
        ],
        "points": [_point(definition, p) for p in points],
        "sessions": sessions,
        "courses": courses,
        "trend": current,
        "response_line": response_line,
        "remission_below": definition.remission_below if current["response_measurable"] else None,
        "measurable_above": definition.measurable_above,
    }


def _point(definition, point) -> dict:
    band = definition.band_for(point.total)
    return {
        "checkin_id": point.checkin_id,
        "at": point.at,
        "total": point.total,
        "severity": band.code if band else None,
        "severity_label": band.label if band else None,
        "safety_endorsed": point.safety_endorsed,
    }
