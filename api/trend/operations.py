"""One patient's trend of one instrument, with sessions and courses, for the chart.

The maths is ``surveys.summary.course_trend``, the panel's and the reports' too: the current
course starts at its first session (else at the first check-in), each earlier course is
measured up to the next one's start, by the clinic's change threshold.
"""

from sqlalchemy.orm import joinedload

import surveys
from surveys.summary import course_trend, courses_of, trend_points

from ..extensions import db
from ..models import Checkin, Patient, SessionReading, TreatmentCourse, TreatmentSession
from ..pipeline.settings import clinic_rule_settings
from ..pipeline.summary import POINT_COLUMNS


def active_sessions(patient: Patient) -> list[TreatmentSession]:
    """The patient's sessions that were not deleted, oldest first, with their courses, readings
    and REMS records loaded (the exports; the trend chart reads ``session_marks``)."""
    return db.session.scalars(
        db.select(TreatmentSession)
        .options(joinedload(TreatmentSession.course))
        .where(TreatmentSession.patient_id == patient.id, TreatmentSession.deleted_at.is_(None))
        .order_by(TreatmentSession.administered_at, TreatmentSession.id)
    ).all()


#: What the trend chart's session markers show (SessionMarkSchema's fields), as columns.
_MARK_COLUMNS = (
    TreatmentSession.id,
    TreatmentSession.course_id,
    TreatmentCourse.label.label("course_label"),
    TreatmentSession.administered_at,
    TreatmentSession.modality,
    TreatmentSession.drug,
    TreatmentSession.dose_mg,
    TreatmentSession.dose_mg_per_kg,
    TreatmentSession.devices,
    TreatmentSession.moaas,
    TreatmentSession.cadss,
    TreatmentSession.cadss_form,
)
_MARK_KEYS = tuple(column.key for column in _MARK_COLUMNS)
_READING_COLUMNS = (
    SessionReading.session_id,
    SessionReading.kind,
    SessionReading.taken_at,
    SessionReading.systolic,
    SessionReading.diastolic,
)


def session_marks(patient: Patient) -> list[dict]:
    """The chart's markers of the patient's sessions that were not deleted, oldest first: the
    document SessionMarkSchema dumps of ``active_sessions``, read as rows in one statement,
    each session's readings joined to it (session 12's profile: loading them as objects with
    courses and readings, then dumping them, was the trend GET's largest cost after its
    points). tests/clinician/test_json_bodies.py keeps the two the same."""
    rows = db.session.execute(
        db.select(*_MARK_COLUMNS, *_READING_COLUMNS)
        .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
        .outerjoin(SessionReading, SessionReading.session_id == TreatmentSession.id)
        .where(TreatmentSession.patient_id == patient.id, TreatmentSession.deleted_at.is_(None))
        .order_by(
            TreatmentSession.administered_at,
            TreatmentSession.id,
            SessionReading.taken_at,
            SessionReading.id,
        )
    )
    marks: list[tuple[dict, list]] = []  # each session's columns and readings, in order
    width = len(_MARK_COLUMNS)
    for row in rows:
        if not marks or marks[-1][0]["id"] != row.id:  # the rows of a session are together
            marks.append((dict(zip(_MARK_KEYS, row[:width], strict=True)), []))
        session_id, kind, taken_at, systolic, diastolic = row[width:]
        if session_id is not None:  # None: the outer join's row of a session without readings
            marks[-1][1].append(
                {"kind": kind, "taken_at": taken_at, "systolic": systolic, "diastolic": diastolic}
            )
    return [_mark(mark, readings) for mark, readings in marks]


def _mark(mark: dict, readings: list[dict]) -> dict:
    post = next((r for r in readings if r["kind"] == "post_40"), None)
    for name in ("dose_mg", "dose_mg_per_kg"):  # numeric columns, floats in the document
        if mark[name] is not None:
            mark[name] = float(mark[name])
    mark["bp_post_systolic"] = post["systolic"] if post else None
    mark["bp_post_diastolic"] = post["diastolic"] if post else None
    mark["readings"] = readings
    return mark


def course_trends(definition, points, sessions: list[tuple], threshold: int | None = None):
    """Each course (oldest first) with its trend over its own span; ``sessions`` as
    ``(course id, administered at, course label)``, oldest first (``course_spans``)."""
    labels = {course_id: label for course_id, _, label in sessions}
    out = []
    for course in courses_of((course_id, at) for course_id, at, _ in sessions):
        trend = course_trend(definition, points, course, threshold)
        out.append(
            {
                "id": course.id,
                "label": labels[course.id],
                "start": course.start,
                "end": course.end,
                "sessions": sum(1 for course_id, _, _ in sessions if course_id == course.id),
                "trend": trend.to_dict(),
            }
        )
    return out


def course_spans(sessions) -> list[tuple]:
    """``course_trends``' view of session rows (``active_sessions``)."""
    return [(s.course_id, s.administered_at, s.course.label) for s in sessions]


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
    sessions = session_marks(patient)
    threshold = clinic_rule_settings(patient.clinic).threshold(definition)
    spans = [(m["course_id"], m["administered_at"], m["course_label"]) for m in sessions]
    courses = course_trends(definition, points, spans, threshold)
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
