"""Backtest of the booster forecast against the two rules clinics use today, leave-future-out.

At every session after the response, each method decides on the day an alarm ("booster
likely due") would fire, from what was known at the session and nothing later:

- ``forecast``: the first day the forecast's risk reaches the threshold, the forecast being
  recomputed after every PHQ-9 still in response (as the worker does after each check-in):
  the alarm fires on a day the latest forecast before it puts at or above the threshold;
- ``forecast_at_session``: the same from the forecast made at the session only;
- ``fixed``: a fixed booster interval (the course plan's, 28 days for the IV series);
- ``last_interval``: the patient's previous session-to-session interval, repeated;
- ``oracle``, on synthetic cohorts only: the forecast's own alarm rule fed the true risk, from
  the Weibull each patient's intervals were drawn from (known to the generator, to no method),
  conditioned on the same PHQ-9s in response. It is what a perfect estimate of the patient's
  own durability would reach with this alarm rule on these data: the part of a shortfall that
  better estimation could close, and the part no estimate could.

The interval then runs as it did in the data, to the first PHQ-9 out of response (the loss, L
days after the session) or to the next session with response kept (censored). Counted, over
the intervals where every method can decide (the forecast needs one earlier interval, and so
does repeating it):

- lead time: days from the alarm to the loss, 0 when the alarm came at or after it (missed),
  at most ``WINDOW_DAYS`` (a warning earlier than that is no more use, and is a false alarm);
- a false alarm: an alarm with no loss in the ``WINDOW_DAYS`` after it (too early, or the
  interval ended without a loss);
- per patient-month of the intervals evaluated.

This is counterfactual in the usual way: a booster given on an alarm would have changed what
followed; the data show what happened without it. Calibration (forecast only): the Brier score
and a reliability table over fixed horizons, each outcome known from the PHQ-9s (a loss seen
by the horizon, or a PHQ-9 in response at or after it; otherwise left out), beside the same
score of the prior alone (no patient data): the value of the patient's own course.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from surveys.forecast import ALARM_RISK, LossDefinition, forecast, risk_curve
from surveys.survival import Prior, published_prior

#: An alarm is of use when the loss follows within two weeks: a booster can be booked in that
#: time, and it is the PHQ-9's own recall window.
WINDOW_DAYS = 14
FIXED_INTERVAL_DAYS = 28
HORIZONS = (7, 14, 21, 28, 42, 56)
#: The thresholds ``choose_threshold`` considers: 5 % to 60 % by 1 %.
THRESHOLDS = tuple(n / 100 for n in range(5, 61))
FORECASTS = ("forecast", "forecast_at_session")
#: The methods whose alarm comes from a threshold on a risk curve.
THRESHOLDED = (*FORECASTS, "oracle")
_DAY = timedelta(days=1)
_MONTH_DAYS = 30.44


@dataclass(frozen=True)
class Case:
    """One interval as the backtest scores it."""

    patient: int
    length: float  # days from the session to the next (or the end of the data)
    loss: float | None  # days to the first PHQ-9 out of response; None: none in the interval
    known_in: tuple[float, ...]  # days of PHQ-9s in response (before any loss)
    alarms: dict  # method -> alarm day after the session, or None (no alarm in time)
    #: The forecasts made in the interval: (days after the session, risk by day), the first
    #: at the session, then one after each PHQ-9 in response.
    segments: tuple[tuple[float, tuple[float, ...]], ...]
    prior_curve: tuple[float, ...]  # the prior alone's risk by day
    #: The true risk's segments as ``segments`` (synthetic cohorts only; else empty).
    oracle: tuple[tuple[float, tuple[float, ...]], ...] = ()
    #: How many earlier intervals of the patient's own the forecast at the session read.
    earlier: int = 0

    @property
    def curve(self) -> tuple[float, ...]:
        """The forecast made at the session."""
        return self.segments[0][1]


@dataclass(frozen=True)
class Course:
    """A patient's course for the backtest: baseline, (time, PHQ-9) and session times."""

    baseline: int
    phq9: Sequence[tuple[datetime, int]]
    sessions: Sequence[datetime]
    #: The (scale in days, shape) of the Weibull a synthetic patient's intervals were drawn
    #: from; None for a real history.
    truth: tuple[float, float] | None = None


def cases(
    courses: Sequence[Course],
    prior: Prior | None = None,
    loss: LossDefinition | None = None,
    threshold: float = ALARM_RISK,
    fixed_days: int = FIXED_INTERVAL_DAYS,
) -> list[Case]:
    """Every interval where all methods decide, with each method's alarm."""
    prior = prior or published_prior()
    loss = loss or LossDefinition()
    prior_curve = tuple(r.risk for r in risk_curve(prior.posterior([]), 0.0, 56, 0.8))
    out = []
    for n, course in enumerate(courses):
        sessions = sorted(course.sessions)
        end = max([*sessions, *(at for at, _ in course.phq9)])
        for i, session in enumerate(sessions):
            if i == 0:
                continue
            result = forecast(
                course.baseline, course.phq9, sessions, session, prior=prior, loss=loss
            )
            if not result.available or result.session_at != session:
                continue
            stop = sessions[i + 1] if i + 1 < len(sessions) else end
            outcome = _outcome(course, loss, session, stop)
            if outcome is None:
                continue
            segments = [(0.0, tuple(r.risk for r in result.curve))]
            for day in outcome[1]:
                later = forecast(
                    course.baseline,
                    course.phq9,
                    sessions,
                    session + day * _DAY,
                    prior=prior,
                    loss=loss,
                )
                segments.append((day, tuple(r.risk for r in later.curve)))
            oracle = ()
            if course.truth is not None:
                days = (0.0, *outcome[1])
                oracle = tuple(
                    (day, _true_risk(*course.truth, day, len(prior_curve))) for day in days
                )
            case = Case(
                n,
                (stop - session) / _DAY,
                outcome[0],
                outcome[1],
                {"fixed": fixed_days, "last_interval": (session - sessions[i - 1]) / _DAY},
                tuple(segments),
                prior_curve,
                oracle,
                len(result.durations),
            )
            out.append(case)
    return with_threshold(out, threshold)


