"""Time to loss of response after a session: a Weibull model with a gamma prior on its rate.

Why this model (docs/clinical.md, "Booster forecast"):

- The time T from a session to the loss of response is Weibull with shape ``k`` and a
  patient's own scale: ``S(t) = exp(-rate * t**k)``, ``rate = scale**-k``. ``k > 1`` says the
  benefit fades faster as time goes on, which is what the published figures show.
- Patients differ: ``rate`` is gamma distributed across patients (shape ``a``, rate ``b``).
  With ``k`` fixed this prior is conjugate: a patient's own intervals, each a loss seen after
  ``t`` days or a booster (or the last check-in) ``t`` days after the session with response
  kept (censored), give the posterior gamma(``a`` + losses, ``b`` + sum of ``t**k``). No
  sampling, no numpy: the forecast is a few lines of arithmetic, cheap enough to compute after
  every check-in.
- The prior is the published durability figures (``published_prior``) until the clinic's own
  pooled history is large enough (``pooled_prior``, fitted by the marginal likelihood).

Everything here is elapsed time in days: no dates, no time zones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

#: The published figures (docs/clinical.md, "Booster forecast", and CLINICAL.md):
#: ORKA-1 (McInnes 2022, community IV ketamine): about 80 % of responders still responding at
#: 4 weeks and 60 % at 8 weeks without maintenance. Two points of one survival curve give
#: the Weibull shape and that cohort's scale.
ORKA1_SURVIVAL = ((28.0, 0.8), (56.0, 0.6))
#: Murrough 2013 (Biol Psychiatry 74:250): median 18 days to relapse after six infusions.
MURROUGH_MEDIAN_DAYS = 18.0
#: The shortest duration a check-in can show (a loss seen the same day as the session).
MIN_DAYS = 0.5
#: The clinic's pooled history replaces the published prior from this size on: enough
#: patients to see how they differ, and enough losses to see the shape of the curve.
MIN_POOLED_PATIENTS = 30
MIN_POOLED_LOSSES = 30


@dataclass(frozen=True)
class Duration:
    """One interval after a session: ``days`` until the loss was seen, or until the last
    check-in still in response (``lost`` False: censored, the booster came first)."""

    days: float
    lost: bool


@dataclass(frozen=True)
class Prior:
    """Weibull shape and the gamma prior on the patient's rate, with where they come from."""

    shape: float
    a: float
    b: float
    source: str  # "published" or "clinic"
    patients: int = 0
    losses: int = 0

    def posterior(self, durations: Sequence[Duration]) -> Posterior:
        """The patient's posterior after their own intervals (conjugate update)."""
        losses = sum(1 for d in durations if d.lost)
        exposure = sum(max(d.days, 0.0) ** self.shape for d in durations)
        return Posterior(self.shape, self.a + losses, self.b + exposure)

    def median_days(self) -> float:
        """The prior's typical patient's median time to loss (for the docs and the report)."""
        rate = gamma_quantile(self.a, 0.5) / self.b
        return (math.log(2) / rate) ** (1 / self.shape)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "shape": round(self.shape, 4),
            "a": round(self.a, 4),
            "b": round(self.b, 4),
            "source": self.source,
            "patients": self.patients,
            "losses": self.losses,
        }


@dataclass(frozen=True)
class Posterior:
    """Gamma(``a``, ``b``) on the patient's rate, Weibull ``shape``."""

    shape: float
    a: float
    b: float

    def risk(self, day: float, since: float = 0.0) -> float:
        """Predictive probability of a loss by ``day`` given none by ``since`` (``b`` must
        already count the interval up to ``since``)."""
        if day <= since:
            return 0.0
        extra = day**self.shape - since**self.shape
        return 1.0 - math.exp(self.a * (math.log(self.b) - math.log(self.b + extra)))

    def risk_at_rate(self, rate: float, day: float, since: float = 0.0) -> float:
        """The probability of a loss by ``day`` given none by ``since`` for a known rate."""
        if day <= since:
            return 0.0
        return -math.expm1(-rate * (day**self.shape - since**self.shape))

    def rate_quantile(self, q: float) -> float:
        """The ``q`` quantile of the patient's rate."""
        return gamma_quantile(self.a, q) / self.b


def published_prior() -> Prior:
    """The prior from the published figures (docs/clinical.md, "Booster forecast").

    The two cohorts disagree about how long a response lasts by a factor of four: ORKA-1's
    community responders (80 % at 4 weeks, 60 % at 8: a median of about 72 days on the Weibull
    through those points) and Murrough's trial patients (a median of 18 days). Read as one
    varied population, the prior's typical patient sits between them (a median of
    sqrt(18 * 72) = 36 days) and each cohort one standard deviation away on the log scale.
    Patients differing that much flatten the population's curve, so a patient's own curve is
    steeper than ORKA-1's: the shape is the one with which a population this varied, at
    ORKA-1's level, passes through both of ORKA-1's points (1.33 where ORKA-1's curve alone,
    read as one patient's, gives 1.19).
    """
    (t1, s1), (t2, s2) = ORKA1_SURVIVAL
    orka_shape = math.log(math.log(s2) / math.log(s1)) / math.log(t2 / t1)
    orka_median = t1 * (math.log(2) / -math.log(s1)) ** (1 / orka_shape)
    sd_log_median = math.log(orka_median / MURROUGH_MEDIAN_DAYS) / 2
    centre = math.sqrt(orka_median * MURROUGH_MEDIAN_DAYS)

    def shape_for(a: float) -> float:
        # The population curve is (b / (b + t**k))**a: its fall from t1 to t2 fixes k for a.
        return math.log((s2 ** (-1 / a) - 1) / (s1 ** (-1 / a) - 1)) / math.log(t2 / t1)

    # log(median) = (log log 2 - log rate) / k, and log(rate) has variance trigamma(a):
    # the spread of the medians is sqrt(trigamma(a)) / k, which falls as a grows.
    low, high = 1e-2, 1e3
    for _ in range(100):
        a = math.sqrt(low * high)
        if math.sqrt(trigamma(a)) / shape_for(a) > sd_log_median:
            low = a
        else:
            high = a
    shape = shape_for(a)
    # The mean of log(median) is (log log 2 - digamma(a) + log b) / k.
    b = math.exp(shape * math.log(centre) - math.log(math.log(2)) + digamma(a))
    return Prior(shape, a, b, "published")


