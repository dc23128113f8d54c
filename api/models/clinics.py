"""Clinics and their staff."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

#: The US default when a clinic has listed none of its own (CLINICAL.md).
DEFAULT_CRISIS_RESOURCES = [
    {
        "name": "Emergency services",
        "phone": "911",
        "sms": None,
        "url": None,
        "kind": "emergency",
    },
    {
        "name": "988 Suicide & Crisis Lifeline",
        "phone": "988",
        "sms": "988",
        "url": "https://988lifeline.org/chat/",
        "kind": "crisis_line",
    },
    {
        "name": "Crisis Text Line",
        "phone": None,
        "sms": "741741",
        "sms_keyword": "HOME",
        "url": None,
        "kind": "crisis_line",
    },
]

STAFF_ROLES = ("clinician", "admin")


class Clinic(db.Model):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), server_default="America/New_York")
    #: A list of {name, phone, sms, sms_keyword, url, kind}, always with an emergency entry
    #: (api/clinic/resources.py); empty means DEFAULT_CRISIS_RESOURCES.
    crisis_resources: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    #: Free text shown on the crisis screen, e.g. "Messages are read 9am-5pm on weekdays."
    monitoring_hours: Mapped[str | None] = mapped_column(sa.String(300))
    #: Overrides of surveys.RuleSettings defaults.
    rule_settings: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default="{}")
    #: Minutes before an unacknowledged alert escalates, per priority.
    escalate_urgent_minutes: Mapped[int] = mapped_column(server_default="15")
    escalate_imminent_minutes: Mapped[int] = mapped_column(server_default="5")
    webhook_url: Mapped[str | None] = mapped_column(sa.String(500))
    webhook_secret: Mapped[str | None] = mapped_column(sa.String(200))
    require_mfa_clinicians: Mapped[bool] = mapped_column(server_default=sa.false())
    #: The reminder channels the clinic offers its patients, a subset of
    #: ``channels.REMINDER_CHANNELS`` ("sms" only works with ``reminder_sms_sealed``).
    reminder_channels: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: ["webpush", "email"], server_default='["webpush", "email"]'
    )
    #: The Apprise URL reminders by text go through (twilio://..., sealed: ``api/sealed.py``),
    #: and what is shown back of it.
    reminder_sms_sealed: Mapped[str | None] = mapped_column(sa.Text)
    reminder_sms_masked: Mapped[str | None] = mapped_column(sa.String(300))
    #: Reminders name the clinic ("from <name>") only when it chooses: by default they say
    #: nothing that tells a reader of the phone where the patient is treated.
    reminder_names_clinic: Mapped[bool] = mapped_column(server_default=sa.false())
    #: Quiet hours in the patient's own time zone, "HH:MM" (both null: none): a reminder
    #: falling due inside them waits for their end, unless the slot itself is inside them
    #: (the patient chose that time). ``surveys.slots.held_by_quiet_hours``.
    quiet_hours_start: Mapped[str | None] = mapped_column(sa.String(5), server_default="21:00")
    quiet_hours_end: Mapped[str | None] = mapped_column(sa.String(5), server_default="08:00")
    #: The rungs its active Apprise channels are told on (``api.channels.operations`` keeps
    #: it): a clinic without channels costs an urgent alert's first round no query for them.
    channel_rungs: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[list["StaffUser"]] = relationship(back_populates="clinic")

    def effective_crisis_resources(self) -> list[dict]:
        """The clinic's crisis resources, or the US default when it has none."""
        return self.crisis_resources or DEFAULT_CRISIS_RESOURCES


class StaffUser(db.Model):
    __tablename__ = "staff_users"
    __table_args__ = (sa.CheckConstraint(f"role IN {STAFF_ROLES}", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    #: Stored lower-cased; unique across all clinics because it is the login name.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20), server_default="clinician")
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled: Mapped[bool] = mapped_column(server_default=sa.false())
    #: The TOTP time step last accepted: a code works once, even within its 30 s window.
    totp_last_counter: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: argon2 hashes of unused recovery codes.
    recovery_codes: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    #: On the clinic's on-call list: first to hear of an escalated alert.
    on_call: Mapped[bool] = mapped_column(server_default=sa.false())
    active: Mapped[bool] = mapped_column(server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: From the invite until its owner accepts it: no password of theirs yet, so the account
    #: cannot sign in and is not active (api/staff/).
    invite_pending: Mapped[bool] = mapped_column(server_default=sa.false())

    clinic: Mapped[Clinic] = relationship(back_populates="staff")

    @property
    def status(self) -> str:
        """active | invited (no password yet) | deactivated."""
        if self.active:
            return "active"
        return "invited" if self.invite_pending else "deactivated"
