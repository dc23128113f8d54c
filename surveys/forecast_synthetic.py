"""Synthetic maintenance cohorts generated from the published durability figures.

The booster forecast is evaluated on these (``surveys.forecast_backtest``) because no clinic's
history ships with Waypoint. Each cohort is generated from its parameters and seed with the
standard library's ``random`` (stable across Python versions for a given seed), and the
generated cohorts are shipped in ``surveys/forecast_cohorts/`` so the report is reproducible
without regenerating them (``tests/surveys/test_forecast_backtest.py`` checks they match).

Each patient: a PHQ-9 baseline, six IV sessions over 12 days (the common series) and a
response, then maintenance for ``follow_days``. After every session the time to the loss of
response is drawn afresh from the patient's own Weibull: the patient's median is drawn between
Murrough's cohort (median 18 days) and ORKA-1's (a median of about 72 days on the Weibull
through its 80 % at 4 weeks and 60 % at 8), each one standard deviation from the centre
(``published_params``). How regular one patient's intervals are (``within_shape``) no
publication reports directly: the published cohorts use the published prior's reading (1.33,
the shape ORKA-1's curve implies once patients differ that much: intervals nearly as varied as
an exponential's), and the ``regular`` cohort uses 2 (a patient's intervals vary by about half
their length), an assumption that the patient's own history means more.

The PHQ-9 is weekly (some missed) and reads about 30 % of baseline while in response and 55-95
% once lost. What the clinic did in the data is "come back when you feel it": the booster is
given a few days after a PHQ-9 shows the loss, or after ``max_interval_days`` at the latest.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from surveys.survival import MURROUGH_MEDIAN_DAYS, ORKA1_SURVIVAL, published_prior

COHORTS_DIR = Path(__file__).parent / "forecast_cohorts"
#: Day 0 of every synthetic course (any instant would do: the forecast reads elapsed time).
EPOCH = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
INDUCTION_DAYS = (0.0, 2.0, 5.0, 7.0, 9.0, 12.0)


@dataclass(frozen=True)
class CohortParams:
    """What a cohort is generated from (stored beside it)."""

    name: str
    seed: int
    patients: int
    within_shape: float  # Weibull shape of one patient's times to loss
    log_median_days: float  # mean of the log of the patients' own medians (days)
    sd_log_median: float  # how much patients differ
    follow_days: int = 182  # maintenance follow-up: six months
    max_interval_days: int = 56  # the latest booster when no loss is seen
    reaction_days: tuple[int, int] = (1, 5)  # booster this many days after a PHQ-9 shows loss
    missed_phq9: float = 0.15  # share of weekly PHQ-9s not answered


def published_params(
    name: str, seed: int, within_shape: float | None = None, patients: int = 80
) -> CohortParams:
    """The cohort the published figures describe: patients' medians centred between
    Murrough's 18 days and ORKA-1's Weibull median, each one standard deviation away, and
    (unless given) the published prior's shape."""
    (t1, s1), (t2, s2) = ORKA1_SURVIVAL
    shape = math.log(math.log(s2) / math.log(s1)) / math.log(t2 / t1)
    orka_median = t1 * (math.log(2) / -math.log(s1)) ** (1 / shape)
    low, high = math.log(MURROUGH_MEDIAN_DAYS), math.log(orka_median)
    within = within_shape or round(published_prior().shape, 3)
    return CohortParams(name, seed, patients, within, (low + high) / 2, (high - low) / 2)


def stress_params(name: str, seed: int, patients: int = 80) -> CohortParams:
    """A cohort the prior does not describe: a steeper fade (shape 3), patients more alike,
    and typical durations 40 % shorter than the published centre."""
    centre = published_params(name, seed, patients=patients)
    return CohortParams(name, seed, patients, 3.0, centre.log_median_days + math.log(0.6), 0.4)


def generate(params: CohortParams) -> dict:
    """A cohort: its parameters and, per patient, the baseline, session days and PHQ-9s."""
    rng = random.Random(params.seed)  # noqa: S311 - reproducible synthetic data, no secret
    return {
        "params": asdict(params),
        "patients": [_patient(rng, params) for _ in range(params.patients)],
    }


def _patient(rng: random.Random, params: CohortParams) -> dict:
    baseline = rng.randint(14, 24)
    median = math.exp(rng.gauss(params.log_median_days, params.sd_log_median))
    scale = median / math.log(2) ** (1 / params.within_shape)
    in_response = rng.uniform(0.15, 0.4)
    sessions = list(INDUCTION_DAYS)
    phq9 = [[-3.0, baseline]]
    week = 7.0

    def answer(day: float, lost: bool) -> None:
        if rng.random() >= params.missed_phq9:
            share = rng.uniform(0.55, 0.95) if lost else in_response + rng.uniform(-0.1, 0.1)
            phq9.append([round(day, 3), max(0, min(27, round(baseline * share)))])

    while week < INDUCTION_DAYS[-1]:  # improving during the induction, not yet responding
        answer(week, lost=True)
        week += 7
    end = INDUCTION_DAYS[-1] + params.follow_days
    start = INDUCTION_DAYS[-1]
    while start < end:
        loss_at = start + rng.weibullvariate(scale, params.within_shape)
        booster = start + params.max_interval_days
        while week < min(booster, end):
            lost = week >= loss_at
            answer(week, lost)
            if lost and phq9[-1][0] == round(week, 3):
                booster = min(booster, week + rng.randint(*params.reaction_days))
            week += 7
        start = booster
        if start < end:
            sessions.append(round(start + rng.uniform(-0.1, 0.1), 3))
    # The patient's own Weibull, which no method is given: the backtest's oracle reads it.
    truth = {"scale_days": round(scale, 6), "shape": params.within_shape}
    return {"baseline": baseline, "sessions": sessions, "phq9": phq9, "truth": truth}


def as_course(
    patient: dict,
) -> tuple[int, list[tuple[datetime, int]], list[datetime], tuple[float, float] | None]:
    """A stored patient as the backtest reads it: (baseline, PHQ-9s, session times, and the
    (scale, shape) of the Weibull the intervals were drawn from, for the oracle only)."""

    def at(day: float) -> datetime:
        return EPOCH + timedelta(days=day)

    truth = patient.get("truth")
    return (
        patient["baseline"],
        [(at(day), total) for day, total in patient["phq9"]],
        [at(day) for day in patient["sessions"]],
        (truth["scale_days"], truth["shape"]) if truth else None,
    )


#: The shipped cohorts: the threshold (and the pooled prior) come from the first, results are
#: read on the others.
SHIPPED = (
    published_params("published-dev", 2101),
    published_params("published-test", 2102),
    published_params("regular-test", 2103, within_shape=2.0),
    stress_params("stress-test", 2104),
)


def load(name: str) -> dict:
    """A shipped cohort by name."""
    return json.loads((COHORTS_DIR / f"{name}.json").read_text())


def write_shipped() -> None:
    """Regenerate the shipped cohorts (``python -m surveys.forecast_synthetic``)."""
    COHORTS_DIR.mkdir(exist_ok=True)
    for params in SHIPPED:
        text = json.dumps(generate(params), separators=(",", ":"))
        (COHORTS_DIR / f"{params.name}.json").write_text(text + "\n")


if __name__ == "__main__":
    write_shipped()