def _true_risk(scale: float, shape: float, since: float, days: int) -> tuple[float, ...]:
    """The true risk of a loss by each day after the session, given none by ``since``."""
    survived = (since / scale) ** shape
    return tuple(
        0.0 if day <= since else 1.0 - math.exp(survived - (day / scale) ** shape)
        for day in range(days)
    )


def _outcome(course: Course, loss: LossDefinition, start: datetime, stop: datetime):
    """(days to the first PHQ-9 out of response or None, days of those in response before)."""
    kept = []
    for at, total in sorted(course.phq9):
        if start < at <= stop:
            days = (at - start) / _DAY
            if loss.lost(course.baseline, total):
                return days, tuple(kept)
            kept.append(days)
    return (None, tuple(kept)) if kept else None


def scores(items: Sequence[Case], method: str) -> dict:
    """Lead time, missed losses and false alarms of one method."""
    leads, false_alarms, missed, losses = [], 0, 0, 0
    for case in items:
        alarm = case.alarms[method]
        fired = alarm is not None and alarm < case.length
        if case.loss is not None:
            losses += 1
            lead = case.loss - alarm if fired else 0.0
            leads.append(min(max(lead, 0.0), WINDOW_DAYS))
            missed += lead <= 0
            false_alarms += fired and lead > WINDOW_DAYS
        else:
            false_alarms += fired
    months = sum(c.length for c in items) / _MONTH_DAYS
    return {
        "method": method,
        "intervals": len(items),
        "losses": losses,
        "median_lead_days": statistics.median(leads) if leads else None,
        "mean_lead_days": statistics.fmean(leads) if leads else None,
        "missed_share": missed / losses if losses else None,
        "false_alarms": false_alarms,
        "false_alarms_per_patient_month": false_alarms / months if months else None,
    }


def with_threshold(
    items: Sequence[Case], threshold: float, methods: Sequence[str] = FORECASTS
) -> list[Case]:
    """The same cases with the alarms of the forecast ``methods`` at ``threshold``."""
    alarm = {
        "forecast": lambda case: _dynamic_alarm(case.segments, threshold),
        "forecast_at_session": lambda case: _first_day(case.curve, threshold),
        "oracle": lambda case: _dynamic_alarm(case.oracle, threshold),
    }
    return [
        replace(case, alarms={**case.alarms, **{m: alarm[m](case) for m in methods}})
        for case in items
    ]


def _first_day(curve: Sequence[float], threshold: float) -> int | None:
    return next((d for d, risk in enumerate(curve) if risk >= threshold), None)


def _dynamic_alarm(segments, threshold: float) -> int | None:
    """The first day the forecast in force that day reaches ``threshold``: each forecast is in
    force from its PHQ-9 to the next one."""
    for n, (start, curve) in enumerate(segments):
        until = segments[n + 1][0] if n + 1 < len(segments) else math.inf
        day = _first_day(curve, threshold)
        if day is not None and start <= day < until:
            return day
    return None


def choose_threshold(development: Sequence[Case], method: str = "forecast") -> float:
    """The rule stated in advance, applied to a development cohort only: the threshold with
    the longest median lead (then mean lead) whose false alarms per patient-month are no more
    than the better of the two rules'; among equals the highest (the fewest alarms)."""
    ceiling = min(
        scores(development, m)["false_alarms_per_patient_month"] for m in ("fixed", "last_interval")
    )
    best, best_key = THRESHOLDS[-1], None
    for threshold in THRESHOLDS:
        result = scores(with_threshold(development, threshold, [method]), method)
        if result["false_alarms_per_patient_month"] > ceiling:
            continue
        key = (result["median_lead_days"], result["mean_lead_days"], threshold)
        if best_key is None or key > best_key:
            best, best_key = threshold, key
    return best


def calibration(items: Sequence[Case], prior_only: bool = False) -> dict:
    """Brier score and reliability table over HORIZONS (see the module)."""
    pairs = []
    for case in items:
        curve = case.prior_curve if prior_only else case.curve
        for horizon in HORIZONS:
            outcome = _known(case, horizon)
            if outcome is not None:
                pairs.append((curve[horizon], outcome))
    bins = []
    for low in range(10):
        inside = [
            (p, y) for p, y in pairs if low / 10 <= p < (low + 1) / 10 or (low == 9 and p == 1)
        ]
        if inside:
            bins.append(
                {
                    "bin": f"{low / 10:.1f}-{(low + 1) / 10:.1f}",
                    "n": len(inside),
                    "predicted": statistics.fmean(p for p, _ in inside),
                    "observed": statistics.fmean(y for _, y in inside),
                }
            )
    brier = statistics.fmean((p - y) ** 2 for p, y in pairs) if pairs else None
    return {"pairs": len(pairs), "brier": brier, "reliability": bins}


def _known(case: Case, horizon: int) -> int | None:
    """1: a loss seen by ``horizon``; 0: a PHQ-9 in response at or after it; None: unknown."""
    if case.loss is not None and case.loss <= horizon:
        return 1
    if any(day >= horizon for day in case.known_in):
        return 0
    return None
