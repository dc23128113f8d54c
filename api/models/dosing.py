"""At-home dosing under remote supervision: each patient's dose plan and their dose log."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timebounds import range_check
from .base import UTCDateTime, utcnow


class HomeDosingPlan(db.Model):
    """A clinician's plan for a patient's doses at home (``surveys.dosing.DosePlan``)."""

    __tablename__ = "home_dosing_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    #: ``DosePlan.to_dict()``: form, dose, interval, weekly maximum, doses prescribed, limits.
    plan: Mapped[dict] = mapped_column(sa.JSON)
    #: Goes up with every change: a dose records the version its gate read.
    version: Mapped[int] = mapped_column(server_default="1")
    #: Doses are counted against the prescription from this time on (a new prescription
    #: starts the count again).
    prescription_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))


class HomeDose(db.Model):
    """One pre-dose check from the patient's phone, and the dose it let through (if any).

    The id is the phone's (like a check-in's): a replay stores nothing twice.
    """

    __tablename__ = "home_doses"
    __table_args__ = (
        sa.CheckConstraint(range_check("checked_at"), name="checked_at_in_range"),
        sa.CheckConstraint(range_check("dosed_at"), name="dosed_at_in_range"),
        sa.Index("ix_home_doses_patient_dosed", "patient_id", "dosed_at"),
        sa.Index(
            "ix_home_doses_post_check_due",
            "post_check_due_at",
            postgresql_where=sa.text("post_check_at IS NULL AND post_check_due_at IS NOT NULL"),
            sqlite_where=sa.text("post_check_at IS NULL AND post_check_due_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    plan_version: Mapped[int]
    #: What the phone sent, to answer a replay: the same id with other values is a 409.
    payload_hash: Mapped[str] = mapped_column(sa.String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    systolic: Mapped[int | None]
    diastolic: Mapped[int | None]
    heart_rate: Mapped[int | None]
    monitor_present: Mapped[bool | None]
    new_symptoms: Mapped[bool | None]
    #: The server's gate on these readings and the doses before (``surveys.dosing.gate``).
    gate_ok: Mapped[bool]
    gate_reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: When the dose was taken; null: the gate stopped it (or the patient chose not to).
    dosed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A dose the patient reports having taken without the app's check.
    outside_app: Mapped[bool] = mapped_column(server_default=sa.false())
    #: When the post-dose check is due and when it was answered (the post-session check-in).
    post_check_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post_check_checkin_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="SET NULL")
    )
    #: When the care team was told the post-dose check went unanswered.
    post_check_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
