"""Outcome rates across a clinic's treatment courses, from the same trend maths as the chart."""

import csv
import io
from collections import Counter, defaultdict

import sqlalchemy as sa

import surveys
from surveys.summary import courses_of, trend_points

from ..extensions import db
from ..models import Checkin, CheckinDue, Patient, TreatmentSession
from ..models.base import utcnow
from ..pipeline.summary import POINT_COLUMNS
from ..trend.operations import course_trend

INSTRUMENTS = ("phq9", "gad7")
COLUMNS = ("measure", "instrument", "modality", "numerator", "denominator", "rate")


def _rate(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else ""


def course_outcomes(clinic_id: int) -> list[dict]:
    """Per course and instrument: modality, follow-up, response and remission (ids only)."""
    sessions = db.session.execute(
        sa.select(
            TreatmentSession.patient_id,
            TreatmentSession.course_id,
            TreatmentSession.administered_at,
            TreatmentSession.modality,
        )
        .join(Patient, Patient.id == TreatmentSession.patient_id)
        .where(Patient.clinic_id == clinic_id, TreatmentSession.deleted_at.is_(None))
    ).all()
    checkins = db.session.execute(
        sa.select(Checkin.patient_id, *POINT_COLUMNS).where(
            Checkin.clinic_id == clinic_id,
            Checkin.instrument.in_(INSTRUMENTS),
            Checkin.total.is_not(None),
        )
    ).all()
    by_patient = defaultdict(list)
    for patient_id, *point in checkins:
        by_patient[patient_id].append(point)
    sessions_of = defaultdict(list)
    for row in sessions:
        sessions_of[row.patient_id].append(row)
    out = []
    for patient_id, rows in sessions_of.items():
        points = trend_points(by_patient.get(patient_id, []))
        modality = {}
        for row in sorted(rows, key=lambda r: r.administered_at):
            modality.setdefault(row.course_id, row.modality)
        for course in courses_of((r.course_id, r.administered_at) for r in rows):
            for code in INSTRUMENTS:
                definition = surveys.get_definition(code)
                trend = course_trend(definition, points.get(code, []), course)
                out.append(
                    {
                        "instrument": code,
                        "modality": modality[course.id],
                        "followed_up": trend.n >= 2,
                        "baseline": trend.baseline,
                        "remission_eligible": trend.baseline is not None
                        and definition.remission_below is not None
                        and trend.baseline >= definition.remission_below,
                        "response": trend.response,
                        "remission": trend.remission,
                    }
                )
    return out


def completion(clinic_id: int) -> tuple[int, int]:
    """(completed, due) over the check-ins that have fallen due so far."""
    row = db.session.execute(
        sa.select(
            sa.func.count(CheckinDue.completed_checkin_id),
            sa.func.count(CheckinDue.id),
        )
        .join(Patient, Patient.id == CheckinDue.patient_id)
        .where(Patient.clinic_id == clinic_id, CheckinDue.due_at <= utcnow())
    ).one()
    return int(row[0]), int(row[1])


def outcomes_csv(clinic_id: int) -> tuple[str, int]:
    """The report as long-format CSV rows (measure, instrument, modality, n, d, rate)."""
    courses = course_outcomes(clinic_id)
    counts: Counter = Counter()
    for c in courses:
        for modality in (c["modality"], "all"):
            key = (c["instrument"], modality)
            counts[("courses", *key)] += 1
            if c["followed_up"] and c["baseline"]:
                counts[("response_d", *key)] += 1
                counts[("response_n", *key)] += c["response"]
            if c["followed_up"] and c["remission_eligible"]:
                counts[("remission_d", *key)] += 1
                counts[("remission_n", *key)] += c["remission"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    lines = 0
    keys = {k[1:] for k in counts if k[0] == "courses"}
    for instrument, modality in sorted(keys, key=lambda k: (k[0], k[1] == "all", k[1])):
        total = counts[("courses", instrument, modality)]
        writer.writerow(["courses", instrument, modality, total, "", ""])
        for measure in ("response", "remission"):
            n = counts[(f"{measure}_n", instrument, modality)]
            d = counts[(f"{measure}_d", instrument, modality)]
            writer.writerow([measure, instrument, modality, n, d, _rate(n, d)])
        lines += 3
    done, due = completion(clinic_id)
    writer.writerow(["checkin_completion", "", "all", done, due, _rate(done, due)])
    return out.getvalue(), lines + 1
