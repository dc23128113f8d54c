"""Patients, their care team and their treatment courses and sessions."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.slots import DEFAULT_LOCAL_TIME

from ..extensions import db
from ..timebounds import range_check
from .base import UTCDateTime, new_uuid, utcnow
from .clinics import Clinic, StaffUser

MODALITIES = ("iv", "im", "intranasal", "oral", "sublingual")
PATIENT_STATUSES = ("active", "discharged")

#: Default schedule: weekly PHQ-9 and GAD-7, plus checks anchored to each session
#: (post-session check the next day, mood the day after and 3 days after, PHQ-9 candidates at
#: 1, 3 and 7 days), due at 18:00 local time; PHQ-9 and GAD-7 slots stay at least the clinic's
#: ``validated_interval_days`` apart (surveys.slots).
DEFAULT_SCHEDULE = {
    "cadence_days": 7,
    "cadence_instruments": ["phq9", "gad7"],
    "session_anchored": True,
    "local_time": DEFAULT_LOCAL_TIME,
}

care_team = sa.Table(
    "care_team",
    db.metadata,
    sa.Column(
        "patient_id", sa.Uuid, sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "staff_id",
        sa.Integer,
        sa.ForeignKey("staff_users.id", ondelete="CASCADE"),
        primary_key=True,
    ),
)


class Patient(db.Model):
    __tablename__ = "patients"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PATIENT_STATUSES}", name="status"),
        sa.UniqueConstraint("clinic_id", "ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    #: Short opaque reference used in notifications ("P-7K3Q9"); means nothing outside Waypoint.
    ref: Mapped[str] = mapped_column(sa.String(16))
    display_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    schedule: Mapped[dict] = mapped_column(sa.JSON, default=lambda: dict(DEFAULT_SCHEDULE))
    status: Mapped[str] = mapped_column(sa.String(20), server_default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    clinic: Mapped[Clinic] = relationship()
    care_team: Mapped[list[StaffUser]] = relationship(secondary=care_team)


class TreatmentCourse(db.Model):
    """A series of treatment sessions; a new course resets the trend baseline."""

    __tablename__ = "treatment_courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TreatmentSession(db.Model):
    __tablename__ = "treatment_sessions"
    __table_args__ = (
        sa.CheckConstraint(f"modality IN {MODALITIES}", name="modality"),
        sa.CheckConstraint(range_check("administered_at"), name="administered_at_in_range"),
        sa.Index("ix_treatment_sessions_patient_time", "patient_id", "administered_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    #: Indexed: the worker counts a course's sessions on every evaluation.
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("treatment_courses.id", ondelete="CASCADE"), index=True
    )
    administered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modality: Mapped[str] = mapped_column(sa.String(20))
    dose_mg: Mapped[float | None] = mapped_column(sa.Numeric(7, 2))
    dose_mg_per_kg: Mapped[float | None] = mapped_column(sa.Numeric(5, 3))
    bp_pre_systolic: Mapped[int | None]
    bp_pre_diastolic: Mapped[int | None]
    #: Blood pressure about 40 minutes after dosing, when the rise peaks (CLINICAL.md).
    bp_post_systolic: Mapped[int | None]
    bp_post_diastolic: Mapped[int | None]
    #: CADSS total (0-92) when the clinic uses it.
    cadss: Mapped[int | None]
    adverse_events: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Soft delete: the row stays for the audit trail and disappears from views.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    course: Mapped[TreatmentCourse] = relationship()
