"""Outcome rates across a clinic's treatment courses, from the same trend maths as the chart.

Every row of the report states its definition and window (``definition`` column), and is
counted per instrument, route (``modality``, "all") and baseline kind (``baseline``: "all",
"pre_treatment", "after_first_session"). The definitions, with their sources, are in
docs/clinical.md ("The outcomes report"):

- a course runs from its first session to the next course's first session; its baseline is
  the last check-in in the 14 days before its first session, else the first one after it;
- response (at least 50 % below baseline) and remission (below 5) are counted only for
  courses whose baseline is above 9 (NCQA HEDIS DRR-E, CMS159); the others are reported as
  ``not_measurable``;
- ``response`` / ``remission``: at the course's latest check-in; denominator the measurable
  courses with a check-in after the baseline;
- ``*_4w`` / ``*_8w``: at the last check-in 21-35 / 49-63 days after the first session;
  denominator the measurable courses whose window has closed by the report date and that no
  new course replaced before it closed; a course without a check-in in the window counts as
  neither (``followed_up_*`` gives how many had one).
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

import surveys
from surveys.summary import Course, course_trend, courses_of, settled, trend_points
from surveys.trend import is_remission, is_response

from ..courses.operations import clinic_zone, session_days, standing_of
from ..extensions import db
from ..models import Checkin, CheckinDue, Clinic, Patient, TreatmentCourse, TreatmentSession
from ..models.base import utcnow
from ..pipeline.settings import stored_rule_settings
from ..pipeline.summary import POINT_COLUMNS

INSTRUMENTS = ("phq9", "gad7")
COLUMNS = (
    "measure",
    "instrument",
    "modality",
    "baseline",
    "window_days",
    "numerator",
    "denominator",
    "rate",
    "definition",
)
#: The baseline kinds a course's rows are split by, besides "all".
BASELINE_SPLIT = ("pre_treatment", "after_first_session")


@dataclass(frozen=True)
class Window:
    """Days after the course's first session whose last check-in gives the outcome."""

    name: str
    first_day: int
    last_day: int

    @property
    def days(self) -> str:
        return f"{self.first_day}-{self.last_day}"


#: Response and remission at 4 and 8 weeks: the week's day (28, 56) plus or minus 7 days, the
#: PHQ-9's retest interval, so that a weekly check-in always lands in the window.
WINDOWS = (Window("4w", 21, 35), Window("8w", 49, 63))


