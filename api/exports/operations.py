"""A patient's record for the chart: check-ins, answers and sessions as CSV, or a FHIR R4
Bundle (its rows loaded here, built in `bundle`); docs/interoperability.md has the answers
CSV's data dictionary."""

import csv
import io
import unicodedata

import surveys
from surveys.summary import course_trend

from ..checkins.followups import asq_results
from ..extensions import db
from ..models import Checkin, HomeDose, Patient
from ..pipeline.settings import clinic_rule_settings
from ..sessions.operations import FIELDS as SESSION_FIELDS
from ..sessions.operations import READING_FIELDS
from ..trend.operations import active_sessions, course_spans, course_trends, load_points
from . import stored
from .bundle import DRUGS, build_bundle

CHECKIN_COLUMNS = (
    "patient_ref",
    "checkin_id",
    "instrument",
    "instrument_version",
    "language",
    "completed_at",
    "received_at",
    "total",
    "severity",
    "safety_endorsed",
    "safety_level",
    "result",
    "asq_result",
    "prorated",
)
#: One row per answer (docs/interoperability.md, "The answers CSV"): a long table to load as is.
ANSWER_COLUMNS = (
    "patient_ref",
    "checkin_id",
    "instrument",
    "instrument_version",
    "language",
    "completed_at",
    "item_order",
    "item_id",
    "item_loinc",
    "item_text",
    "answer_value",
    "answer_text",
    "answer_loinc",
    "in_total",
    "total",
    "severity",
    "prorated",
)
#: The checkpoints whose readings a session row carries (further readings: part=readings).
CHECKPOINTS = ("pre_dose", "post_40", "discharge")
CHECKPOINT_COLUMNS = tuple(
    f"{kind}_{name}" for kind in CHECKPOINTS for name in READING_FIELDS if name != "kind"
)
SESSION_COLUMNS = (
    "patient_ref",
    "session_id",
    "course_id",
    "course_label",
    *SESSION_FIELDS,
    "drug_rxnorm",
    *CHECKPOINT_COLUMNS,
    "further_readings",
)
READING_COLUMNS = ("patient_ref", "session_id", *READING_FIELDS)
#: The course trend's fields in the courses CSV, as the chart and the panel compute them.
COURSE_TREND_FIELDS = (
    "baseline",
    "baseline_at",
    "baseline_kind",
    "latest",
    "latest_at",
    "change",
    "response_measurable",
    "response",
    "remission",
    "status",
    "threshold",
    "threshold_basis",
)
COURSE_COLUMNS = (
    "patient_ref",
    "course_id",
    "course_label",
    "course_start",
    "course_end",
    "instrument",
    *COURSE_TREND_FIELDS,
)
#: A home dose's record (part=doses): the pre-dose check, the gate's verdict, the dose, the
#: post-dose check; times in UTC, the gate's reasons ``;``-separated ("none" when it passed).
DOSE_FIELDS = (
    "id",
    "plan_version",
    "checked_at",
    "received_at",
    "systolic",
    "diastolic",
    "heart_rate",
    "monitor_present",
    "new_symptoms",
    "gate_ok",
    "gate_reasons",
    "dosed_at",
    "outside_app",
    "post_check_due_at",
    "post_check_at",
    "post_check_checkin_id",
    "post_check_missed_at",
)
DOSE_COLUMNS = ("patient_ref", *(f"dose_{n}" if n == "id" else n for n in DOSE_FIELDS))
#: The instruments with a status (validated, scheduled).
COURSE_INSTRUMENTS = ("phq9", "gad7")
#: What makes a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@")


def csv_cell(value):
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, str) and _starts_a_formula(value):
        return "'" + value
    return value.isoformat() if hasattr(value, "isoformat") else value


def _starts_a_formula(text: str) -> bool:
    """True if the first visible character, as a spreadsheet reads it, starts a formula.

    Spreadsheets skip leading spaces, line breaks and no-break spaces and fold full-width
    forms (U+FF1D is "="), so the test is on the NFKC form past whitespace and format
    characters (zero-width spaces); a leading tab or CR is refused as OWASP advises.
    """
    if text[:1] in ("\t", "\r"):
        return True
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        return char in FORMULA_STARTS
    return False


def _checkins(patient: Patient) -> list[Checkin]:
    return db.session.scalars(
        db.select(Checkin)
        .where(Checkin.patient_id == patient.id)
        .order_by(Checkin.completed_at, Checkin.id)
    ).all()


def checkins_csv(patient: Patient) -> tuple[str, int]:
    """One row per check-in with every answer, total and band; returns (text, row count)."""
    rows = _checkins(patient)
    # Every question of every version answered (an earlier version's questions included).
    versions = sorted({(row.instrument, row.instrument_version) for row in rows})
    item_ids = list(
        dict.fromkeys(i for code, v in versions for i in surveys.get_definition(code, v).item_ids)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*CHECKIN_COLUMNS, *item_ids])
    asq = asq_results(rows)
    for row in rows:
        fixed = [
            patient.ref,
            row.id,
            row.instrument,
            row.instrument_version,
            row.language,
            row.completed_at,
            row.received_at,
            row.total,
            row.severity,
            row.safety_endorsed,
            row.safety_level,
            row.result,
            asq[row.id],
            row.prorated,
        ]
        answers = [row.answers.get(link_id) for link_id in item_ids]
        writer.writerow([csv_cell(v) for v in (*fixed, *answers)])
    return out.getvalue(), len(rows)


