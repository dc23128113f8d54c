"""Alert rules as pure functions: (check-in, history, clinic settings) -> rule hits.

`suicidal_ideation` and `imminent` look only at the check-in itself, so the API can raise them
synchronously at submit time (empty history) and the worker again later with the full history;
the key `checkin:{id}:{rule}` makes the second insert a no-op. The other rules compare with
history: `severe` with the immediately previous check-in of the instrument (in or out of the
course); `worsening` with the latest check-in and the course nadir at least the instrument's
retest interval earlier (7 days for the PHQ-9 and GAD-7), by the clinic's change threshold
(the MCID unless tuned up to the reliable change index); `not_on_track` with the course
baseline (see `surveys.trend.course_points`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from surveys.definitions import every_version, get_definition
from surveys.dosing import PLAN_NUMBERS
from surveys.errors import SettingsError
from surveys.model import Definition
from surveys.monitoring import Thresholds
from surveys.scoring import Score, call_now, evaluate_red_flags, evaluate_safety
from surveys.trend import (
    BASELINE_LOOKBACK,
    TrendPoint,
    course_points,
    default_threshold,
    spaced_before,
)

#: The ASQ's result as the NIMH pathway names it, from the definition's result codes.
ASQ_RESULTS: dict[str, str] = {
    "negative": "negative",
    "non_acute_positive": "non_acute_positive",
    "imminent": "acute_positive",
}


def asq_result(instrument: str, result: str | None) -> str | None:
    """negative, non_acute_positive or acute_positive for an ASQ check-in; None otherwise."""
    return ASQ_RESULTS.get(result) if instrument == "asq" and result else None


#: Alert priorities, most pressing first.
PRIORITY_ORDER: tuple[str, ...] = ("imminent", "urgent", "high", "routine")

RULE_PRIORITY: dict[str, str] = {
    "imminent": "imminent",
    "suicidal_ideation": "urgent",
    # NIMH ASQ pathway: a non-acute positive screen needs a brief suicide safety assessment
    # before the patient leaves (is allowed to go home): urgent, not imminent.
    "non_acute_positive": "urgent",
    "worsening": "high",
    "severe": "high",
    "not_on_track": "routine",
    "missed_checkins": "routine",
    # A course's plan (surveys.courses): the patient stopped coming mid-series, or is past
    # their booster. The front desk's call to make, not a risk signal.
    "induction_incomplete": "routine",
    "booster_overdue": "routine",
    # At-home dosing (surveys.dosing): a dose the gate held back (the care team is told), a
    # dose taken against the plan or outside the app, a post-dose check not answered.
    "dose_held": "high",
    "dose_misuse": "high",
    "post_dose_check_missed": "high",
    # The post-dose check's first question, "Are you safe right now?", answered no: the phone
    # shows emergency help first at once; a clinician must reach the patient within the hour.
    "dose_unsafe": "urgent",
    # A monitored session's reading past the clinic's urgent line: the on-site team is told.
    "session_vitals": "urgent",
}


#: Upper bounds of the whole-number settings: far beyond any clinical use, and small enough
#: that the time spans built from them exist (timedelta(weeks=10**20) is an OverflowError,
#: which would stop every rule of the check-in, the item-9 alert with them).
SETTING_MAXIMA = {
    "missed_checkins_days": 365,
    "risk_flag_days": 365,
    "not_on_track_weeks": 104,
    "not_on_track_sessions": 200,
    "asq_follow_up_minutes": 1440,
    "validated_interval_days": 56,
    "case_window_hours": 168,
    # The monitored session's lines (surveys.monitoring): documented bounds, wide enough for
    # any clinic's protocol and narrow enough that a typo cannot switch a flag off.
    "session_caution_systolic": 180,
    "session_caution_diastolic": 120,
    "session_caution_heart_rate": 150,
    "session_caution_spo2": 99,
    "session_urgent_systolic": 250,
    "session_urgent_diastolic": 150,
    "session_urgent_heart_rate": 200,
    "session_urgent_spo2": 95,
}
#: The instruments whose change threshold a clinic may tune, and the setting that holds it.
THRESHOLD_SETTINGS = {"phq9": "phq9_change_points", "gad7": "gad7_change_points"}
#: The smallest value of a whole-number setting (1 where not listed): the PHQ-9 and GAD-7
#: have a 2-week recall and are not validated for use less than 7 days apart (CLINICAL.md).
SETTING_MINIMA = {
    "validated_interval_days": 7,
    "session_caution_systolic": 120,
    "session_caution_diastolic": 70,
    "session_caution_heart_rate": 60,
    "session_caution_spo2": 85,
    "session_urgent_systolic": 140,
    "session_urgent_diastolic": 90,
    "session_urgent_heart_rate": 110,
    "session_urgent_spo2": 80,
}
# A change threshold lies from the instrument's MCID (the smallest change that matters) to its
# Jacobson-Truax reliable change index (the change beyond the measure's own error).
for _code, _name in THRESHOLD_SETTINGS.items():
    SETTING_MINIMA[_name], SETTING_MAXIMA[_name] = get_definition(_code).threshold_bounds
#: The clinic's own defaults of a home-dosing plan (surveys.dosing), by plan field: what a
#: clinician's plan takes for a number left blank. Their bounds are the plan's own.
HOME_PLAN_SETTINGS = {
    field: f"home_{field}"
    for field in PLAN_NUMBERS
    if PLAN_NUMBERS[field][0] is not None  # dose and doses prescribed are the prescriber's
}
for _field, _name in HOME_PLAN_SETTINGS.items():
    _, SETTING_MINIMA[_name], SETTING_MAXIMA[_name] = PLAN_NUMBERS[_field]


def priority_rank(priority: str) -> int:
    """0 for the most pressing priority; sorts alerts."""
    return PRIORITY_ORDER.index(priority)


@dataclass(frozen=True)
class RuleSettings:
    """A clinic's alert rule settings; the defaults are the table in DESIGN.md."""

    suicidal_ideation: bool = True
    worsening: bool = True
    severe: bool = True
    missed_checkins_days: int = 3
    not_on_track_weeks: int = 4
    not_on_track_sessions: int = 6
    not_on_track_min_improvement: float = 0.25
    #: Switches for the two routine rules (the three above have theirs first).
    missed_checkins: bool = True
    not_on_track: bool = True
    #: How long the ASQ offered after a positive item 9 may go unanswered before the item-9
    #: alert says "follow-up questions not answered" (NIMH counts a refusal as positive).
    asq_follow_up_minutes: int = 60
    #: Days a positive safety screen's flag stays on the panel row and patient page after
    #: its alert is resolved (docs/clinical.md: "Risk stays visible").
    risk_flag_days: int = 14
    #: Days that must separate two scheduled PHQ-9 (or two GAD-7) slots, induction included
    #: (surveys.slots.SPACED); never below 7.
    validated_interval_days: int = 7
    #: Hours after a case is acknowledged during which a further alert of no higher priority
    #: (and no positive safety screen) joins it quietly; later, it reopens the case and the
    #: care team is told again (api/pipeline/cases.py).
    case_window_hours: int = 24
    #: Change thresholds in points of the status and the worsening rule: each instrument's
    #: MCID by default, at most its reliable change index (THRESHOLD_SETTINGS).
    phq9_change_points: int = get_definition("phq9").mcid
    gad7_change_points: int = get_definition("gad7").mcid
    #: The monitored session's caution lines (flagged in the form): the esketamine label's
    #: pre-dose 140/90, a heart rate above 100 and SpO2 below 94 % (docs/clinical.md).
    session_caution_systolic: int = Thresholds.caution_systolic
    session_caution_diastolic: int = Thresholds.caution_diastolic
    session_caution_heart_rate: int = Thresholds.caution_heart_rate
    session_caution_spo2: int = Thresholds.caution_spo2
    #: Its urgent lines (flagged, and a ``session_vitals`` alert to the on-site team): BP at
    #: or above 180/110 (ESC/ESH grade 3), a heart rate at or above 150 (the AHA's
    #: tachycardia algorithm), SpO2 below 90 %.
    session_urgent_systolic: int = Thresholds.urgent_systolic
    session_urgent_diastolic: int = Thresholds.urgent_diastolic
    session_urgent_heart_rate: int = Thresholds.urgent_heart_rate
    session_urgent_spo2: int = Thresholds.urgent_spo2
    #: The clinic's defaults of a home-dosing plan (HOME_PLAN_SETTINGS), Waypoint's unless set:
    #: the written safeguards of at-home ketamine (docs/clinical.md, "At-home dosing").
    home_min_interval_hours: int = PLAN_NUMBERS["min_interval_hours"][0]
    home_max_per_week: int = PLAN_NUMBERS["max_per_week"][0]
    home_systolic_max: int = PLAN_NUMBERS["systolic_max"][0]
    home_diastolic_max: int = PLAN_NUMBERS["diastolic_max"][0]
    home_heart_rate_max: int = PLAN_NUMBERS["heart_rate_max"][0]
    home_post_check_minutes: int = PLAN_NUMBERS["post_check_minutes"][0]
    home_post_check_missed_minutes: int = PLAN_NUMBERS["post_check_missed_minutes"][0]
    home_monitor_required: bool = True

    def __post_init__(self) -> None:
        # Every positive item 9 gets follow-up (Joint Commission NPSG 15.01.01), and the
        # patient is told the care team will see it: no clinic setting may silence it.
        if self.suicidal_ideation is not True:
            raise SettingsError("The item-9 (suicidal ideation) alert cannot be turned off.")
        for caution, urgent in (
            ("session_caution_systolic", "session_urgent_systolic"),
            ("session_caution_diastolic", "session_urgent_diastolic"),
            ("session_caution_heart_rate", "session_urgent_heart_rate"),
        ):
            if getattr(self, urgent) <= getattr(self, caution):
                raise SettingsError(f"{urgent} must be above {caution}.")
        if self.session_urgent_spo2 >= self.session_caution_spo2:
            raise SettingsError("session_urgent_spo2 must be below session_caution_spo2.")
        if self.home_post_check_missed_minutes <= self.home_post_check_minutes:
            raise SettingsError(
                "home_post_check_missed_minutes must be later than home_post_check_minutes."
            )

    def home_plan_defaults(self) -> dict[str, Any]:
        """What a home-dosing plan takes for each field a clinician left blank."""
        defaults: dict[str, Any] = {f: getattr(self, n) for f, n in HOME_PLAN_SETTINGS.items()}
        defaults["monitor_required"] = self.home_monitor_required
        return defaults

    def session_lines(self) -> Thresholds:
        """The monitored session's lines as ``surveys.monitoring`` reads them (the
        ``session_*`` settings, whose defaults are ``Thresholds``' own)."""
        return Thresholds(
            **{f.name: getattr(self, f"session_{f.name}") for f in fields(Thresholds)}
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RuleSettings:
        """Settings from stored JSON: None values keep the default, unknown keys are refused."""
        data = dict(data or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise SettingsError(f"Unknown rule setting(s): {', '.join(unknown)}.")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if value is None:
                continue
            default = getattr(cls, name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise SettingsError(f"{name} must be true or false; got {value!r}.")
            elif isinstance(default, int):
                low, top = SETTING_MINIMA.get(name, 1), SETTING_MAXIMA[name]
                if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= top:
                    raise SettingsError(
                        f"{name} must be a whole number from {low} to {top}; got {value!r}."
                    )
            else:
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                if not ok or not 0 < value <= 1 or math.isnan(value):
                    raise SettingsError(f"{name} must be a fraction in (0, 1]; got {value!r}.")
                value = float(value)
            values[name] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def thresholds(self) -> dict[str, int]:
        """The clinic's change threshold of each tunable instrument, by instrument code."""
        return {code: getattr(self, name) for code, name in THRESHOLD_SETTINGS.items()}

    def threshold(self, definition: Definition) -> int | None:
        """The change threshold for ``definition``: the clinic's, else the MCID."""
        name = THRESHOLD_SETTINGS.get(definition.code)
        return default_threshold(definition, getattr(self, name) if name else None)


def setting_bounds() -> dict[str, dict[str, int]]:
    """The whole-number settings' bounds {name: {min, max}}, for the settings form."""
    return {
        name: {"min": SETTING_MINIMA.get(name, 1), "max": top}
        for name, top in SETTING_MAXIMA.items()
    }


@dataclass(frozen=True)
class RuleHit:
    """One rule that fired; `key` is stable so that storing it twice is a no-op."""

    key: str
    rule: str
    priority: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True)
class CheckinFacts:
    """The new check-in being evaluated."""

    checkin_id: str
    at: datetime
    score: Score


def _hit(checkin: CheckinFacts, rule: str, reason: str) -> RuleHit:
    return RuleHit(f"checkin:{checkin.checkin_id}:{rule}", rule, RULE_PRIORITY[rule], reason)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if abs(n) == 1 else f"{n} {noun}s"


def _points(n: int) -> str:
    return _count(n, "point")


def _day(at: datetime) -> str:
    return at.date().isoformat()


#: The suicide-risk rules ``safety_hits`` (and ``signal_hits``) can give.
SAFETY_RULES = ("imminent", "non_acute_positive", "suicidal_ideation")

#: The rules of the definitions' red flags (the post-session check's warning signs), every
#: version's: like the safety rules they need the check-in only, and their alerts are episodes.
RED_FLAG_RULES = tuple(sorted({flag.rule for d in every_version() for flag in d.red_flags}))

#: Priorities whose hits leave the phone at once, before the check-in is finished.
SIGNAL_PRIORITIES = ("imminent", "urgent")

#: Every rule that needs nothing but the check-in: raised at submit, joined by the finished
#: check-in when its safety signal raised it first.
CHECKIN_ONLY_RULES = SAFETY_RULES + RED_FLAG_RULES

#: Rules whose alert is a positive safety screen, with the words of its flag. Such an alert
#: is a red flag (stored on it as ``alerts.red_flag``): the patient's panel row and page keep
#: showing it whatever later scores say, until it is resolved and for the clinic's
#: ``risk_flag_days`` after. The definitions' red flags above routine (the post-session
#: check's warning signs) are flagged too, with their words here or the default words; and
#: of the home-dosing signals, the two about the patient rather than the gate: not feeling
#: safe after a dose, and a dose taken against the plan (a held dose is the gate working, and
#: a missed after-dose check stays an open alert until someone calls).
RED_FLAG_WORDS: dict[str, str] = {
    "imminent": "ASQ acute positive",
    "non_acute_positive": "ASQ positive",
    "suicidal_ideation": "Item 9 positive",
    "bp_crisis_signs": "Blood-pressure warning sign",
    "dissociation_next_day": "Still detached next day",
    "sedation_next_day": "Very sleepy next day",
    "drove_on_treatment_day": "Drove on treatment day",
    "bladder_symptoms": "Bladder symptoms",
    "craving": "Craving",
    "dose_unsafe": "Not safe after a home dose",
    "dose_misuse": "Dose against the plan",
}
#: The definitions' red flags that keep a risk flag: all but the routine ones.
_FLAGGED_RED_FLAGS = frozenset(
    flag.rule for d in every_version() for flag in d.red_flags if flag.priority != "routine"
)
#: Words of a red flag whose rule has none of its own.
RED_FLAG_DEFAULT_WORDS = "Positive safety screen"


def is_red_flag(rule: str) -> bool:
    """Whether an alert of ``rule`` keeps a risk flag until resolved (see RED_FLAG_WORDS)."""
    return rule in RED_FLAG_WORDS or rule in SAFETY_RULES or rule in _FLAGGED_RED_FLAGS


def red_flag_words(rule: str) -> str:
    """The flag's words: "Item 9 positive"."""
    return RED_FLAG_WORDS.get(rule, RED_FLAG_DEFAULT_WORDS)


def safety_hits(
    definition: Definition, checkin: CheckinFacts, settings: RuleSettings | None = None
) -> list[RuleHit]:
    """`imminent`, `non_acute_positive` (the ASQ's), `suicidal_ideation` and the red flags of
    the definition: they need the check-in only, never its history."""
    settings = settings or RuleSettings()
    safety = checkin.score.safety
    name = definition.short_title
    hits = []
    if checkin.score.result == "imminent" or safety.level == "imminent":
        hits.append(_hit(checkin, "imminent", f"{name}: thoughts of killing themselves right now."))
    elif checkin.score.result == "non_acute_positive":
        hits.append(
            _hit(
                checkin,
                "non_acute_positive",
                f"{name}: non-acute positive screen (potential risk); "
                "a brief suicide safety assessment is needed.",
            )
        )
    positive = [r.link_id for r in definition.safety_rules if r.level == "positive"]
    endorsed = [link_id for link_id in safety.items if link_id in positive]
    if endorsed:
        numbers = ", ".join(link_id.rsplit("_", 1)[-1] for link_id in endorsed)
        hits.append(
            _hit(
                checkin,
                "suicidal_ideation",
                f"{name} item {numbers} (thoughts of death or self-harm) endorsed.",
            )
        )
    hits.extend(_red_flag_hits(definition, checkin))
    return hits


def _red_flag_hits(definition: Definition, checkin: CheckinFacts) -> list[RuleHit]:
    """A hit per red flag the score names, with the flag's own priority and reason."""
    hits = []
    for flag in definition.red_flags:
        if flag.rule not in checkin.score.red_flags:
            continue
        reason = f"{definition.short_title}: {flag.reason}"
        if flag.call_now is not None and checkin.score.call_now:
            reason += "; there now: the patient was shown 'call 911 now'"
        key = f"checkin:{checkin.checkin_id}:{flag.rule}"
        hits.append(RuleHit(key, flag.rule, flag.priority, reason + "."))
    return hits


def is_pressing(definition: Definition, score: Score) -> bool:
    """A safety item endorsed, or a red flag of a signal priority raised: such answers are
    never held back (check-in limits) nor refused for their time."""
    pressing = {f.rule for f in definition.red_flags if f.priority in SIGNAL_PRIORITIES}
    return score.safety.endorsed or bool(pressing.intersection(score.red_flags))


def signal_hits(
    definition: Definition,
    checkin_id: str,
    at: datetime,
    answers: Mapping[str, object],
    settings: RuleSettings | None = None,
) -> list[RuleHit]:
    """The safety hits of a check-in's answers so far (validated, possibly incomplete).

    Keyed on the check-in's own id, as the finished check-in's will be, so that it joins the
    alert. Only what the answers given already decide (the outcome waits for the end), and of
    the red flags only the urgent ones (``SIGNAL_PRIORITIES``): the rest go with the finished
    check-in.
    """
    pressing = {f.rule for f in definition.red_flags if f.priority in SIGNAL_PRIORITIES}
    score = Score(
        total=None,
        severity=None,
        severity_label=None,
        safety=evaluate_safety(definition, answers),
        applied=(),
        instrument=definition.code,
        red_flags=tuple(r for r in evaluate_red_flags(definition, answers) if r in pressing),
        call_now=call_now(definition, answers),
    )
    return safety_hits(definition, CheckinFacts(checkin_id, at, score), settings)


#: How a threshold's basis reads in an alert's reason.
BASIS_WORDS = {
    "mcid": "the minimal clinically important difference",
    "rci": "the reliable change index",
    "between": "the clinic's setting between the MCID and the reliable change index",
}


def _worsening(
    definition: Definition,
    checkin: CheckinFacts,
    prior: list[TrendPoint],
    course: list[TrendPoint],
    threshold: int | None,
) -> RuleHit | None:
    """A rise of at least the threshold against the latest check-in, and against the course
    low, each at least the retest interval earlier: one-day noise raises nothing."""
    total = checkin.score.total
    if threshold is None or total is None:
        return None
    current = TrendPoint(checkin.checkin_id, checkin.at, total)
    spaced = spaced_before(definition, prior, current)
    previous = spaced[-1] if spaced else None
    low = spaced_before(definition, course, current)
    nadir = min(reversed(low), key=lambda p: p.total) if low else None
    name = definition.short_title
    parts = []
    if previous is not None and total - previous.total >= threshold:
        parts.append(f"rose {_points(total - previous.total)} since {_day(previous.at)}")
    if (
        nadir is not None
        and total - nadir.total >= threshold
        and (previous is None or nadir.checkin_id != previous.checkin_id)
    ):
        above = _points(total - nadir.total)
        parts.append(f"is {above} above its course low of {nadir.total} on {_day(nadir.at)}")
    if not parts:
        return None
    basis = BASIS_WORDS[definition.threshold_basis(threshold)]
    return _hit(
        checkin, "worsening", f"{name} {' and '.join(parts)} (threshold {threshold}, {basis})"
    )


def _severe(
    definition: Definition, checkin: CheckinFacts, previous: TrendPoint | None
) -> RuleHit | None:
    band = definition.most_severe_band
    total = checkin.score.total
    if band is None or total is None or not band.contains(total):
        return None
    if previous is not None and band.contains(previous.total):
        return None  # already there: only entering the band is news
    since = f"up from {previous.total} on {_day(previous.at)}" if previous else "first check-in"
    where = f"the {band.label.lower()} band ({band.min}-{band.max}; {since})"
    reason = f"{definition.short_title} {total} is in {where}"
    return _hit(checkin, "severe", reason)


def _percent(fraction: Fraction) -> str:
    """Round toward zero so a value just under the line never prints as the line itself."""
    tenths = math.floor(abs(fraction) * 1000) / 10
    return f"{tenths:g} %"


def _not_on_track(
    definition: Definition,
    checkin: CheckinFacts,
    course: list[TrendPoint],
    settings: RuleSettings,
    course_start: datetime | None,
    sessions: int,
    now: datetime,
) -> RuleHit | None:
    total = checkin.score.total
    if total is None or len(course) < 2 or course[-1].checkin_id != checkin.checkin_id:
        return None
    baseline = course[0]
    cutoff = definition.remission_below or 1
    # Nothing to get better from (baseline below the remission cutoff), or there already.
    if baseline.total < cutoff or total < cutoff:
        return None
    start = course_start or baseline.at
    elapsed = now - start
    if (
        elapsed < timedelta(weeks=settings.not_on_track_weeks)
        and sessions < settings.not_on_track_sessions
    ):
        return None
    improvement = Fraction(baseline.total - total, baseline.total)
    expected = Fraction(str(settings.not_on_track_min_improvement))
    if improvement >= expected:
        return None
    if improvement > 0:
        change = f"only {_percent(improvement)} below"
    elif improvement < 0:
        change = f"{_percent(improvement)} above"
    else:
        change = "no lower than"
    weeks = elapsed.days // 7
    reason = (
        f"{definition.short_title} {total} is {change} baseline {baseline.total} "
        f"({_day(baseline.at)}) after {_count(weeks, 'week')} and {_count(sessions, 'session')} "
        f"(expected at least {_percent(expected)} below)"
    )
    return _hit(checkin, "not_on_track", reason)


def evaluate_checkin(
    definition: Definition,
    checkin: CheckinFacts,
    history: Sequence[TrendPoint],
    settings: RuleSettings,
    course_start: datetime | None = None,
    sessions_in_course: int = 0,
    now: datetime | None = None,
    baseline_lookback: timedelta = BASELINE_LOOKBACK,
) -> list[RuleHit]:
    """All hits for a new check-in, most pressing first; `history` excludes it.

    `now` defaults to the check-in's time so that a replay later gives the same hits.
    """
    hits = safety_hits(definition, checkin, settings)
    total = checkin.score.total
    if definition.scored and total is not None:
        mark = (checkin.at, checkin.checkin_id)
        prior = sorted(
            (
                p
                for p in history
                if p.checkin_id != checkin.checkin_id and (p.at, p.checkin_id) < mark
            ),
            key=lambda p: (p.at, p.checkin_id),
        )
        current = TrendPoint(checkin.checkin_id, checkin.at, total, checkin.score.safety.endorsed)
        course = course_points([*prior, current], course_start, baseline_lookback)
        previous = prior[-1] if prior else None
        earlier = [p for p in course if p.checkin_id != checkin.checkin_id]
        threshold = settings.threshold(definition)
        found = [
            _worsening(definition, checkin, prior, earlier, threshold)
            if settings.worsening
            else None,
            _severe(definition, checkin, previous) if settings.severe else None,
            _not_on_track(
                definition,
                checkin,
                course,
                settings,
                course_start,
                sessions_in_course,
                now or checkin.at,
            )
            if settings.not_on_track
            else None,
        ]
        hits.extend(hit for hit in found if hit is not None)
    return sorted(hits, key=lambda hit: (priority_rank(hit.priority), hit.rule))


def missed_checkin(
    patient_key: str, due_at: datetime, now: datetime, settings: RuleSettings
) -> RuleHit | None:
    """A routine hit when a due check-in is more than `missed_checkins_days` days late.

    `patient_key` must be unique across clinics (the patient's id, not a per-clinic ref):
    the hit's key is what makes the alert unique.
    """
    days = settings.missed_checkins_days
    late = now - due_at
    if not settings.missed_checkins or late <= timedelta(days=days):
        return None
    return RuleHit(
        key=f"missed:{patient_key}:{due_at.isoformat()}",
        rule="missed_checkins",
        priority=RULE_PRIORITY["missed_checkins"],
        reason=f"Check-in due {_day(due_at)} is {late.days} days late (threshold {days} days)",
    )
