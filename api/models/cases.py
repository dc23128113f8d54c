"""Cases: a patient's alerts of one episode, dealt with as one, and the calls made about them.

An alert always belongs to a case (``alerts.case_id``). A patient has at most one case that
is not resolved (``uq_cases_unresolved``); every alert raised meanwhile joins it
(``api.pipeline.cases``). Resolving a case resolves its alerts; an urgent or imminent one needs
a documented outcome (``outcome``: contact, risk level, plan, next contact).
"""

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timebounds import range_check
from .alerts import ALERT_STATUSES, PRIORITIES
from .base import UTCDateTime, new_uuid, utcnow

#: The rows the one-unresolved-case-per-patient index covers.
UNRESOLVED = "status <> 'resolved'"
CONTACT_METHODS = ("phone", "video", "in_person", "text", "email")
CONTACT_RESULTS = ("reached", "tried", "left_message")
#: The overall level of suicide risk the assessment found (Joint Commission NPSG 15.01.01:
#: document the level of risk and the plan to mitigate it, for every positive screen).
RISK_LEVELS = ("low", "moderate", "high")
#: What was done about it; a case may record several.
PLANS = (
    "safety_plan",
    "means_counselling",
    "follow_up_call",
    "appointment_booked",
    "same_day_appointment",
    "medication_review",
    "treatment_paused",
    "emergency_department",
    "emergency_services",
    "hospital_admission",
    "no_change",
)
#: Plans that stand for the contact when the patient could not be reached (a welfare check
#: or an ambulance sent, the patient brought to an emergency department).
UNREACHED_PLANS = ("emergency_services", "emergency_department")
#: Priorities whose case needs a documented outcome to be resolved.
OUTCOME_PRIORITIES = ("imminent", "urgent")


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        sa.CheckConstraint(f"status IN {ALERT_STATUSES}", name="status"),
        sa.Index("ix_cases_clinic_status", "clinic_id", "status"),
        # Two alerts of one patient racing to open a case insert one: the other joins it.
        sa.Index(
            "uq_cases_unresolved",
            "patient_id",
            unique=True,
            postgresql_where=sa.text(UNRESOLVED),
            sqlite_where=sa.text(UNRESOLVED),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    #: The most pressing priority among its alerts.
    priority: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), server_default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the patient gave the earliest answer inside (else when it opened): how long the
    #: case has waited, which orders the inbox.
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    last_alert_at: Mapped[datetime] = mapped_column(UTCDateTime)
    alert_count: Mapped[int] = mapped_column(server_default="0")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    ack_note: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    resolution_note: Mapped[str | None] = mapped_column(sa.Text)
    #: The documented assessment: {contact: {made, method, at}, risk_level, plan: [...],
    #: plan_note, next_contact_on}; required to resolve an urgent or imminent case.
    outcome: Mapped[dict | None] = mapped_column(sa.JSON)

    contacts: Mapped[list["CaseContact"]] = relationship(
        order_by="CaseContact.at", cascade="all, delete-orphan", passive_deletes=True
    )


class CaseContact(db.Model):
    """One attempt to reach the patient about a case: the call log."""

    __tablename__ = "case_contacts"
    __table_args__ = (
        sa.CheckConstraint(f"method IN {CONTACT_METHODS}", name="method"),
        sa.CheckConstraint(f"result IN {CONTACT_RESULTS}", name="result"),
        sa.CheckConstraint(range_check("at"), name="at_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(sa.String(20))
    result: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowUp(db.Model):
    """The patient's last contact and next planned follow-up, for the panel (one row each,
    written with the call log and the resolutions, read without a join per case)."""

    __tablename__ = "patient_follow_ups"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_contact_result: Mapped[str | None] = mapped_column(sa.String(20))
    last_contact_method: Mapped[str | None] = mapped_column(sa.String(20))
    next_contact_on: Mapped[date | None] = mapped_column(sa.Date)
