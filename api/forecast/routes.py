"""A patient's booster forecast, as the worker last stored it (decision support for staff)."""

from flask.views import MethodView
from flask_smorest import Blueprint

from surveys.forecast import REASONS

from ..audit import record
from ..auth.policy import clinic_patient_or_404, policy, require_principal
from .operations import clinic_report, forecast_of
from .schemas import ForecastReportSchema, ForecastSchema

blp = Blueprint(
    "forecast",
    __name__,
    url_prefix="/api/v1/patients",
    description="The booster forecast of a patient's current course (staff only).",
)
report_blp = Blueprint(
    "forecast_report",
    __name__,
    url_prefix="/api/v1/reports",
    description="The booster forecast's backtest on the clinic's own history (admins).",
)
NOT_COMPUTED = "Not computed yet: it is computed with the summary after the next check-in."


@blp.route("/<uuid:patient_id>/forecast")
class Forecast(MethodView):
    @policy("staff")
    @blp.response(200, ForecastSchema)
    def get(self, patient_id):
        """The probability, day by day, that the response will have been lost, its interval,
        the day it reaches the alarm threshold, and what it is based on; or why there is none."""
        patient = clinic_patient_or_404(patient_id)
        record("forecast.view", object_type="patient", object_id=patient.id)
        stored = forecast_of(patient.id)
        if stored is None:
            return {"reason": "not_computed", "words": NOT_COMPUTED, "curve": []}
        payload = stored.payload
        return {
            **{k: payload.get(k) for k in ("alarm_risk", "median_days", "session_at", "curve")},
            "reason": stored.reason,
            "words": payload.get("words") or REASONS.get(stored.reason, ""),
            "course_id": stored.course_id,
            "due_at": stored.due_at,
            "due_low_at": stored.due_low_at,
            "due_high_at": stored.due_high_at,
            "computed_at": stored.computed_at,
        }


@report_blp.route("/forecast")
class ForecastReport(MethodView):
    @policy("admin")
    @report_blp.response(200, ForecastReportSchema)
    def get(self):
        """The backtest of `waypoint forecast-report --clinic`: calibration, lead time and false
        alarms beside a fixed interval and the last interval (aggregate; no patient rows)."""
        from surveys.forecast_report import format_report

        principal = require_principal()
        record("report.forecast", object_type="clinic", object_id=principal.clinic_id)
        result = clinic_report(principal.clinic_id)
        return {"text": format_report(result), "figures": result}