def pooled_prior(histories: Sequence[Sequence[Duration]]) -> Prior | None:
    """The prior fitted to the clinic's pooled history (one list of intervals per patient) by
    maximising the marginal likelihood; None while it is smaller than the minimums."""
    histories = [h for h in histories if h]
    losses = sum(1 for h in histories for d in h if d.lost)
    if len(histories) < MIN_POOLED_PATIENTS or losses < MIN_POOLED_LOSSES:
        return None
    start = published_prior()
    best = _nelder_mead(
        lambda x: -_marginal_log_likelihood(histories, *map(math.exp, x)),
        [math.log(start.shape), math.log(start.a), math.log(start.b)],
    )
    shape, a, b = map(math.exp, best)
    return Prior(shape, a, b, "clinic", len(histories), losses)


def _marginal_log_likelihood(
    histories: Sequence[Sequence[Duration]], shape: float, a: float, b: float
) -> float:
    """Sum over patients of log p(intervals) with the patient's rate integrated out."""
    if not (0.2 < shape < 6 and 1e-3 < a < 1e3 and 0 < b < 1e12):
        return -math.inf
    total = 0.0
    for history in histories:
        days = [max(d.days, MIN_DAYS) for d in history]
        lost = [d.lost for d in history]
        n = sum(lost)
        exposure = sum(t**shape for t in days)
        seen = [t for t, x in zip(days, lost, strict=True) if x]
        total += sum(math.log(shape) + (shape - 1) * math.log(t) for t in seen)
        total += a * math.log(b) + math.lgamma(a + n) - math.lgamma(a)
        total -= (a + n) * math.log(b + exposure)
    return total


def _nelder_mead(f, start: list[float], step: float = 0.3, iterations: int = 400) -> list[float]:
    """A plain Nelder-Mead minimiser: three parameters need nothing more."""
    simplex = [list(start)]
    for i in range(len(start)):
        point = list(start)
        point[i] += step
        simplex.append(point)
    values = [f(p) for p in simplex]
    for _ in range(iterations):
        order = sorted(range(len(simplex)), key=values.__getitem__)
        simplex, values = [simplex[i] for i in order], [values[i] for i in order]
        if abs(values[-1] - values[0]) < 1e-9:
            break
        centre = [sum(c) / (len(simplex) - 1) for c in zip(*simplex[:-1], strict=True)]
        worst = simplex[-1]

        def towards(t, worst=worst, centre=centre):
            return [c + t * (w - c) for c, w in zip(centre, worst, strict=True)]

        reflected = towards(-1.0)
        fr = f(reflected)
        if fr < values[0]:
            expanded = towards(-2.0)
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = towards(0.5)
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = [best] + [
                    [(b + p) / 2 for b, p in zip(best, q, strict=True)] for q in simplex[1:]
                ]
                values = [values[0]] + [f(p) for p in simplex[1:]]
    return simplex[min(range(len(simplex)), key=values.__getitem__)]


def digamma(x: float) -> float:
    """The digamma function for x > 0 (recurrence, then the asymptotic series)."""
    result = 0.0
    while x < 6:
        result -= 1 / x
        x += 1
    inv = 1 / (x * x)
    return result + math.log(x) - 0.5 / x - inv * (1 / 12 - inv * (1 / 120 - inv / 252))


def trigamma(x: float) -> float:
    """The trigamma function for x > 0 (recurrence, then the asymptotic series)."""
    result = 0.0
    while x < 6:
        result += 1 / (x * x)
        x += 1
    inv = 1 / (x * x)
    return result + 1 / x + inv / 2 + inv / x * (1 / 6 - inv * (1 / 30 - inv * (1 / 42)))


def gamma_cdf(a: float, x: float) -> float:
    """The regularised lower incomplete gamma P(a, x): a series below a + 1, a continued
    fraction above (Numerical Recipes, 6.2)."""
    if x <= 0:
        return 0.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1 / a
        n = a
        while abs(term) > abs(total) * 1e-15:
            n += 1
            term *= x / n
            total += term
        return min(1.0, total * math.exp(log_front))
    tiny = 1e-300
    b = x + 1 - a
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return max(0.0, 1 - math.exp(log_front) * h)


@lru_cache(maxsize=1024)
def gamma_quantile(a: float, q: float) -> float:
    """The ``q`` quantile of a gamma(a, 1) variable (bisection on the log scale). Cached: ``a``
    is the prior's plus a whole number of losses, so a clinic needs few distinct values."""
    low, high = 1e-12, max(10.0, a * 10 + 50)
    for _ in range(64):  # the ratio high / low ends within 1e-8 of 1
        mid = math.sqrt(low * high)
        if gamma_cdf(a, mid) < q:
            low = mid
        else:
            high = mid
    return math.sqrt(low * high)