def _rate(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else ""


def _window_outcome(definition, baseline: int, points, course: Course, window: Window, now):
    """(eligible, followed up, response, remission) of one course in one window."""
    opens = course.start + timedelta(days=window.first_day)
    closes = course.start + timedelta(days=window.last_day)
    replaced = course.end is not None and course.end <= closes
    if closes > now or replaced:
        return False, False, False, False
    inside = [p for p in points if opens <= p.at <= closes]
    if not inside:
        return True, False, False, False
    last = inside[-1].total
    response = is_response(definition, baseline, last)
    return True, True, response, is_remission(definition, baseline, last)


def course_outcome(definition, points, course: Course, threshold, now: datetime) -> dict:
    """One course's outcome of one instrument: baseline, its kind, and each measure's counts."""
    trend = course_trend(definition, points, course, threshold)
    measurable = trend.response_measurable
    followed = trend.n >= 2
    has_baseline = trend.baseline is not None
    out = {
        "baseline": trend.baseline,
        "baseline_kind": trend.baseline_kind,
        "status": trend.status,
        "measures": {
            "not_measurable": (has_baseline, has_baseline and not measurable),
            "response": (measurable and followed, trend.response),
            "remission": (measurable and followed, trend.remission),
        },
    }
    span = [p for p in settled(points) if course.end is None or p.at < course.end]
    for window in WINDOWS:
        eligible, seen, response, remission = (
            _window_outcome(definition, trend.baseline, span, course, window, now)
            if measurable
            else (False, False, False, False)
        )
        out["measures"][f"followed_up_{window.name}"] = (eligible, seen)
        out["measures"][f"response_{window.name}"] = (eligible, response)
        out["measures"][f"remission_{window.name}"] = (eligible, remission)
    return out


def course_outcomes(clinic_id: int, now: datetime | None = None) -> list[dict]:
    """Per course and instrument: modality, baseline and its kind, the measures (ids only)."""
    now = now or utcnow()
    settings = stored_rule_settings(
        clinic_id, db.session.scalar(sa.select(Clinic.rule_settings).where(Clinic.id == clinic_id))
    )
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
                outcome = course_outcome(
                    definition, points.get(code, []), course, settings.threshold(definition), now
                )
                out.append({"instrument": code, "modality": modality[course.id], **outcome})
    return out


def definitions(code: str) -> dict[str, tuple[str, str]]:
    """Each measure's (window in days, definition) for instrument ``code``, in report order."""
    d = surveys.get_definition(code)
    name = d.short_title
    measurable = (
        f"courses with a {name} baseline above {d.measurable_above} (NCQA HEDIS DRR-E / CMS159 "
        "denominator for the PHQ-9)"
    )
    response = f"at least {d.response_percent} % below the baseline"
    remission = f"a total below {d.remission_below}"
    later = f"Denominator: {measurable} and a later check-in."
    out = {
        "courses": (
            "",
            "Treatment courses (from the first session to the next course's first session). "
            "Baseline: the last check-in in the 14 days before the first session "
            "(pre_treatment), else the first after it (after_first_session).",
        ),
        "not_measurable": (
            "",
            f"Courses with a {name} baseline of {d.measurable_above} or below: not measurable "
            "for response or remission. Denominator: courses with a baseline.",
        ),
        "response": ("", f"Latest check-in {response}. {later}"),
        "remission": ("", f"Latest check-in {remission}. {later}"),
    }
    for w in WINDOWS:
        base = (
            f"Denominator: {measurable} whose window (days {w.days} after the first session) "
            "closed by the report date and that no new course replaced before it closed."
        )
        out[f"followed_up_{w.name}"] = (w.days, f"Courses with a check-in in the window. {base}")
        out[f"response_{w.name}"] = (
            w.days,
            f"Last check-in of the window {response}; none in the window counts as no "
            f"response. {base}",
        )
        out[f"remission_{w.name}"] = (
            w.days,
            f"Last check-in of the window {remission}; none in the window counts as no "
            f"remission. {base}",
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


#: The retention row's definition (a course plan's induction, ``surveys.courses``).
RETENTION_DEFINITION = (
    "Courses with a planned induction that gave every planned induction session. "
    "Denominator: those courses that gave them all or stopped (no session for more than "
    "twice the induction's interval); courses still in their induction are not counted."
)


def retention(clinic_id: int, now: datetime | None = None) -> tuple[int, int]:
    """(completed, completed or stopped) over the clinic's courses with a planned induction."""
    courses = db.session.scalars(
        sa.select(TreatmentCourse)
        .join(Patient, Patient.id == TreatmentCourse.patient_id)
        .where(Patient.clinic_id == clinic_id, TreatmentCourse.plan.is_not(None))
    ).all()
    tz = clinic_zone(clinic_id)
    days = session_days([course.id for course in courses], tz)
    completed = ended = 0
    for course in courses:
        where = standing_of(course, days[course.id], tz, now)
        if where is None or where.spans[0].name != "induction" or where.spans[0].planned is None:
            continue
        induction = where.spans[0]
        if induction.done >= induction.planned:
            completed, ended = completed + 1, ended + 1
        elif where.induction_incomplete:
            ended += 1
    return completed, ended


def _counts(courses: list[dict]) -> Counter:
    """(measure, part, instrument, modality, baseline) -> count; part is "n" or "d"."""
    counts: Counter = Counter()
    for c in courses:
        for modality in (c["modality"], "all"):
            for baseline in ("all", c["baseline_kind"]):
                if baseline not in ("all", *BASELINE_SPLIT):
                    continue
                key = (c["instrument"], modality, baseline)
                counts[("courses", "n", *key)] += 1
                for measure, (eligible, counted) in c["measures"].items():
                    counts[(measure, "d", *key)] += eligible
                    counts[(measure, "n", *key)] += eligible and counted
    return counts


def outcomes_csv(clinic_id: int, now: datetime | None = None) -> tuple[str, int]:
    """The report as long-format CSV rows with each measure's definition and window."""
    counts = _counts(course_outcomes(clinic_id, now))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    lines = 0
    keys = {k[2:] for k in counts if k[0] == "courses"}
    order = {"all": 0, "pre_treatment": 1, "after_first_session": 2}
    for instrument, modality, baseline in sorted(
        keys, key=lambda k: (k[0], k[1] == "all", k[1], order[k[2]])
    ):
        key = (instrument, modality, baseline)
        for measure, (window, text) in definitions(instrument).items():
            n = counts[(measure, "n", *key)]
            if measure == "courses":
                row = [n, "", ""]
            else:
                d = counts[(measure, "d", *key)]
                row = [n, d, _rate(n, d)]
            writer.writerow([measure, instrument, modality, baseline, window, *row, text])
            lines += 1
    done, due = completion(clinic_id)
    writer.writerow(
        [
            "checkin_completion",
            "",
            "all",
            "all",
            "",
            done,
            due,
            _rate(done, due),
            "Check-ins completed of those due by the report date.",
        ]
    )
    kept, ended = retention(clinic_id, now)
    writer.writerow(
        [
            "induction_completed",
            "",
            "all",
            "all",
            "",
            kept,
            ended,
            _rate(kept, ended),
            RETENTION_DEFINITION,
        ]
    )
    return out.getvalue(), lines + 2
