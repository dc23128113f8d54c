"""The booster forecast of each patient's current course, as the worker last computed it, and
each clinic's own prior once its history is large enough.

Computed by ``surveys.forecast`` and stored by ``api.forecast.operations.store_forecast``, which
``api.pipeline.summary.store_summary`` calls: after every evaluation, session change or course
change, with the summary. Its own table, so the panel's summaries stay small: the day-by-day
curve is read only by the patient's chart. Never shown to the patient.
"""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime


class BoosterForecast(db.Model):
    """One row per patient: the forecast or the reason there is none."""

    __tablename__ = "booster_forecasts"

    patient_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("treatment_courses.id", ondelete="SET NULL")
    )
    #: "forecast", or why there is none (surveys.forecast.REASONS).
    reason: Mapped[str] = mapped_column(sa.String(32))
    #: When the risk reaches the alarm threshold, and its range (None: beyond 8 weeks or no
    #: forecast): the panel sorts and filters on these.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    due_low_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_high_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: surveys.forecast.Forecast.to_dict(): words, curve [[day, risk, low, high]], prior...
    payload: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ForecastPrior(db.Model):
    """A clinic's own prior, fitted to its pooled history once it is large enough
    (surveys.survival.pooled_prior); without a row the published prior is used."""

    __tablename__ = "forecast_priors"

    clinic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    #: Weibull shape, and the gamma's shape and rate on a patient's rate.
    shape: Mapped[float]
    a: Mapped[float]
    b: Mapped[float]
    #: What it was fitted to: patients with intervals, and losses seen.
    patients: Mapped[int]
    losses: Mapped[int]
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
