"""Check-ins (one completed questionnaire) and the schedule of check-ins due."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from surveys import LANGUAGES

from ..extensions import db
from ..timebounds import range_check
from .base import UTCDateTime, utcnow


class Checkin(db.Model):
    __tablename__ = "checkins"
    __table_args__ = (
        sa.Index("ix_checkins_patient_instrument_time", "patient_id", "instrument", "completed_at"),
        sa.Index("ix_checkins_clinic_time", "clinic_id", "completed_at"),
        # The reconciler's sweep: only the few rows not yet evaluated.
        sa.Index(
            "ix_checkins_unevaluated",
            "received_at",
            postgresql_where=sa.text("evaluated_at IS NULL"),
            sqlite_where=sa.text("evaluated_at IS NULL"),
        ),
        *(
            sa.CheckConstraint(range_check(column), name=f"{column}_in_range")
            for column in ("completed_at", "reported_completed_at", "received_at")
        ),
        sa.CheckConstraint(f"language IN {LANGUAGES}", name="language"),
    )

    #: The client-generated UUID: the idempotency key of the submission.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    #: Denormalised from the patient so that clinic-scoped queries need no join.
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    instrument: Mapped[str] = mapped_column(sa.String(32))
    instrument_version: Mapped[str] = mapped_column(sa.String(32))
    #: The language the patient was asked in (surveys.LANGUAGES): the exports keep it.
    language: Mapped[str] = mapped_column(sa.String(8), server_default="en")
    answers: Mapped[dict] = mapped_column(sa.JSON)
    #: SHA-256 of the canonical submission: a replay with other answers is a 409.
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    total: Mapped[int | None]
    severity: Mapped[str | None] = mapped_column(sa.String(32))
    safety_endorsed: Mapped[bool] = mapped_column(server_default=sa.false())
    #: none | positive | non_acute_positive | imminent
    safety_level: Mapped[str] = mapped_column(sa.String(32), server_default="none")
    #: Instrument-level result for unscored instruments (the ASQ's triage).
    result: Mapped[str | None] = mapped_column(sa.String(32))
    #: Imported with missing items filled by prorating (never for app submissions).
    prorated: Mapped[bool] = mapped_column(server_default=sa.false())
    #: When the patient answered (device clock) and when the server received it.
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The device's completion time when it was implausible (a fast clock) and replaced.
    reported_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The device's completion time was outside the stored range (so not kept); a safety
    #: answer is then stored at its arrival time instead of being refused.
    reported_time_unusable: Mapped[bool] = mapped_column(server_default=sa.false())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How many times the reconciler has had to re-enqueue it (its backoff doubles with it).
    enqueue_count: Mapped[int] = mapped_column(server_default="0")
    #: When its evaluation was last published (by the submit, then by the reconciler), so that
    #: the reconciler re-publishes it only with backoff (``api/pipeline/outbox.py``).
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The check-in whose safety answer prompted this one (an ASQ after PHQ-9 item 9), as the
    #: app said; no foreign key: that check-in may still be on its way from the phone.
    follow_up_of: Mapped[uuid.UUID | None] = mapped_column(index=True)


class CheckinDue(db.Model):
    """One scheduled check-in; unique per slot so that schedule runs are idempotent."""

    __tablename__ = "checkins_due"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "instrument", "due_at"),
        sa.Index(
            "ix_checkins_due_open",
            "due_at",
            postgresql_where=sa.text("completed_checkin_id IS NULL"),
            sqlite_where=sa.text("completed_checkin_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(sa.String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: cadence | session
    reason: Mapped[str] = mapped_column(sa.String(20))
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("treatment_sessions.id", ondelete="CASCADE")
    )
    completed_checkin_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    missed_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckinPartial(db.Model):
    """The answers of a check-in still under way, sent because one of them is a safety answer.

    Its id is the check-in's own client-made id: the finished check-in, posted later with the
    same id, joins the alert this raised (same dedupe key) instead of raising a second one.
    A partial whose id has no ``checkins`` row is a check-in the patient never finished.
    """

    __tablename__ = "checkin_partials"
    __table_args__ = (
        sa.Index("ix_checkin_partials_patient_time", "patient_id", "answered_at"),
        *(
            sa.CheckConstraint(range_check(column), name=f"{column}_in_range")
            for column in ("answered_at", "reported_answered_at", "received_at")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    instrument: Mapped[str] = mapped_column(sa.String(32))
    instrument_version: Mapped[str] = mapped_column(sa.String(32))
    #: The answers given so far, validated item by item (none is required).
    answers: Mapped[dict] = mapped_column(sa.JSON)
    #: SHA-256 of the canonical signal: a replay with other answers is a 409.
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    #: none | positive | non_acute_positive | imminent, of the answers given.
    safety_level: Mapped[str] = mapped_column(sa.String(32))
    #: When the patient gave the safety answer (device clock, or arrival if implausible).
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The device's time when it was implausible (a fast clock) and replaced.
    reported_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
