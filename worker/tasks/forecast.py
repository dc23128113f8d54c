"""The daily refit of each clinic's own booster-forecast prior (docs/clinical.md, "Booster
forecast"): once a clinic's pooled history is large enough, its patients' forecasts start from
it instead of the published figures. Safe to run twice: each run refits from the same history."""

import logging
from datetime import datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from api.extensions import db
from api.forecast.operations import refit_prior
from api.models import Clinic, ForecastPrior
from api.models.base import utcnow
from api.pipeline.routing import REFIT_FORECAST_PRIORS

log = logging.getLogger(__name__)


@shared_task(name=REFIT_FORECAST_PRIORS, soft_time_limit=60, time_limit=90)
def refit_forecast_priors(now: str | None = None) -> dict:
    """Refit every clinic's prior, one commit per clinic (a failure leaves the others').

    Bounded like every periodic task, so that a worker stopping finishes it within its
    unit's TimeoutStopSec: the clinics refit longest ago come first, and those a run does
    not reach before its soft limit are first the next day.
    """
    at = datetime.fromisoformat(now) if now else utcnow()
    fitted = 0
    order = db.select(Clinic.id).outerjoin(ForecastPrior, ForecastPrior.clinic_id == Clinic.id)
    order = order.order_by(ForecastPrior.fitted_at.asc().nulls_first(), Clinic.id)
    try:
        for clinic_id in db.session.scalars(order).all():
            fitted += refit_prior(clinic_id, at) is not None
            db.session.commit()
    except SoftTimeLimitExceeded:
        db.session.rollback()
        log.warning("forecast priors: stopped at the time limit; the rest refit next run")
    log.info("forecast priors: %d clinic(s) with their own", fitted)
    return {"fitted": fitted}
