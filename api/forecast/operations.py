"""The booster forecast's database side: storing each patient's forecast with the summary, and
a clinic's treatment courses as the backtest reads them."""

from __future__ import annotations

import sqlalchemy as sa

from surveys import forecast_synthetic as synthetic
from surveys.definitions import get_definition
from surveys.forecast import LossDefinition, course_forecast, due_times
from surveys.forecast_backtest import Course
from surveys.forecast_report import evaluate, pooled_durations
from surveys.summary import PatientRecord, courses_of, settled
from surveys.survival import Prior, pooled_prior
from surveys.trend import TrendPoint, compute_trend, course_points

from ..extensions import db
from ..models import (
    BoosterForecast,
    Checkin,
    ForecastPrior,
    Patient,
    TreatmentCourse,
    TreatmentSession,
)
from ..models.base import dialect_insert


def clinic_courses(clinic_id: int) -> list[Course]:
    """Every course of the clinic's patients with a PHQ-9 baseline: its settled PHQ-9s (a
    lower retake within a day does not count, as on the panel) and its session times."""
    patients = db.session.scalars(sa.select(Patient.id).where(Patient.clinic_id == clinic_id))
    return [course for patient_id in patients for course in _patient_courses(patient_id)]


def _patient_courses(patient_id) -> list[Course]:
    sessions = db.session.execute(
        sa.select(TreatmentSession.course_id, TreatmentSession.administered_at).where(
            TreatmentSession.patient_id == patient_id, TreatmentSession.deleted_at.is_(None)
        )
    ).all()
    rows = db.session.execute(
        sa.select(Checkin.id, Checkin.completed_at, Checkin.total).where(
            Checkin.patient_id == patient_id,
            Checkin.instrument == "phq9",
            Checkin.total.is_not(None),
        )
    ).all()
    points = settled([TrendPoint(str(r.id), r.completed_at, r.total) for r in rows])
    definition = get_definition("phq9")
    out = []
    for course in courses_of([(s.course_id, s.administered_at) for s in sessions]):
        inside = [
            p for p in course_points(points, course.start) if not course.end or p.at < course.end
        ]
        trend = compute_trend(definition, inside, course.start)
        if trend.baseline:
            out.append(
                Course(
                    trend.baseline,
                    [(p.at, p.total) for p in inside],
                    [s.administered_at for s in sessions if s.course_id == course.id],
                )
            )
    return out


def store_forecast(connection: sa.Connection, patient_id, record: PatientRecord, now) -> None:
    """Compute the current course's forecast from ``record`` (read under the summary's lock)
    and upsert it; called by ``store_summary``, so it follows every change the summary does."""
    course_id = record.courses[-1].id if record.courses else None
    plan = (
        connection.execute(
            sa.select(TreatmentCourse.plan).where(TreatmentCourse.id == course_id)
        ).scalar()
        if course_id
        else None
    )
    result = course_forecast(record, plan, now, clinic_prior(connection, patient_id))
    due, low, high = due_times(result)
    values = {
        "course_id": course_id,
        "reason": result.reason,
        "due_at": due,
        "due_low_at": low,
        "due_high_at": high,
        "payload": result.to_dict(),
        "computed_at": now,
    }
    insert = dialect_insert(BoosterForecast, connection).values(patient_id=patient_id, **values)
    connection.execute(insert.on_conflict_do_update(index_elements=["patient_id"], set_=values))


def forecast_of(patient_id) -> BoosterForecast | None:
    """The stored forecast of a patient, if the worker has computed one."""
    return db.session.get(BoosterForecast, patient_id)


def refit_prior(clinic_id: int, now) -> Prior | None:
    """Fit the clinic's own prior to its pooled history and store it; remove it (back to the
    published prior) while the history is smaller than the minimums. Flushes only."""
    prior = pooled_prior(pooled_durations(clinic_courses(clinic_id), LossDefinition()))
    stored = db.session.get(ForecastPrior, clinic_id)
    if prior is None:
        if stored is not None:
            db.session.delete(stored)
        db.session.flush()
        return None
    stored = stored or ForecastPrior(clinic_id=clinic_id)
    for name in ("shape", "a", "b", "patients", "losses"):
        setattr(stored, name, getattr(prior, name))
    stored.fitted_at = now
    db.session.add(stored)
    db.session.flush()
    return prior


def clinic_prior(connection: sa.Connection, patient_id) -> Prior | None:
    """The prior of the patient's clinic if it has its own (None: the published one)."""
    row = connection.execute(
        sa.select(
            ForecastPrior.shape,
            ForecastPrior.a,
            ForecastPrior.b,
            ForecastPrior.patients,
            ForecastPrior.losses,
        )
        .join(Patient, Patient.clinic_id == ForecastPrior.clinic_id)
        .where(Patient.id == patient_id)
    ).first()
    if row is None:
        return None
    return Prior(row.shape, row.a, row.b, "clinic", row.patients, row.losses)


def synthetic_cohort(name: str) -> list[Course]:
    """A shipped synthetic cohort as the backtest reads it."""
    return [Course(*synthetic.as_course(p)) for p in synthetic.load(name)["patients"]]


def clinic_report(clinic_id: int) -> dict:
    """The backtest on the clinic's own history, as the one test cohort: the thresholds come
    from the synthetic development cohort, never from the data they are tested on, and the
    prior is the published one (a pool fitted to the same history would see its future)."""
    development = synthetic_cohort(synthetic.SHIPPED[0].name)
    return evaluate(development, {"this clinic": clinic_courses(clinic_id)}, pooled=False)
