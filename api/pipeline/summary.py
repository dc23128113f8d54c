"""The panel's stored summary of a patient: read the history under a lock, store the result.

A summary is a pure function of the patient's scored check-ins and treatment sessions
(``surveys.summary``). Nothing refreshes it behind anyone's back: every operation that
changes a patient's history calls ``refresh_summaries`` in its own transaction (sessions
recorded, edited or deleted, the demo seed, the tests' factories), and the worker's
evaluation stores it for each new check-in (``api.pipeline.evaluate``): the check-in POST
itself never pays for it, and the panel follows within the evaluation's seconds.

Storing a summary also raises the patient's relapse flags (``RiskFlag``): a settled latest
total the clinic's change threshold above the lowest ever (at least the retest interval
earlier), once per lowest score. They stay
until a person dismisses them (``api.panel.flags``); a new course does not touch them.
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from surveys.summary import PatientRecord, summarise, trend_points

from ..extensions import db
from ..forecast.operations import store_forecast
from ..models import Checkin, Clinic, Patient, TreatmentSession
from ..models.base import dialect_insert, utcnow
from ..models.summaries import PatientSummary, RiskFlag
from .settings import stored_rule_settings

#: What a trend point is read from, in the order ``trend_points`` unpacks it.
POINT_COLUMNS = (
    Checkin.id,
    Checkin.instrument,
    Checkin.completed_at,
    Checkin.total,
    Checkin.safety_endorsed,
)


def read_record(connection: sa.Connection, patient_id) -> PatientRecord | None:
    """Lock the patient's summary for this transaction, then read its sources; None if gone.

    The lock serialises refreshes per patient: two transactions adding check-ins at once
    must not each store a summary that misses the other's. NO KEY UPDATE does not block
    the KEY SHARE lock that inserting a check-in takes on its patient (no deadlock).
    """
    exists = connection.execute(
        sa.select(Patient.id).where(Patient.id == patient_id).with_for_update(key_share=True)
    ).scalar()
    if exists is None:
        return None
    sessions = connection.execute(
        sa.select(TreatmentSession.course_id, TreatmentSession.administered_at).where(
            TreatmentSession.patient_id == patient_id, TreatmentSession.deleted_at.is_(None)
        )
    ).all()
    rows = connection.execute(
        sa.select(*POINT_COLUMNS).where(
            Checkin.patient_id == patient_id, Checkin.total.is_not(None)
        )
    ).all()
    return PatientRecord(trend_points(rows), [(s.course_id, s.administered_at) for s in sessions])


def clinic_thresholds(connection: sa.Connection, patient_id) -> dict[str, int]:
    """The change thresholds of the patient's clinic, by instrument (its rule settings)."""
    clinic_id, stored = connection.execute(
        sa.select(Clinic.id, Clinic.rule_settings)
        .join(Patient, Patient.clinic_id == Clinic.id)
        .where(Patient.id == patient_id)
    ).one()
    return stored_rule_settings(clinic_id, stored).thresholds()


def store_summary(
    connection: sa.Connection,
    patient_id,
    record: PatientRecord,
    thresholds: dict[str, int] | None = None,
) -> None:
    """Compute the summary from ``record`` (read under its lock) and upsert it; pass the
    clinic's ``thresholds`` where they are at hand (else they are read)."""
    courses = record.courses
    if thresholds is None:
        thresholds = clinic_thresholds(connection, patient_id)
    values = summarise(record.points, courses[-1] if courses else None, thresholds)
    values["updated_at"] = utcnow()
    insert = dialect_insert(PatientSummary, connection).values(patient_id=patient_id, **values)
    connection.execute(insert.on_conflict_do_update(index_elements=["patient_id"], set_=values))
    raise_relapse_flags(connection, patient_id, values["instruments"], values["updated_at"])
    store_forecast(connection, patient_id, record, values["updated_at"])


def raise_relapse_flags(connection: sa.Connection, patient_id, instruments: dict, now) -> None:
    """Insert a relapse flag for each instrument now worse than its lowest, once per lowest."""
    rows = []
    for code, summary in instruments.items():
        episode = summary.get("episode")
        if not episode or not episode["worse_than_lowest"]:
            continue
        rows.append(
            {
                "kind": "relapse",
                "instrument": code,
                "dedupe_key": f"relapse:{patient_id}:{code}:{episode['lowest_checkin_id']}",
                "lowest": episode["lowest"],
                "lowest_at": datetime.fromisoformat(episode["lowest_at"]),
                "latest": episode["latest"],
                "latest_at": datetime.fromisoformat(episode["latest_at"]),
                "raised_at": now,
            }
        )
    if not rows:
        return
    clinic_id = connection.execute(
        sa.select(Patient.clinic_id).where(Patient.id == patient_id)
    ).scalar_one()
    insert = dialect_insert(RiskFlag, connection).values(
        [{**row, "clinic_id": clinic_id, "patient_id": patient_id} for row in rows]
    )
    connection.execute(insert.on_conflict_do_nothing(index_elements=["dedupe_key"]))


def refresh_summaries(connection: sa.Connection, patient_ids: Sequence) -> None:
    """Recompute and store the summaries of ``patient_ids`` on ``connection``'s transaction."""
    for patient_id in patient_ids:
        record = read_record(connection, patient_id)
        if record is not None:
            store_summary(connection, patient_id, record)


def refresh(*patient_ids) -> None:
    """Flush the session's changes, then recompute and store these patients' summaries.

    The call every operation that changes a patient's check-ins, sessions or courses makes
    before its transaction ends (patients in a fixed order: two refreshes never deadlock).
    """
    db.session.flush()
    refresh_summaries(db.session.connection(), sorted(set(patient_ids), key=str))
