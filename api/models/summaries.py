"""Per-patient trend summaries that let the panel sort a whole clinic without a query per patient.

A summary is a pure function of the patient's check-ins and treatment sessions. It is
recomputed in the same transaction as any ORM flush that changes them (the listeners
below). Writes that bypass the ORM refresh it themselves: a patient's check-in is
inserted with Core (``api.checkins.operations``) and its summary stored by the worker's
evaluation (``worker.tasks.evaluate``, ``api.patients.summary.store_summary``), so the
patient's request never pays for it and the panel follows within the evaluation's
seconds; the check-in's safety alerts, which lead the panel's order, are written with it.
Bulk loads (the benchmark's seeding) refresh the summaries of what they loaded.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

#: Session.info key of the patients whose summary this flush made stale.
STALE_KEY = "waypoint_stale_summaries"
#: Columns whose change alters a summary; other updates (e.g. evaluated_at) do not.
WATCHED = {
    "checkins": ("patient_id", "instrument", "total", "completed_at", "safety_endorsed"),
    "treatment_sessions": ("patient_id", "course_id", "administered_at", "deleted_at"),
    "treatment_courses": ("patient_id",),
}


class PatientSummary(db.Model):
    """The panel's sort keys and per-instrument latest scores and trends of one patient."""

    __tablename__ = "patient_summaries"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    #: Any instrument's trend status is "worsening" (surveys.compute_trend).
    worsening: Mapped[bool] = mapped_column(server_default=sa.false())
    #: 0-100: the most severe latest band across instruments, scaled by each band list's length.
    severity_rank: Mapped[int] = mapped_column(server_default="0")
    #: "worsening" if any instrument is, else the PHQ-9's status (else the GAD-7's...).
    trend_status: Mapped[str | None] = mapped_column(sa.String(20))
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Start of the current treatment course (its first session), None before any session.
    course_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: {instrument: {latest, latest_at, severity, severity_label, baseline, change, status,
    #: response, remission, safety_endorsed, n, spark: [recent totals, oldest first]}}
    instruments: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _changed(obj) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in WATCHED[obj.__tablename__])


@sa.event.listens_for(Session, "after_flush")
def _collect_stale(session, flush_context):
    stale = session.info.setdefault(STALE_KEY, set())
    for obj in session.new | session.deleted:
        if getattr(obj, "__tablename__", None) in WATCHED and obj.patient_id is not None:
            stale.add(obj.patient_id)
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) in WATCHED and _changed(obj):
            stale.add(obj.patient_id)
            previous = sa.inspect(obj).attrs["patient_id"].history.deleted
            stale.update(p for p in previous if p is not None)


@sa.event.listens_for(Session, "after_flush_postexec")
def _refresh_stale(session, flush_context):
    stale = session.info.pop(STALE_KEY, None)
    if stale:
        from ..patients.summary import refresh_summaries

        refresh_summaries(session.connection(), sorted(stale, key=str))
