"""Per-patient trend summaries that let the panel sort a whole clinic without a query per patient.

Computed by ``surveys.summary`` and stored by ``api.pipeline.summary``, which every operation
that changes a patient's history calls explicitly (the evaluation for each new check-in).
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


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
