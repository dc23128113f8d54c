"""Each patient's panel ranking inputs in one narrow row, and the log of the rows gone stale.

The panel ranks every patient of a clinic at every page (its tiers depend on the time: an
overdue check-in, a resolved safety screen's hold), so the ranking's inputs must be cheap to
read for 10,000 patients: open alerts by priority and rule, the safety screens' state, an open
relapse flag, the next open check-in due, the summary's worsening and severity. Aggregated from
their tables they took some 30 ms a page at that size; here they are one row per patient.

``PanelRank`` is the worker's copy (``api.panel.ranks.refresh_ranks``); ``PanelRankDirty`` lists
the patients whose copy may be stale. PostgreSQL triggers (migration 0019) append to it in the
statement that changes a patient's inputs, whichever code path (or COPY, or psql) wrote it. The
panel reads a listed patient's inputs live, in the same statement as the others' rows, so a page
is exactly what aggregating every patient live would give: a change is on the panel once
committed, the worker's refresh only makes it cheaper to read. SQLite (the zero-setup default)
has no such triggers and nothing ever fills ``panel_ranks`` there: its panel is all live.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class PanelRank(db.Model):
    __tablename__ = "panel_ranks"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    #: The patient's, as of the refresh (a change of either lists the patient as stale).
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    #: The most pressing open alert's place in surveys.PRIORITY_ORDER (4: none).
    alert_rank: Mapped[int]
    open_alerts: Mapped[int]
    n_imminent: Mapped[int]
    n_urgent: Mapped[int]
    n_high: Mapped[int]
    n_routine: Mapped[int]
    #: Open routine alerts by rule (the panel's words for a routine tier).
    r_not_on_track: Mapped[int]
    r_missed_checkins: Mapped[int]
    r_induction_incomplete: Mapped[int]
    r_booster_overdue: Mapped[int]
    #: When the oldest open alert's answer was given.
    oldest_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A red-flag alert not resolved; the latest resolution of one (the hold runs from it).
    safety_open: Mapped[bool]
    safety_resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A relapse flag not dismissed.
    relapse: Mapped[bool]
    #: The earliest open check-in due.
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: From the summary (None before the first; the severity 0 then, as the ranking reads it).
    worsening: Mapped[bool | None]
    severity_rank: Mapped[int]
    last_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trend_status: Mapped[str | None] = mapped_column(sa.String(32))
    #: The tier without the time (api.panel.ranks.base_tier); with ``alert_rank``,
    #: ``severity_rank`` and the id, the order of the index a first page is read from.
    #: No default: a row stored without it (by code older than migration 0020, say during a
    #: rolling upgrade) fails, and its patient stays listed and ranked live.
    base_tier: Mapped[int] = mapped_column(sa.SmallInteger)

    __table_args__ = (
        sa.Index(
            "ix_panel_ranks_first",
            "clinic_id",
            "base_tier",
            "alert_rank",
            sa.desc("severity_rank"),
            "patient_id",
        ),
        sa.Index("ix_panel_ranks_held", "clinic_id", "safety_resolved_at"),
        sa.Index("ix_panel_ranks_due", "clinic_id", "next_due"),
    )


class PanelRankDirty(db.Model):
    """A patient whose ``PanelRank`` may be stale: appended by the triggers, deleted by a refresh.

    No unique key and no foreign key: appending never waits on another transaction, and the
    trigger of an erased patient's cascaded deletes may still append its id (a refresh drops it).
    """

    __tablename__ = "panel_rank_dirty"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(index=True)
