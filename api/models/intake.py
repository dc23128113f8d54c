"""The intake before a course: antidepressant trials, the signed screen, reasoned overrides.

What the rows mean (the count, which answers block a course) is ``surveys.intake``'s.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.intake import ANSWERS, SCREEN, TRIAL_OUTCOMES

from ..extensions import db
from .base import UTCDateTime, utcnow
from .clinics import StaffUser

SCREEN_CODES = tuple(item.code for item in SCREEN)


class IntakeTrial(db.Model):
    """One antidepressant trial of the patient's depression history."""

    __tablename__ = "intake_trials"
    __table_args__ = (
        sa.CheckConstraint(f"outcome IN {TRIAL_OUTCOMES}", name="outcome"),
        sa.CheckConstraint("duration_weeks BETWEEN 0 AND 520", name="duration_weeks"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    drug: Mapped[str] = mapped_column(sa.String(100))
    #: Daily dose in mg when known (a history told from memory may not have it).
    dose_mg_per_day: Mapped[float | None] = mapped_column(sa.Numeric(7, 2))
    duration_weeks: Mapped[int]
    #: The clinician's judgement that the dose (and adherence) was adequate.
    adequate: Mapped[bool]
    outcome: Mapped[str] = mapped_column(sa.String(20))
    #: Only trials of the current episode count towards treatment resistance.
    current_episode: Mapped[bool] = mapped_column(server_default=sa.true())
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Soft delete: the row stays for the audit trail and leaves the history and the count.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))


class IntakeAnswer(db.Model):
    """The patient's current answer to one screen item, signed by the clinician who gave it."""

    __tablename__ = "intake_answers"
    __table_args__ = (
        sa.CheckConstraint(f"answer IN {ANSWERS}", name="answer"),
        sa.CheckConstraint(f"item IN {SCREEN_CODES}", name="item"),
    )

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    answer: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: The sign-off: who gave this answer, and when. A changed answer is signed again.
    signed_by: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    signer: Mapped[StaffUser] = relationship()


class IntakeOverride(db.Model):
    """A clinician's reasoned decision to plan a course despite an open contraindication.

    It stands for the answer it was made against (``answer_signed_at``): once that answer is
    changed, the item is open again until someone decides anew.
    """

    __tablename__ = "intake_overrides"
    __table_args__ = (
        sa.CheckConstraint(f"item IN {SCREEN_CODES}", name="item"),
        sa.Index("ix_intake_overrides_patient_item", "patient_id", "item"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(sa.String(40))
    #: The answer overridden (yes or unknown), as it stood when the decision was made.
    answer: Mapped[str] = mapped_column(sa.String(10))
    answer_signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.Text)
    by: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clinician: Mapped[StaffUser] = relationship()
