"""Patients, their care team and their treatment courses and sessions."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys import LANGUAGES
from surveys.monitoring import READING_KINDS
from surveys.slots import DEFAULT_LOCAL_TIME

from ..extensions import db
from ..timebounds import range_check
from .base import UTCDateTime, new_uuid, utcnow
from .clinics import Clinic, StaffUser

MODALITIES = ("iv", "im", "intranasal", "oral", "sublingual", "subcutaneous")
#: The drug given, coded in the exports (api.exports.bundle.DRUGS). Sessions recorded
#: before 0014 have none: the route alone does not say which (intranasal racemic ketamine
#: exists, and so does IV esketamine).
DRUGS = ("ketamine", "esketamine")
CADSS_FORMS = ("full", "cadss6")
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
        sa.CheckConstraint(f"language IN {LANGUAGES}", name="language"),
        sa.UniqueConstraint("clinic_id", "ref"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    #: Short opaque reference used in notifications ("P-7K3Q9"); means nothing outside Waypoint.
    ref: Mapped[str] = mapped_column(sa.String(16))
    display_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    #: E.164 (+15550100199), sealed (``api/sealed.py``): for reminders by text only.
    phone_sealed: Mapped[str | None] = mapped_column(sa.Text)
    #: The reminder channels the patient chose, in order of preference (a reminder goes by
    #: the first that can reach them, ``api.reminders.operations.reminder_channel``); null:
    #: never chosen, Web Push then email.
    reminder_channels: Mapped[list | None] = mapped_column(sa.JSON)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    schedule: Mapped[dict] = mapped_column(sa.JSON, default=lambda: dict(DEFAULT_SCHEDULE))
    status: Mapped[str] = mapped_column(sa.String(20), server_default="active")
    #: The app's language (surveys.LANGUAGES) as the clinic chose it at the invite or the
    #: patient in the app; None: not chosen yet (the phone's language decides, then sets it).
    #: Server-side words to the patient (reminders, errors) use it.
    language: Mapped[str | None] = mapped_column(sa.String(8))
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
    #: The first session as planned when the course was planned before it (its pre-treatment
    #: check-in falls due then); None for a course recorded with its first session.
    planned_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The course's phases (``surveys.courses.Plan.to_dict``); null: no plan, so no planned
    #: sessions and no induction or booster signals.
    plan: Mapped[dict | None] = mapped_column(sa.JSON)


class TreatmentSession(db.Model):
    __tablename__ = "treatment_sessions"
    __table_args__ = (
        sa.CheckConstraint(f"modality IN {MODALITIES}", name="modality"),
        sa.CheckConstraint(f"drug IN {DRUGS}", name="drug"),
        sa.CheckConstraint(f"cadss_form IN {CADSS_FORMS}", name="cadss_form"),
        sa.CheckConstraint(range_check("administered_at"), name="administered_at_in_range"),
        sa.CheckConstraint(
            range_check("monitoring_started_at"), name="monitoring_started_in_range"
        ),
        sa.CheckConstraint(range_check("monitoring_ended_at"), name="monitoring_ended_in_range"),
        sa.CheckConstraint(range_check("ready_to_leave_at"), name="ready_to_leave_in_range"),
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
    #: ketamine or esketamine; null only for sessions recorded before it was asked.
    drug: Mapped[str | None] = mapped_column(sa.String(20))
    dose_mg: Mapped[float | None] = mapped_column(sa.Numeric(7, 2))
    dose_mg_per_kg: Mapped[float | None] = mapped_column(sa.Numeric(5, 3))
    #: Esketamine nasal spray devices (28 mg each).
    devices: Mapped[int | None] = mapped_column(sa.SmallInteger)
    lot_number: Mapped[str | None] = mapped_column(sa.String(40))
    #: The dissociation score and which CADSS gave it (full 0-92, CADSS-6 0-24).
    cadss: Mapped[int | None]
    cadss_form: Mapped[str | None] = mapped_column(sa.String(10))
    #: The lowest MOAA/S seen (0 no response to pain ... 5 responds readily to name).
    moaas: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: The REMS form's yes/no questions: sedation, dissociation, respiratory depression.
    sedation: Mapped[bool | None]
    dissociation: Mapped[bool | None]
    respiratory_depression: Mapped[bool | None]
    respiratory_note: Mapped[str | None] = mapped_column(sa.Text)
    #: Vital signs in the acceptable range before dosing / before the session ended.
    vitals_ok_pre: Mapped[bool | None]
    vitals_ok_discharge: Mapped[bool | None]
    monitoring_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    monitoring_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the patient would have been ready to leave without the 2-hour minimum (REMS).
    ready_to_leave_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why esketamine monitoring ended before 2 hours (required then).
    early_leave_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The REMS form's concomitant medication classes the patient takes; [] none, null not asked.
    concomitant_classes: Mapped[list | None] = mapped_column(sa.JSON)
    serious_adverse_event: Mapped[bool | None]
    serious_adverse_event_note: Mapped[str | None] = mapped_column(sa.Text)
    adverse_events: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Soft delete: the row stays for the audit trail and disappears from views.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))

    course: Mapped[TreatmentCourse] = relationship()
    patient: Mapped[Patient] = relationship()
    readings: Mapped[list["SessionReading"]] = relationship(
        order_by="(SessionReading.taken_at, SessionReading.id)",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    #: Its REMS record (esketamine only), loaded with a list of sessions in one query.
    rems_record: Mapped["RemsRecord | None"] = relationship(
        viewonly=True, uselist=False, lazy="selectin"
    )

    def checkpoint(self, kind: str) -> "SessionReading | None":
        """The session's reading of a checkpoint (pre_dose, post_40, discharge), if any."""
        return next((r for r in self.readings if r.kind == kind), None)

    @property
    def bp_pre_systolic(self) -> int | None:
        """The pre-dose systolic pressure (the chart and older views read the pair)."""
        return _value(self.checkpoint("pre_dose"), "systolic")

    @property
    def bp_pre_diastolic(self) -> int | None:
        return _value(self.checkpoint("pre_dose"), "diastolic")

    @property
    def bp_post_systolic(self) -> int | None:
        """The systolic pressure about 40 minutes after dosing, when the rise peaks."""
        return _value(self.checkpoint("post_40"), "systolic")

    @property
    def bp_post_diastolic(self) -> int | None:
        return _value(self.checkpoint("post_40"), "diastolic")


