"""A patient's treatment courses with their plans, and where the patient stands in each."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

import surveys
from surveys.courses import Standing, plan_from_dict, signal_hits, standing, stored_plan

from ..errors import Invalid
from ..extensions import db
from ..models import Alert, Clinic, Patient, TreatmentCourse, TreatmentSession
from ..models.base import utcnow
from ..pipeline.alerts import raise_alerts

FIELD = re.compile(r"^(phases\.\d+\.[a-z_]+|grace_days)\b")


def courses_of(patient: Patient) -> list[TreatmentCourse]:
    return db.session.scalars(
        db.select(TreatmentCourse)
        .where(TreatmentCourse.patient_id == patient.id)
        .order_by(TreatmentCourse.started_at, TreatmentCourse.id)
    ).all()


def set_plan(course: TreatmentCourse, body: dict) -> TreatmentCourse:
    """Give the course a plan (a template, its phases edited, or phases of its own)."""
    try:
        plan = plan_from_dict(body)
    except surveys.SettingsError as error:
        # The message starts with the field it is about where there is one ("phases.1...").
        named = FIELD.match(str(error))
        field = named.group(1) if named else "plan"
        raise Invalid("This plan cannot be used.", {field: [str(error)]}) from None
    course.plan = plan.to_dict()
    return course


def session_days(course_ids: list[int], tz: ZoneInfo) -> dict[int, list[date]]:
    """The local dates of each course's live sessions, in the clinic's time zone."""
    return {
        course_id: [at.astimezone(tz).date() for at in times]
        for course_id, times in session_times(course_ids).items()
    }


def session_times(course_ids: list[int]) -> dict[int, list[datetime]]:
    """When each course's live sessions were given (one query)."""
    out: dict[int, list[datetime]] = {course_id: [] for course_id in course_ids}
    if not course_ids:
        return out
    rows = db.session.execute(
        db.select(TreatmentSession.course_id, TreatmentSession.administered_at).where(
            TreatmentSession.course_id.in_(course_ids), TreatmentSession.deleted_at.is_(None)
        )
    )
    for course_id, at in rows:
        out[course_id].append(at)
    return out


def standing_of(
    course: TreatmentCourse, days: list[date], tz: ZoneInfo, now: datetime | None = None
) -> Standing | None:
    """Where the patient stands in the course's plan today (None: no plan, or a stored one
    that no longer validates: ``surveys.courses.stored_plan``)."""
    plan = stored_plan(course.plan)
    if plan is None:
        return None
    return standing(plan, days, (now or utcnow()).astimezone(tz).date())


def clinic_zone(clinic_id: int) -> ZoneInfo:
    return ZoneInfo(db.session.get(Clinic, clinic_id).timezone)


def begun():
    """SQL: the course has a live session. A course planned before its first session has
    none, and is not the current course until that session is given."""
    return sa.exists().where(
        TreatmentSession.course_id == TreatmentCourse.id, TreatmentSession.deleted_at.is_(None)
    )


def current_courses(patient_ids: list) -> dict:
    """Each patient's current course, by patient id (one query): the latest begun (a course
    planned ahead is not current while the one under way goes on), as the panel's is."""
    rows = db.session.scalars(
        db.select(TreatmentCourse)
        .where(TreatmentCourse.patient_id.in_(patient_ids), begun())
        .order_by(TreatmentCourse.patient_id, TreatmentCourse.started_at, TreatmentCourse.id)
    ).all()
    return {course.patient_id: course for course in rows}  # the last of each wins


def raise_course_signals(patients: list[Patient], now: datetime) -> list[Alert]:
    """Routine alerts for patients whose current course's plan says they stopped coming
    mid-series or are past their booster (once per gap: the hit is keyed on the last
    session's day). Run by the schedule tick, a batch of patients at a time."""
    courses = {
        patient_id: course
        for patient_id, course in current_courses([p.id for p in patients]).items()
        if course.plan
    }
    if not courses:
        return []
    stamps = session_times([c.id for c in courses.values()])
    created: list[Alert] = []
    for patient in patients:
        course = courses.get(patient.id)
        if course is None or not stamps[course.id]:
            continue  # nothing given yet: nothing has stopped or lapsed
        tz = ZoneInfo(patient.clinic.timezone)
        days = [at.astimezone(tz).date() for at in stamps[course.id]]
        now_standing = standing_of(course, days, tz, now)
        if now_standing is None or not now_standing.signals:
            continue
        hits = signal_hits(course.id, now_standing, max(days))
        created += raise_alerts(patient, hits, answered_at=None)
    return created
