"""REMS-ready records: an esketamine session's Patient Monitoring Form, and the due list.

The SPRAVATO REMS asks a certified outpatient setting to complete a Patient Monitoring Form
after every esketamine session and submit it within 7 days (docs/clinical.md, "REMS
records"). Waypoint fills the form from the session record, shows it as a printable page
and a CSV, lists the records not yet marked submitted, and lets staff mark one submitted.
It never submits to the REMS itself. Fields Waypoint does not hold (the patient's date of
birth and sex, the clinic's address, the monitor's telephone) are listed as ``to_fill`` so
that the page leaves a line for them instead of pretending.
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from surveys.monitoring import CLOCK_SLACK, CONCOMITANT_CLASSES, ESKETAMINE_MINIMUM

from ..errors import Conflict, Invalid
from ..exports.operations import csv_cell
from ..extensions import db
from ..models import Patient, RemsRecord, StaffUser, TreatmentSession

#: The form's questions Waypoint has no data for: written in by hand on the printout.
TO_FILL = (
    "patient_birthdate",
    "patient_sex",
    "first_treatment",
    "monitor_telephone",
    "setting_address",
)
#: The form's fields in its order, as the printable page and the CSV give them.
FORM_FIELDS = (
    "patient_name",
    "patient_ref",
    "concomitant_benzodiazepines",
    "concomitant_sedative_hypnotics",
    "concomitant_opioids",
    "concomitant_psychostimulants",
    "concomitant_maois",
    "monitor_name",
    "monitor_email",
    "setting_name",
    "treatment_date",
    "dose_mg",
    "devices",
    "lot_number",
    "total_monitoring_minutes",
    "ready_to_leave_minutes",
    "early_leave_reason",
    "vitals_ok_pre",
    "vitals_ok_discharge",
    "bp_pre_dose",
    "bp_post_40",
    "bp_discharge",
    "sedation",
    "moaas_lowest",
    "dissociation",
    "cadss",
    "respiratory_depression",
    "respiratory_note",
    "spo2_lowest",
    "serious_adverse_event",
    "serious_adverse_event_note",
)
#: The fields a complete form cannot leave empty (the REMS marks them required).
REQUIRED = (
    "concomitant_benzodiazepines",
    "treatment_date",
    "dose_mg",
    "lot_number",
    "total_monitoring_minutes",
    "ready_to_leave_minutes",
    "vitals_ok_pre",
    "vitals_ok_discharge",
    "bp_pre_dose",
    "bp_post_40",
    "bp_discharge",
    "sedation",
    "dissociation",
    "respiratory_depression",
    "serious_adverse_event",
)


def record_for(record_id, clinic_id: int, lock: bool = False) -> RemsRecord | None:
    """The clinic's REMS record of a session not deleted, or None; ``lock``: row-locked, so
    that two staff marking it submitted at once mark it once."""
    select = (
        db.select(RemsRecord)
        .join(TreatmentSession, TreatmentSession.id == RemsRecord.session_id)
        .where(
            RemsRecord.id == record_id,
            RemsRecord.clinic_id == clinic_id,
            TreatmentSession.deleted_at.is_(None),
        )
    )
    if lock:
        select = select.with_for_update(of=RemsRecord).execution_options(populate_existing=True)
    return db.session.scalar(select)


def form_fields(record: RemsRecord) -> dict:
    """The Patient Monitoring Form's answers, from the session as it stands now."""
    session, patient = record.session, record.patient
    monitor = db.session.get(StaffUser, session.created_by) if session.created_by else None
    taken = set(session.concomitant_classes or [])
    asked = session.concomitant_classes is not None
    start, end, ready = (
        session.monitoring_started_at,
        session.monitoring_ended_at,
        session.ready_to_leave_at,
    )
    spo2 = [r.spo2 for r in session.readings if r.spo2 is not None]
    moaas = session.moaas
    values = {
        "patient_name": patient.display_name,
        "patient_ref": patient.ref,
        **{
            f"concomitant_{name}": (name in taken) if asked else None
            for name in CONCOMITANT_CLASSES
        },
        "monitor_name": monitor.name if monitor else None,
        "monitor_email": monitor.email if monitor else None,
        "setting_name": patient.clinic.name,
        "treatment_date": _local_date(session.administered_at, patient.clinic.timezone),
        "dose_mg": float(session.dose_mg) if session.dose_mg is not None else None,
        "devices": session.devices,
        "lot_number": session.lot_number,
        "total_monitoring_minutes": _minutes(start, end),
        "ready_to_leave_minutes": _minutes(start, ready),
        "early_leave_reason": session.early_leave_reason,
        "vitals_ok_pre": session.vitals_ok_pre,
        "vitals_ok_discharge": session.vitals_ok_discharge,
        "bp_pre_dose": _pressure(session, "pre_dose"),
        "bp_post_40": _pressure(session, "post_40"),
        "bp_discharge": _pressure(session, "discharge"),
        "sedation": session.sedation,
        "moaas_lowest": moaas,
        "dissociation": session.dissociation,
        "cadss": _cadss(session),
        "respiratory_depression": session.respiratory_depression,
        "respiratory_note": session.respiratory_note,
        "spo2_lowest": min(spo2) if spo2 else None,
        "serious_adverse_event": session.serious_adverse_event,
        "serious_adverse_event_note": session.serious_adverse_event_note,
    }
    return values


