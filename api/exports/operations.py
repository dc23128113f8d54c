"""A patient's record for the chart: check-ins and sessions as CSV, or a FHIR R4 Bundle."""

import csv
import io
import unicodedata

import surveys
from surveys import fhir

from ..checkins.followups import asq_results
from ..extensions import db
from ..models import Checkin, Patient
from ..models.base import utcnow
from ..sessions.operations import FIELDS as SESSION_FIELDS
from ..trend.operations import active_sessions

CHECKIN_COLUMNS = (
    "patient_ref",
    "checkin_id",
    "instrument",
    "instrument_version",
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
SESSION_COLUMNS = ("patient_ref", "session_id", "course_id", "course_label", *SESSION_FIELDS)
#: SNOMED CT route codes for the routes Waypoint records.
ROUTES = {
    "iv": ("47625008", "Intravenous route"),
    "im": ("78421000", "Intramuscular route"),
    "intranasal": ("46713006", "Nasal route"),
    "oral": ("26643006", "Oral route"),
    "sublingual": ("37839007", "Sublingual route"),
}
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


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


def sessions_csv(patient: Patient) -> tuple[str, int]:
    """One row per (not deleted) treatment session; returns (text, row count)."""
    sessions = active_sessions(patient)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SESSION_COLUMNS)
    for s in sessions:
        values = [patient.ref, s.id, s.course_id, s.course.label]
        values += [getattr(s, name) for name in SESSION_FIELDS]
        writer.writerow([csv_cell(v) for v in values])
    return out.getvalue(), len(sessions)


def _entry(resource: dict) -> dict:
    return {
        "fullUrl": f"{fhir.CANONICAL_BASE}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
    }


def fhir_bundle(patient: Patient) -> tuple[dict, dict]:
    """A collection Bundle and counts: Patient, Questionnaires, responses, panels, sessions."""
    subject = f"Patient/{patient.id}"
    entries = [
        _entry(
            {
                "resourceType": "Patient",
                "id": str(patient.id),
                "identifier": [
                    {"system": f"{fhir.CANONICAL_BASE}/patient-ref", "value": patient.ref}
                ],
                "active": patient.status == "active",
            }
        )
    ]
    checkins = _checkins(patient)
    for code in sorted({c.instrument for c in checkins}):
        entries.append(_entry(fhir.questionnaire(surveys.get_definition(code))))
    counts = {"checkins": 0, "skipped": 0, "sessions": 0}
    for c in checkins:
        definition = surveys.get_definition(c.instrument, c.instrument_version)
        try:
            score = surveys.score(definition, c.answers)
            response = fhir.questionnaire_response(
                definition, str(c.id), c.answers, c.completed_at, subject
            )
        except surveys.AnswerError:
            # Imported prorated check-ins lack items; a QuestionnaireResponse cannot be built.
            counts["skipped"] += 1
            continue
        entries.append(_entry(response))
        qr_ref = f"QuestionnaireResponse/{response['id']}"
        entries.append(
            _entry(
                fhir.observation(
                    definition, str(c.id), score, c.answers, c.completed_at, subject, qr_ref
                )
            )
        )
        counts["checkins"] += 1
    for s in active_sessions(patient):
        entries.append(_entry(_administration(s, subject)))
        counts["sessions"] += 1
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": utcnow().isoformat(),
        "entry": entries,
    }
    return bundle, counts


def _administration(session, subject: str) -> dict:
    """A session as a MedicationAdministration (intranasal is esketamine, others ketamine)."""
    code, display = ROUTES[session.modality]
    dosage = {"route": {"coding": [{"system": SNOMED, "code": code, "display": display}]}}
    if session.dose_mg is not None:
        dosage["dose"] = {
            "value": float(session.dose_mg),
            "unit": "mg",
            "system": UCUM,
            "code": "mg",
        }
    if session.dose_mg_per_kg is not None:
        dosage["text"] = f"{float(session.dose_mg_per_kg):g} mg/kg"
    resource = {
        "resourceType": "MedicationAdministration",
        "id": str(session.id),
        "status": "completed",
        "medicationCodeableConcept": {
            "text": "esketamine" if session.modality == "intranasal" else "ketamine"
        },
        "subject": {"reference": subject},
        "effectiveDateTime": session.administered_at.isoformat(),
        "dosage": dosage,
    }
    if session.notes:
        resource["note"] = [{"text": session.notes}]
    return resource
