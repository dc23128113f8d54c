"""A clinic admin's duties: the audit log, ending sessions, a patient's data rights.

They flush; the request commits.
"""

import csv
import io
import json
from datetime import datetime

from sqlalchemy.orm import selectinload

from ..exports.operations import csv_cell, fhir_bundle
from ..extensions import db
from ..models import (
    Alert,
    AuditEvent,
    AuthSession,
    Case,
    CaseContact,
    Checkin,
    CheckinPartial,
    Delivery,
    HomeDose,
    HomeDosingPlan,
    IntakeAnswer,
    IntakeOverride,
    IntakeTrial,
    Invite,
    Patient,
    RemsRecord,
    TreatmentCourse,
    TreatmentSession,
)

AUDIT_COLUMNS = (
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "role",
    "clinic_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "request_id",
    "detail",
)
#: Enough for years of one clinic's log in one CSV; more needs a narrower time range.
CSV_MAX_ROWS = 100_000


def audit_query(clinic_id: int, args: dict):
    """The clinic's audit events matching the filters, newest first."""
    query = db.select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
    if args.get("since") is not None:
        query = query.where(AuditEvent.at >= args["since"])
    if args.get("until") is not None:
        query = query.where(AuditEvent.at < args["until"])
    for name in ("action", "outcome", "object_type", "object_id", "actor_id"):
        if args.get(name):
            query = query.where(getattr(AuditEvent, name) == args[name])
    if args.get("before_id") is not None:
        query = query.where(AuditEvent.id < args["before_id"])
    return query.order_by(AuditEvent.id.desc())


def audit_page(clinic_id: int, args: dict) -> dict:
    """One page of the clinic's audit log and the cursor of the next."""
    limit = args["limit"]
    rows = db.session.scalars(audit_query(clinic_id, args).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_before_id": rows[-1].id if more else None}


def audit_csv(clinic_id: int, args: dict) -> tuple[str, int]:
    """The clinic's audit log (filtered) as CSV text, and its row count."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    count = 0
    rows = db.session.scalars(audit_query(clinic_id, args).limit(CSV_MAX_ROWS))
    for row in rows:
        writer.writerow([csv_cell(_value(row, name)) for name in AUDIT_COLUMNS])
        count += 1
    return out.getvalue(), count


def _value(row: AuditEvent, name: str):
    value = getattr(row, name)
    if name == "detail":
        return json.dumps(value or {}, sort_keys=True)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def patient_export(patient: Patient) -> dict:
    """Everything Waypoint holds about a patient, for the patient's right of access."""
    checkins = db.session.scalars(
        db.select(Checkin).where(Checkin.patient_id == patient.id).order_by(Checkin.completed_at)
    ).all()
    courses = db.session.scalars(
        db.select(TreatmentCourse)
        .where(TreatmentCourse.patient_id == patient.id)
        .order_by(TreatmentCourse.started_at)
    ).all()
    sessions = db.session.scalars(
        db.select(TreatmentSession)
        .where(TreatmentSession.patient_id == patient.id)
        .order_by(TreatmentSession.administered_at)
    ).all()
    rems = db.session.scalars(
        db.select(RemsRecord).where(RemsRecord.patient_id == patient.id).order_by(RemsRecord.due_at)
    ).all()
    alerts = db.session.scalars(
        db.select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.created_at)
    ).all()
    cases = db.session.scalars(
        db.select(Case)
        .where(Case.patient_id == patient.id)
        .order_by(Case.opened_at)
        .options(selectinload(Case.contacts))
    ).all()
    devices = db.session.scalars(
        db.select(AuthSession)
        .where(AuthSession.patient_id == patient.id)
        .order_by(AuthSession.created_at)
    ).all()
    invites = db.session.scalars(
        db.select(Invite).where(Invite.patient_id == patient.id).order_by(Invite.created_at)
    ).all()
    unfinished = db.session.scalars(
        db.select(CheckinPartial)
        .where(CheckinPartial.patient_id == patient.id)
        .order_by(CheckinPartial.answered_at)
    ).all()
    access_log = db.session.scalars(
        _access_log_query(
            patient,
            {
                "patient": [patient.id],
                "checkin": [c.id for c in checkins],
                "alert": [a.id for a in alerts],
                "case": [c.id for c in cases],
                "treatment_session": [s.id for s in sessions],
                "rems_record": [r.id for r in rems],
            },
        )
    ).all()
    bundle, _ = fhir_bundle(patient)
    intake = {
        "trials": _of_patient(IntakeTrial, patient, IntakeTrial.recorded_at, IntakeTrial.id),
        "answers": _of_patient(IntakeAnswer, patient, IntakeAnswer.item),
        "overrides": _of_patient(IntakeOverride, patient, IntakeOverride.at, IntakeOverride.id),
    }
    dosing_plan = db.session.get(HomeDosingPlan, patient.id)
    home_dosing = {
        "plan": dosing_plan.plan if dosing_plan else None,
        "doses": _of_patient(HomeDose, patient, HomeDose.checked_at, HomeDose.id),
    }
    return {
        "patient": patient,
        "checkins": checkins,
        "safety_signals": unfinished,
        "treatment_courses": courses,
        "treatment_sessions": sessions,
        "rems_records": rems,
        "alerts": alerts,
        "cases": cases,
        "device_sessions": devices,
        "invites": invites,
        "intake": intake,
        "home_dosing": home_dosing,
        "access_log": access_log,
        "fhir": bundle,
    }


def _access_log_query(patient: Patient, subjects: dict[str, list]):
    """The patient's clinic's audit rows about these typed subjects, or by the patient.

    Typed and clinic-scoped: patients choose their check-in ids, so a bare id match once
    pulled in another clinic's rows about a patient whose id a check-in had borrowed.
    """
    about = [
        db.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_([str(i) for i in ids]))
        for kind, ids in subjects.items()
        if ids
    ]
    by_patient = db.and_(AuditEvent.actor_kind == "patient", AuditEvent.actor_id == str(patient.id))
    return (
        db.select(AuditEvent)
        .where(AuditEvent.clinic_id == patient.clinic_id, db.or_(by_patient, *about))
        .order_by(AuditEvent.id)
    )


def erase_patient(patient: Patient) -> dict:
    """Delete a patient and everything of theirs; audit events (ids only) stay. Counts."""
    counts = {
        "checkins": _count(Checkin, Checkin.patient_id == patient.id),
        "safety_signals": _count(CheckinPartial, CheckinPartial.patient_id == patient.id),
        "alerts": _count(Alert, Alert.patient_id == patient.id),
        "cases": _count(Case, Case.patient_id == patient.id),
        "case_contacts": _count(CaseContact, CaseContact.patient_id == patient.id),
        "deliveries": _count(
            Delivery,
            Delivery.alert_id.in_(db.select(Alert.id).where(Alert.patient_id == patient.id)),
        ),
        "treatment_sessions": _count(TreatmentSession, TreatmentSession.patient_id == patient.id),
        "device_sessions": _count(AuthSession, AuthSession.patient_id == patient.id),
        "invites": _count(Invite, Invite.patient_id == patient.id),
    }
    # Every table that names a patient references patients.id with ON DELETE CASCADE
    # (the erasure test checks each foreign key), so one DELETE removes all of it at once.
    db.session.execute(db.delete(Patient).where(Patient.id == patient.id))
    db.session.flush()
    return counts


def _of_patient(model, patient: Patient, *order) -> list:
    """Every row of ``model`` about ``patient``, in ``order``."""
    return db.session.scalars(
        db.select(model).where(model.patient_id == patient.id).order_by(*order)
    ).all()


def _count(model, condition) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(condition))
