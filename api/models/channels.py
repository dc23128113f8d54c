"""A clinic's Apprise channels (chat, paging, SMS, mail) and the deliveries of patient reminders."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

#: The rungs of the escalation ladder a care-team channel can be told on:
#: round 0 the care team, round 1 the on-call list, round 2 and after the admins
#: (``api.pipeline.notify``).
RUNGS = ("care_team", "on_call", "admins")
#: How a patient can be reminded (the clinic offers some, the patient chooses among them).
REMINDER_CHANNELS = ("webpush", "email", "sms")
REMINDER_STATUSES = ("pending", "sent", "failed")


def rung(level: int) -> str:
    """The rung of escalation ``level``."""
    return RUNGS[min(level, 2)]


class ClinicChannel(db.Model):
    """One Apprise URL a clinic set up for its care team: a Slack channel, a pager, an SMS."""

    __tablename__ = "clinic_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    #: The admin's own name for it ("On-call pager").
    label: Mapped[str] = mapped_column(sa.String(100))
    #: chat, paging, sms, email or http (``api.channels.urls.SERVICES``).
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The Apprise URL, sealed (``api/sealed.py``): it carries the provider's tokens.
    url_sealed: Mapped[str] = mapped_column(sa.Text)
    #: What is shown back instead (``Channel.masked``): the service and any host it names.
    url_masked: Mapped[str] = mapped_column(sa.String(300))
    #: Which rungs of the ladder it is told on, a subset of RUNGS.
    rungs: Mapped[list] = mapped_column(sa.JSON, default=lambda: list(RUNGS))
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReminderDelivery(db.Model):
    """One check-in reminder to one patient over one channel: at most one per slot.

    Created with the slots it reminds of marked ``reminded_at`` in the same transaction, so a
    slot is reminded once whatever the channels; sent with the alert deliveries' retries,
    backoff and ``failed`` end (``worker/tasks/reminders.py``), and shown to the clinic.
    """

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {REMINDER_STATUSES}", name="status"),
        sa.CheckConstraint(f"channel IN {REMINDER_CHANNELS}", name="channel"),
        sa.Index("ix_reminder_deliveries_patient_created", "patient_id", "created_at"),
        sa.Index(
            "ix_reminder_deliveries_pending",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    #: The earliest slot it reminds of (others due at the same moment share it): unique, the
    #: database's own guard of one reminder per slot.
    due_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checkins_due.id", ondelete="CASCADE"), unique=True
    )
    channel: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(20), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: As on alert deliveries: when its latest send message becomes runnable, and how often
    #: the reconciler had to publish it again (``api/pipeline/outbox.py``).
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueue_count: Mapped[int] = mapped_column(server_default="0")