def answers_csv(patient: Patient) -> tuple[str, int]:
    """One row per answer given, in the order asked, with the item's and answer's LOINC codes
    and the words the patient saw; returns (text, row count)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ANSWER_COLUMNS)
    count = 0
    for row in _checkins(patient):
        # The words the patient saw: in the language they answered in.
        definition = surveys.translated(
            surveys.get_definition(row.instrument, row.instrument_version), row.language
        )
        scored = set(definition.scored_item_ids)
        fixed = [patient.ref, row.id, definition.code, definition.version, row.language]
        fixed.append(row.completed_at)
        for order, item in enumerate(definition.items, start=1):
            value = row.answers.get(item.link_id)
            if value is None:
                continue  # not shown (a condition did not hold), or not imported
            if item.type == "text":
                answer = [None, value, None]
            else:
                option = item.option(int(value))
                answer = [option.value, option.text, option.loinc]
            item_part = [order, item.link_id, item.loinc, item.text]
            check = [item.link_id in scored, row.total, row.severity, row.prorated]
            writer.writerow([csv_cell(v) for v in (*fixed, *item_part, *answer, *check)])
            count += 1
    return out.getvalue(), count


def fhir_bundle(patient: Patient) -> tuple[dict, dict]:
    """The patient's FHIR R4 Bundle and its counts (built by `bundle.build_bundle`)."""
    return build_bundle(patient, _checkins(patient), active_sessions(patient))


def fhir_export(patient: Patient, gzip: bool) -> tuple[bytes, dict]:
    """The same Bundle as JSON text from the stored pieces (`stored.export`), and its counts."""
    return stored.export(patient, active_sessions(patient), gzip)


def sessions_csv(patient: Patient) -> tuple[str, int]:
    """One row per (not deleted) treatment session; returns (text, row count)."""
    sessions = active_sessions(patient)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SESSION_COLUMNS)
    for s in sessions:
        values = [patient.ref, s.id, s.course_id, s.course.label]
        values += [_flat(getattr(s, name)) for name in SESSION_FIELDS]
        values.append(DRUGS[s.drug][0] if s.drug else None)
        for kind in CHECKPOINTS:
            reading = s.checkpoint(kind)
            values += [_value(reading, name) for name in READING_FIELDS if name != "kind"]
        values.append(sum(1 for r in s.readings if r.kind == "further"))
        writer.writerow([csv_cell(v) for v in values])
    return out.getvalue(), len(sessions)


def courses_csv(patient: Patient) -> tuple[str, int]:
    """One row per course and instrument with the status the panel and the chart show (none
    recorded yet: one row per instrument from the first check-in); returns (text, rows)."""
    sessions = active_sessions(patient)
    settings = clinic_rule_settings(patient.clinic)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COURSE_COLUMNS)
    rows = 0
    for code in COURSE_INSTRUMENTS:
        definition = surveys.get_definition(code)
        points = load_points(patient, definition)
        threshold = settings.threshold(definition)
        courses = course_trends(definition, points, course_spans(sessions), threshold) or [
            {
                "id": None,
                "label": None,
                "start": None,
                "end": None,
                "trend": course_trend(definition, points, None, threshold).to_dict(),
            }
        ]
        for course in courses:
            trend = course["trend"]
            fixed = [patient.ref, course["id"], course["label"], course["start"], course["end"]]
            values = [*fixed, code, *(trend[name] for name in COURSE_TREND_FIELDS)]
            writer.writerow([csv_cell(v) for v in values])
            rows += 1
    return out.getvalue(), rows


def readings_csv(patient: Patient) -> tuple[str, int]:
    """One row per timed reading of the (not deleted) sessions; returns (text, row count)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(READING_COLUMNS)
    count = 0
    for s in active_sessions(patient):
        for reading in s.readings:
            values = [patient.ref, s.id, *(getattr(reading, name) for name in READING_FIELDS)]
            writer.writerow([csv_cell(v) for v in values])
            count += 1
    return out.getvalue(), count


def doses_csv(patient: Patient) -> tuple[str, int]:
    """One row per pre-dose check at home (with the dose it let through, if any), in the
    order they were checked; returns (text, row count)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DOSE_COLUMNS)
    rows = db.session.scalars(
        db.select(HomeDose)
        .where(HomeDose.patient_id == patient.id)
        .order_by(HomeDose.checked_at, HomeDose.id)
    ).all()
    for dose in rows:
        values = [patient.ref, *(_flat(getattr(dose, name)) for name in DOSE_FIELDS)]
        writer.writerow([csv_cell(v) for v in values])
    return out.getvalue(), len(rows)


def _flat(value):
    """A list (the concomitant classes) as one cell, ``;``-separated; [] stays "none"."""
    if isinstance(value, list):
        return ";".join(value) if value else "none"
    return value


def _value(reading, name: str):
    return getattr(reading, name) if reading is not None else None