def _value(reading, name: str):
    return getattr(reading, name) if reading is not None else None


class SessionReading(db.Model):
    """One timed reading of a monitored session: blood pressure, heart rate, SpO2."""

    __tablename__ = "session_readings"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {READING_KINDS}", name="kind"),
        sa.CheckConstraint(range_check("taken_at"), name="taken_at_in_range"),
        # One reading per checkpoint; further readings as many as taken.
        sa.Index(
            "uq_session_readings_checkpoint",
            "session_id",
            "kind",
            unique=True,
            postgresql_where=sa.text("kind <> 'further'"),
            sqlite_where=sa.text("kind <> 'further'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: Null only for the readings carried over from before 0014 (their time was not kept).
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    systolic: Mapped[int | None] = mapped_column(sa.SmallInteger)
    diastolic: Mapped[int | None] = mapped_column(sa.SmallInteger)
    heart_rate: Mapped[int | None] = mapped_column(sa.SmallInteger)
    spo2: Mapped[int | None] = mapped_column(sa.SmallInteger)


class RemsRecord(db.Model):
    """An esketamine session's REMS Patient Monitoring Form: due 7 days after the session.

    The form's content is read from the session each time (a correction flows in); what was
    shown when staff marked it submitted is kept in ``submitted_fields``. Waypoint never
    submits it to the REMS itself.
    """

    __tablename__ = "rems_records"
    __table_args__ = (
        sa.CheckConstraint(range_check("submitted_at"), name="submitted_at_in_range"),
        sa.Index("ix_rems_records_clinic_due", "clinic_id", "submitted_at", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    session_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("treatment_sessions.id", ondelete="CASCADE"), unique=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    #: The REMS confirmation or fax reference staff noted, if any.
    submission_reference: Mapped[str | None] = mapped_column(sa.String(100))
    submitted_fields: Mapped[dict | None] = mapped_column(sa.JSON)

    session: Mapped[TreatmentSession] = relationship()
    patient: Mapped[Patient] = relationship()
