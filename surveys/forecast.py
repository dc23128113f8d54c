"""Booster forecast: after a session in maintenance, how likely the response is lost by each day.

From the patient's own course (their PHQ-9 check-ins and session times) and a prior
(``surveys.survival``): day by day over the coming weeks, the probability that the PHQ-9 will
be back out of response (above 50 % of the course baseline; ``LossDefinition`` takes another
relapse definition, which no clinic setting chooses yet), with an interval, and the day the
risk reaches the alarm threshold. Decision support for the clinician, never an instruction
and never shown to the patient.

Each earlier interval (a session to the next) after the response is one duration: a loss seen
at the first check-in out of response (dated halfway from the last check-in in response, the
loss happened somewhere between the two), or, when the next session came first, censored at
its last check-in in response. The interval in progress is censored at its latest check-in:
the risk is of a loss after it. The daily mood rating does not move the forecast (the docs
say why); it is not read here.

It says nothing when it cannot know, and says why (``REASONS``). Elapsed time only: the
same instants give the same forecast in any time zone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from surveys.courses import position, stored_plan
from surveys.definitions import get_definition
from surveys.summary import PatientRecord, settled
from surveys.survival import MIN_DAYS, Duration, Posterior, Prior, published_prior
from surveys.trend import compute_trend, course_points, measurable

#: How far ahead the curve goes: the 8 weeks of ORKA-1's figures.
HORIZON_DAYS = 56
#: The credible interval drawn around the risk: 80 %, the 10th to the 90th percentile.
LEVEL = 0.8
#: The alarm threshold: the first day the risk reaches it is "booster likely due". Chosen in
#: advance by the rule in docs/clinical.md ("Booster forecast") on the development cohort,
#: never on the test cohort; ``surveys.forecast_backtest.choose_threshold`` reproduces it.
ALARM_RISK = 0.21
#: Earlier intervals the patient needs before the forecast speaks: each a loss seen, or a
#: response kept at least MIN_KEPT_DAYS (the PHQ-9's spacing). A series of sessions days apart
#: (an induction that responded early, in a course without a plan) says next to nothing about
#: how long a response lasts, and must not make a forecast speak on the prior alone.
MIN_INTERVALS = 1
MIN_KEPT_DAYS = 7
_DAY = timedelta(days=1)

REASONS = {
    "forecast": "Forecast from the patient's own intervals and the prior.",
    "no_baseline": "No PHQ-9 baseline above 0 for this course.",
    "no_response": (
        "No response yet (PHQ-9 at least 50 % below the baseline): "
        "a booster forecast starts once there is a response."
    ),
    "no_session": "No session since the response.",
    "not_in_maintenance": "Not in the maintenance phase of the course plan.",
    "response_lost": "The latest PHQ-9 since the session is already out of response.",
    "too_few_intervals": (
        "Too few earlier intervals after the response: none ended in a loss seen or kept the "
        "response for a week."
    ),
}


@dataclass(frozen=True)
class LossDefinition:
    """When response counts as lost: the PHQ-9 above ``percent_of_baseline`` % of the
    course baseline (the complement of the 50 % response), or at least ``at_least``."""

    percent_of_baseline: int = 50
    at_least: int | None = None

    def lost(self, baseline: int, total: int) -> bool:
        """Whether ``total`` is out of response against ``baseline``."""
        if self.at_least is not None and total >= self.at_least:
            return True
        return total * 100 > baseline * self.percent_of_baseline


@dataclass(frozen=True)
class DayRisk:
    """The risk that response is lost by ``day`` days after the session, with its interval."""

    day: int
    risk: float
    low: float
    high: float


@dataclass(frozen=True)
class Forecast:
    """A forecast, or why there is none (``reason``); ``days`` are counted from ``session_at``."""

    reason: str
    session_at: datetime | None = None
    curve: tuple[DayRisk, ...] = ()
    #: First day (after the session) the risk reaches the alarm threshold, and its range:
    #: from the high end of the interval reaching it to the low end. None: beyond the horizon.
    due_day: int | None = None
    due_low: int | None = None
    due_high: int | None = None
    #: Days after the session of the latest check-in in response (the risk is of a loss after).
    since_days: float = 0.0
    durations: tuple[Duration, ...] = ()
    prior: Prior | None = None
    alarm_risk: float = ALARM_RISK
    level: float = LEVEL

    @property
    def available(self) -> bool:
        return self.reason == "forecast"

    @property
    def median_days(self) -> tuple[float, float, float] | None:
        """The patient's own median time from a session to the loss, and its credible range
        (the interval in days that narrows as the patient's losses accumulate)."""
        if not self.available:
            return None
        posterior = self.prior.posterior([*self.durations, *self._current])
        low_rate, high_rate = _rate_bounds(posterior, self.level)
        rate = posterior.rate_quantile(0.5)
        return tuple(_median_at(self.prior.shape, r) for r in (rate, high_rate, low_rate))

    @property
    def _current(self) -> list[Duration]:
        return [Duration(self.since_days, False)] if self.since_days > 0 else []

    @property
    def words(self) -> str:
        """The reason in words a clinician can check."""
        if not self.available:
            return REASONS[self.reason]
        return basis_words(self.durations, self.prior, self.since_days)

    def to_dict(self) -> dict:
        """JSON-ready form (risks to 3 decimals)."""
        return {
            "reason": self.reason,
            "words": self.words,
            "session_at": self.session_at.isoformat() if self.session_at else None,
            "due_day": self.due_day,
            "due_low": self.due_low,
            "due_high": self.due_high,
            "alarm_risk": self.alarm_risk,
            "since_days": round(self.since_days, 2),
            "intervals": len(self.durations),
            "losses": sum(1 for d in self.durations if d.lost),
            "median_days": [round(x, 1) for x in self.median_days] if self.available else None,
            "prior": self.prior.to_dict() if self.prior else None,
            "curve": [
                [r.day, round(r.risk, 3), round(r.low, 3), round(r.high, 3)] for r in self.curve
            ],
        }


def basis_words(durations: Sequence[Duration], prior: Prior | None, since: float) -> str:
    """ "Based on 4 earlier intervals of 19-26 days (3 ended in a loss) and ..."."""
    days = sorted(round(d.days) for d in durations)
    losses = sum(1 for d in durations if d.lost)
    span = f"{days[0]}-{days[-1]}" if days[0] != days[-1] else f"{days[0]}"
    plural = "s" if len(days) != 1 else ""
    source = (
        f"the clinic's pooled history ({prior.patients} patients)"
        if prior and prior.source == "clinic"
        else "the published durability figures"
    )
    still = f"; in response at the last PHQ-9, day {since:.0f}" if since > 0 else ""
    return (
        f"Based on {len(days)} earlier interval{plural} of {span} days ({losses} ended in a "
        f"loss of response) and {source}{still}."
    )


def _days(later: datetime, earlier: datetime) -> float:
    return (later - earlier) / _DAY


def interval_duration(
    start: datetime, checks: Sequence[tuple[datetime, bool]]
) -> tuple[Duration | None, bool]:
    """One interval's duration from its check-ins (time, lost), oldest first, and whether it
    ended lost; None when no check-in says anything."""
    last_kept = start
    for at, lost in checks:
        if lost:
            middle = _days(at, last_kept) / 2 + _days(last_kept, start)
            return Duration(max(middle, MIN_DAYS), True), True
        last_kept = at
    if last_kept == start:
        return None, False
    return Duration(_days(last_kept, start), False), False


def _is_response(baseline: int, total: int, percent: int) -> bool:
    """``surveys.trend.is_response`` at a reduction of ``percent`` (the loss definition's,
    which need not be the definition's 50 %): measured only from a baseline that response
    can be counted from (the PHQ-9's above 9), so a forecast never follows one that is not."""
    return measurable(get_definition("phq9"), baseline) and total * 100 <= baseline * (
        100 - percent
    )


def history(
    baseline: int,
    phq9: Sequence[tuple[datetime, int]],
    sessions: Sequence[datetime],
    now: datetime,
    loss: LossDefinition,
    response_percent: int,
) -> tuple[str, list[Duration], datetime | None, float]:
    """(reason, earlier durations, the current session, days in response since it); times
    in UTC."""
    points = sorted((at, total) for at, total in phq9 if at <= now)
    responded = next(
        (at for at, total in points if _is_response(baseline, total, response_percent)), None
    )
    if responded is None:
        return "no_response", [], None, 0.0
    days = sorted(s for s in sessions if s <= now)
    # The session the response followed, and every later one, start an interval.
    start = max((n for n, s in enumerate(days) if s <= responded), default=0)
    starts = days[start:]
    if not starts:
        return "no_session", [], None, 0.0
    durations = []
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else now
        checks = [
            (at, loss.lost(baseline, total))
            for at, total in points
            if begin < at <= end and at >= responded
        ]
        duration, lost = interval_duration(begin, checks)
        if n + 1 == len(starts):
            if lost:
                return "response_lost", durations, begin, 0.0
            return "forecast", durations, begin, duration.days if duration else 0.0
        if duration is not None:
            durations.append(duration)
    raise AssertionError("unreachable: the last start returns")  # pragma: no cover


def forecast(
    baseline: int | None,
    phq9: Sequence[tuple[datetime, int]],
    sessions: Sequence[datetime],
    now: datetime,
    *,
    response_percent: int = 50,
    loss: LossDefinition | None = None,
    prior: Prior | None = None,
    phase: str | None = None,
    horizon_days: int = HORIZON_DAYS,
    alarm_risk: float = ALARM_RISK,
    level: float = LEVEL,
    min_intervals: int = MIN_INTERVALS,
) -> Forecast:
    """The forecast after the latest session before ``now`` (see the module).

    ``phq9`` is the course's (time, total) check-ins, ``sessions`` its session times,
    ``baseline`` its PHQ-9 baseline; ``phase`` the course plan's phase (None: no plan).
    """
    if baseline is None or baseline <= 0:
        return Forecast("no_baseline")
    if phase is not None and phase != "maintenance":
        return Forecast("not_in_maintenance")
    loss = loss or LossDefinition(100 - response_percent)
    # In UTC: Python compares and subtracts two times of one zone by their wall clocks, so a
    # change of daylight saving time would otherwise add or remove an hour.
    reason, durations, session_at, since = history(
        baseline,
        [(at.astimezone(UTC), total) for at, total in phq9],
        [s.astimezone(UTC) for s in sessions],
        now.astimezone(UTC),
        loss,
        response_percent,
    )
    if reason != "forecast":
        return Forecast(reason, session_at)
    if sum(1 for d in durations if d.lost or d.days >= MIN_KEPT_DAYS) < min_intervals:
        return Forecast("too_few_intervals", session_at, durations=tuple(durations))
    prior = prior or published_prior()
    current = [Duration(since, False)] if since > 0 else []
    curve = risk_curve(prior.posterior([*durations, *current]), since, horizon_days, level)
    return Forecast(
        "forecast",
        session_at,
        curve,
        *due_days(curve, alarm_risk),
        since_days=since,
        durations=tuple(durations),
        prior=prior,
        alarm_risk=alarm_risk,
        level=level,
    )


def risk_curve(
    posterior: Posterior, since: float, horizon_days: int, level: float
) -> tuple[DayRisk, ...]:
    """Day 0 to ``horizon_days``: the predictive risk and the credible interval of the risk
    (the risk is monotone in the rate, so its quantiles are the rate's)."""
    low_rate, high_rate = _rate_bounds(posterior, level)
    return tuple(
        DayRisk(
            day,
            posterior.risk(day, since),
            posterior.risk_at_rate(low_rate, day, since),
            posterior.risk_at_rate(high_rate, day, since),
        )
        for day in range(horizon_days + 1)
    )


def _rate_bounds(posterior: Posterior, level: float) -> tuple[float, float]:
    return posterior.rate_quantile((1 - level) / 2), posterior.rate_quantile((1 + level) / 2)


def _median_at(shape: float, rate: float) -> float:
    """The Weibull median for a known rate."""
    return (math.log(2) / rate) ** (1 / shape)


def due_days(
    curve: Sequence[DayRisk], alarm_risk: float
) -> tuple[int | None, int | None, int | None]:
    """The first day the risk, its high end and its low end reach ``alarm_risk``."""

    def first(values):
        return next((r.day for r, v in zip(curve, values, strict=True) if v >= alarm_risk), None)

    return (
        first(r.risk for r in curve),
        first(r.high for r in curve),
        first(r.low for r in curve),
    )


def course_forecast(
    record: PatientRecord, plan: dict | None, now: datetime, prior: Prior | None = None
) -> Forecast:
    """The forecast of the patient's current course (the latest by its first session), as the
    panel's summary sees it: settled PHQ-9s, the course baseline, its plan's phase; ``prior``
    the clinic's own (None: the published one)."""
    if not record.courses:
        return Forecast("no_session")
    course = record.courses[-1]
    definition = get_definition("phq9")
    points = course_points(settled(record.points.get("phq9", [])), course.start)
    trend = compute_trend(definition, points, course.start)
    sessions = [at for course_id, at in record.sessions if course_id == course.id]
    phase = None
    course_plan = stored_plan(plan)
    if course_plan is not None:
        at = position(course_plan, len(sessions), None, now.date()).phase
        phase = at.name if at else None
    return forecast(
        trend.baseline,
        [(p.at, p.total) for p in points],
        sessions,
        now,
        response_percent=definition.response_percent or 50,
        phase=phase,
        prior=prior,
    )


def due_times(result: Forecast) -> tuple[datetime | None, datetime | None, datetime | None]:
    """The due day and its range as instants (the session plus so many days)."""
    if not result.available:
        return None, None, None
    return tuple(
        None if day is None else result.session_at + day * _DAY
        for day in (result.due_day, result.due_low, result.due_high)
    )


def due_words(due: datetime | None, low: datetime | None, high: datetime | None, now) -> str:
    """The panel's words: "Booster likely due in about 9 days (5-14)", counted from ``now``;
    a range end beyond the forecast's 8 weeks reads "later"."""
    if due is None:
        return f"Booster not likely due within {HORIZON_DAYS // 7} weeks of the session"

    def days(at: datetime | None) -> str:
        return "later" if at is None else str(round((at - now) / _DAY))

    n = round((due - now) / _DAY)
    span = f"{days(low)} to {days(high)}"
    if n <= 0:
        return f"Booster likely due now (risk reached {-n} days ago; range {span} days)"
    return f"Booster likely due in about {n} days ({span})"