def form(record: RemsRecord, now: datetime) -> dict:
    """The record as the clinic views show it: the form, what is missing, its due state."""
    fields = form_fields(record)
    return {
        "id": record.id,
        "session_id": record.session_id,
        "patient_id": record.patient_id,
        "fields": fields,
        "missing": [name for name in REQUIRED if fields[name] in (None, "")],
        "to_fill": list(TO_FILL),
        "due_at": record.due_at,
        "overdue": record.submitted_at is None and now > record.due_at,
        "submitted_at": record.submitted_at,
        "submitted_by": record.submitted_by,
        "submission_reference": record.submission_reference,
        "changed_since_submitted": _changed_since(record, fields),
        "minimum_minutes": int(ESKETAMINE_MINIMUM.total_seconds() // 60),
    }


def form_csv(record: RemsRecord) -> str:
    """The form as one CSV row under a header row (every field, the to-fill ones empty)."""
    fields = form_fields(record)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    header = ["record_id", "session_id", *FORM_FIELDS, *TO_FILL, "due_at", "submitted_at"]
    writer.writerow(header)
    row = [record.id, record.session_id, *(fields[name] for name in FORM_FIELDS)]
    row += [None] * len(TO_FILL) + [record.due_at, record.submitted_at]
    writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def due_list(clinic_id: int, now: datetime) -> list[dict]:
    """The clinic's records not yet marked submitted, the longest waiting first."""
    rows = db.session.execute(
        db.select(RemsRecord, TreatmentSession, Patient)
        .join(TreatmentSession, TreatmentSession.id == RemsRecord.session_id)
        .join(Patient, Patient.id == RemsRecord.patient_id)
        .where(
            RemsRecord.clinic_id == clinic_id,
            RemsRecord.submitted_at.is_(None),
            TreatmentSession.deleted_at.is_(None),
        )
        .order_by(RemsRecord.due_at, RemsRecord.id)
    ).all()
    items = []
    for record, session, patient in rows:
        fields = form_fields(record)
        items.append(
            {
                "id": record.id,
                "session_id": session.id,
                "patient_id": patient.id,
                "patient_name": patient.display_name,
                "patient_ref": patient.ref,
                "administered_at": session.administered_at,
                "due_at": record.due_at,
                "overdue": now > record.due_at,
                "days_left": (record.due_at - now).days if now <= record.due_at else 0,
                "missing": [name for name in REQUIRED if fields[name] in (None, "")],
            }
        )
    return items


def mark_submitted(record: RemsRecord, staff: StaffUser, body: dict, now: datetime) -> None:
    """Note that staff submitted the form to the REMS (by its portal or fax), with what the
    form said then; a record is marked once."""
    if record.submitted_at is not None:
        raise Conflict("This record is marked submitted already.")
    when = body.get("submitted_at") or now
    if when > now + CLOCK_SLACK or when < record.session.administered_at:
        raise Invalid(
            "The submission time cannot be real.",
            {"submitted_at": ["Must be between the session and now."]},
        )
    record.submitted_at = when
    record.submitted_by = staff.id
    record.submission_reference = body.get("reference")
    record.submitted_fields = _jsonable(form_fields(record))


def _changed_since(record: RemsRecord, fields: dict) -> list[str]:
    """The fields corrected after the record was marked submitted (to send a correction)."""
    if record.submitted_fields is None:
        return []
    now = _jsonable(fields)
    return [name for name in FORM_FIELDS if record.submitted_fields.get(name) != now.get(name)]


def _jsonable(fields: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


def _minutes(start, end) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() // 60)


def _pressure(session: TreatmentSession, kind: str) -> str | None:
    reading = session.checkpoint(kind)
    if reading is None or reading.systolic is None:
        return None
    return f"{reading.systolic}/{reading.diastolic}"


def _cadss(session: TreatmentSession) -> str | None:
    if session.cadss is None:
        return None
    return f"{session.cadss} ({'CADSS-6' if session.cadss_form == 'cadss6' else 'full CADSS'})"


def _local_date(at: datetime, timezone: str) -> str:
    """The treatment date as the clinic's calendar has it (an evening session in New York
    is not tomorrow's)."""
    return at.astimezone(ZoneInfo(timezone)).date().isoformat()
