"""Per-patient trend summaries that let the panel sort a whole clinic without a query per patient,
and the risk flags a person has to dismiss.

Computed by ``surveys.summary`` and stored by ``api.pipeline.summary``, which every operation
that changes a patient's history calls explicitly (the evaluation for each new check-in).
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

RISK_FLAG_KINDS = ("relapse",)
#: The rows the open-flag index covers.
OPEN_FLAG = "dismissed_at IS NULL"


class PatientSummary(db.Model):
    """The panel's sort keys and per-instrument latest scores and trends of one patient."""

    __tablename__ = "patient_summaries"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    #: Any instrument's status is a worsening one (surveys.WORSENING_STATUSES).
    worsening: Mapped[bool] = mapped_column(server_default=sa.false())
    #: 0-100: the most severe latest band across instruments, scaled by each band list's length.
    severity_rank: Mapped[int] = mapped_column(server_default="0")
    #: The patient's one status (surveys.summary.patient_status): the most pressing worsening
    #: if any instrument is worsening, else the PHQ-9's status (else the GAD-7's...).
    trend_status: Mapped[str | None] = mapped_column(sa.String(32))
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Start of the current treatment course (its first session), None before any session.
    course_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: {instrument: {latest, latest_at, severity, severity_label, baseline, baseline_kind,
    #: change, status, response_measurable, response, remission, threshold, threshold_basis,
    #: safety_endorsed, n, spark: [recent totals, oldest first], retake, episode}}
    instruments: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RiskFlag(db.Model):
    """A worsening against the patient's lowest score, under review until someone dismisses it.

    Raised by the summary (``api.pipeline.summary``) the first time a patient's settled
    latest total is the instrument's reliable-change threshold above their lowest ever; once
    per lowest score (``dedupe_key``), so a dismissed flag does not come back for the same
    fall and rise, and a new course (a new baseline) does not clear it.
    """

    __tablename__ = "risk_flags"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN ({', '.join(map(repr, RISK_FLAG_KINDS))})", name="kind"),
        sa.Index(
            "ix_risk_flags_open",
            "clinic_id",
            "patient_id",
            postgresql_where=sa.text(OPEN_FLAG),
            sqlite_where=sa.text(OPEN_FLAG),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    instrument: Mapped[str] = mapped_column(sa.String(32))
    #: relapse:{patient}:{instrument}:{lowest check-in}: one flag per lowest score.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: The lowest score and when it was answered; the total that rose from it, and when.
    lowest: Mapped[int]
    lowest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    latest: Mapped[int]
    latest_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    dismiss_note: Mapped[str | None] = mapped_column(sa.Text)
