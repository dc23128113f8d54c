"""Alerts raised by the rules, their timelines and their notification deliveries."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timebounds import range_check
from .base import UTCDateTime, new_uuid, utcnow

PRIORITIES = ("imminent", "urgent", "high", "routine")
ALERT_STATUSES = ("open", "acknowledged", "resolved")
DELIVERY_STATUSES = ("pending", "sent", "failed")
#: "apprise": one of the clinic's Apprise channels (``api.models.channels.ClinicChannel``).
CHANNELS = ("email", "webhook", "webpush", "apprise")
#: The rows the open-episode unique index covers.
OPEN_EPISODE = "status = 'open' AND episode"
#: The rows the panel's risk-flag index covers.
RED_FLAG = "red_flag"


class Alert(db.Model):
    __tablename__ = "alerts"
    __table_args__ = (
        sa.CheckConstraint(f"priority IN {PRIORITIES}", name="priority"),
        sa.CheckConstraint(f"status IN {ALERT_STATUSES}", name="status"),
        sa.CheckConstraint(range_check("answered_at"), name="answered_at_in_range"),
        sa.CheckConstraint(range_check("received_at"), name="received_at_in_range"),
        sa.UniqueConstraint("checkin_id", "rule"),
        sa.Index("ix_alerts_clinic_status", "clinic_id", "status"),
        sa.Index("ix_alerts_patient_status", "patient_id", "status"),
        # One open episode per patient and safety rule: two answers racing insert one alert.
        sa.Index(
            "uq_alerts_open_episode",
            "patient_id",
            "rule",
            unique=True,
            postgresql_where=sa.text(OPEN_EPISODE),
            sqlite_where=sa.text(OPEN_EPISODE),
        ),
        # The panel's risk flags: a clinic's red-flag alerts not resolved, or resolved lately.
        sa.Index(
            "ix_alerts_red_flag",
            "clinic_id",
            "resolved_at",
            postgresql_where=sa.text(RED_FLAG),
            sqlite_where=sa.text(RED_FLAG),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("patients.id", ondelete="CASCADE"))
    checkin_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("checkins.id", ondelete="CASCADE")
    )
    #: The case it is dealt with in (``api.pipeline.cases``), set in the transaction that
    #: raises it; null only if filing it kept racing resolutions (logged; it is notified on
    #: its own then).
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    #: The rule hit's stable key: a replayed evaluation cannot insert a second alert.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    rule: Mapped[str] = mapped_column(sa.String(40))
    priority: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.String(500))
    #: When the patient gave the answers (a check-in queued offline arrives late).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When that answer reached the server (long after ``answered_at`` if it sat offline).
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The safety items' answers that raised it, in the instrument's own words: a list of
    #: {link_id, text, value, label}; null for the other rules (and alerts before 0008).
    safety_answers: Mapped[list | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), server_default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    ack_note: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    #: A safety alert: while open, the patient's further answers of its rule are attached
    #: to it ("repeated" events) instead of raising alerts and notifications of their own.
    episode: Mapped[bool] = mapped_column(server_default=sa.false())
    #: A positive safety screen (``surveys.rules.is_red_flag`` of its rule when raised): the
    #: patient stays flagged until it is resolved and for the clinic's risk_flag_days after.
    red_flag: Mapped[bool] = mapped_column(server_default=sa.false())
    #: How many further answers were attached, and when the latest of them was given.
    repeats: Mapped[int] = mapped_column(server_default="0")
    latest_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: This alert told the care team of its case (it opened it, raised its priority or
    #: reopened it; ``api.pipeline.cases``); false: it joined its case quietly, no round 0.
    notify: Mapped[bool] = mapped_column(server_default=sa.true())
    #: 0 = care team told; 1 = on-call list; 2+ = clinic admins, repeated.
    escalation_level: Mapped[int] = mapped_column(server_default="0")
    #: When the next escalation is due; NULL once acknowledged or for non-escalating priorities.
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    events: Mapped[list["AlertEvent"]] = relationship(
        order_by="AlertEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )
    deliveries: Mapped[list["Delivery"]] = relationship(
        order_by="Delivery.id", cascade="all, delete-orphan", passive_deletes=True
    )


class AlertEvent(db.Model):
    """One step on an alert's timeline: created, delivered, escalated, acknowledged..."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("alerts.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    detail: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: The rule hit a "repeated" event attached: one answer is attached once, however often
    #: its check-in is evaluated.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)


class Delivery(db.Model):
    """One notification of one alert over one channel to one recipient, in one round."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("alert_id", "channel", "recipient", "round"),
        sa.CheckConstraint(f"status IN {DELIVERY_STATUSES}", name="status"),
        sa.CheckConstraint(f"channel IN {CHANNELS}", name="channel"),
        sa.Index(
            "ix_notification_deliveries_pending",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(20))
    #: "staff:<id>", "webhook:clinic" or "channel:<id>" (a clinic's Apprise channel); never an
    #: address that could identify a patient.
    recipient: Mapped[str] = mapped_column(sa.String(100))
    #: Escalation level that caused this delivery (0 for the first notification).
    round: Mapped[int] = mapped_column(server_default="0")
    status: Mapped[str] = mapped_column(sa.String(20), server_default="pending")
    attempts: Mapped[int] = mapped_column(server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the latest send message published for it becomes runnable: the publish time, plus
    #: the countdown a paced send is held for (``api/pipeline/fairness.py``). A held send is
    #: not stale; the reconciler re-publishes with backoff after it (``api/pipeline/outbox.py``).
    last_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How many times the reconciler has had to re-enqueue it (its backoff doubles with it).
    enqueue_count: Mapped[int] = mapped_column(server_default="0")
