"""The append-only audit trail of PHI access and authentication."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One audited action. On PostgreSQL a trigger refuses UPDATE and DELETE."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_clinic_at", "clinic_id", "at"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: staff | patient | system | anonymous
    actor_kind: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[str | None] = mapped_column(sa.String(64))
    role: Mapped[str | None] = mapped_column(sa.String(20))
    clinic_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: e.g. checkin.create, patient.read, auth.login.failure
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: success | denied | failure
    outcome: Mapped[str] = mapped_column(sa.String(20), server_default="success")
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    #: Never PHI: ids and codes only.
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
