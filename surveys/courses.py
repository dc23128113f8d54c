"""Course plans: the phases of a ketamine or esketamine course, and where a patient is in them.

A plan is a list of phases in order, each a number of sessions (the last may be open-ended,
``sessions`` None: maintenance) at most ``interval_days`` apart. Where the patient stands is
computed from the dates of the sessions recorded (local dates in the clinic's time zone, so
a change of daylight saving time moves nothing), never stored: the phase, the session's
number in it, the next session due and the dates still planned, and two signals:

- ``induction_incomplete``: in a phase with a set number of sessions (induction,
  continuation), and no session for more than twice its interval: the patient has stopped
  coming before the series was done (about half of community patients do not complete six
  infusions, Osmind ORKA-2);
- ``booster_overdue``: in the open-ended maintenance phase, and the booster interval has
  passed by more than ``grace_days`` without a session.

Templates (docs/clinical.md, "Course plans"): the esketamine label's schedule (weeks 1-4 twice
weekly, weeks 5-8 weekly, then every 1-2 weeks) and the common IV series (six infusions over
about two weeks, then maintenance boosters). A clinic edits the numbers per course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .errors import SettingsError
from .rules import RULE_PRIORITY, RuleHit

PHASE_NAMES = ("induction", "continuation", "maintenance")
#: Bounds of a phase's numbers: far beyond practice, and small enough that dates exist.
MAX_SESSIONS = 60
MAX_INTERVAL_DAYS = 180
MAX_GRACE_DAYS = 60
#: How many future planned dates a schedule lists at most.
PLANNED_AHEAD = 12

TEMPLATES: dict[str, dict[str, Any]] = {
    # Esketamine (Spravato) label: twice weekly in weeks 1-4, weekly in weeks 5-8, then every
    # one or two weeks. "Twice weekly" is at most 4 days apart (Monday and Thursday).
    "esketamine_label": {
        "phases": [
            {"name": "induction", "sessions": 8, "interval_days": 4},
            {"name": "continuation", "sessions": 4, "interval_days": 7},
            {"name": "maintenance", "sessions": None, "interval_days": 14},
        ],
        "grace_days": 3,
    },
    # IV ketamine: 0.5 mg/kg over 40 minutes, often six infusions over about two weeks, then
    # boosters; the booster interval is the clinic's to set (four weeks to start with).
    "iv_series": {
        "phases": [
            {"name": "induction", "sessions": 6, "interval_days": 4},
            {"name": "maintenance", "sessions": None, "interval_days": 28},
        ],
        "grace_days": 7,
    },
}


@dataclass(frozen=True)
class Phase:
    name: str
    sessions: int | None
    interval_days: int


@dataclass(frozen=True)
class Plan:
    phases: tuple[Phase, ...]
    grace_days: int
    template: str | None = None

    def to_dict(self) -> dict:
        return {
            "template": self.template,
            "phases": [
                {"name": p.name, "sessions": p.sessions, "interval_days": p.interval_days}
                for p in self.phases
            ],
            "grace_days": self.grace_days,
        }


def _whole(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"{name} must be a whole number from {low} to {high}; got {value!r}.")
    return value


def plan_from_dict(data: dict) -> Plan:
    """A plan from stored or submitted JSON; SettingsError naming what is wrong."""
    template = data.get("template")
    if template is not None and template not in TEMPLATES:
        raise SettingsError(f"Unknown plan template {template!r}.")
    base = TEMPLATES[template] if template else {}
    phases_in = data.get("phases") or base.get("phases")
    if not phases_in:
        raise SettingsError("A plan has at least one phase.")
    if len(phases_in) > len(PHASE_NAMES):
        raise SettingsError(f"A plan has at most {len(PHASE_NAMES)} phases.")
    phases = []
    for n, raw in enumerate(phases_in):
        name = raw.get("name")
        if name not in PHASE_NAMES:
            raise SettingsError(f"phases.{n}.name must be one of {', '.join(PHASE_NAMES)}.")
        last = n == len(phases_in) - 1
        sessions = raw.get("sessions")
        if sessions is None and not last:
            raise SettingsError(f"phases.{n}.sessions: only the last phase may be open-ended.")
        if sessions is not None:
            sessions = _whole(sessions, f"phases.{n}.sessions", 1, MAX_SESSIONS)
        interval = _whole(
            raw.get("interval_days"), f"phases.{n}.interval_days", 1, MAX_INTERVAL_DAYS
        )
        phases.append(Phase(name, sessions, interval))
    names = [p.name for p in phases]
    if names != sorted(names, key=PHASE_NAMES.index) or len(set(names)) != len(names):
        raise SettingsError(
            "Phases come once each, in the order induction, continuation, maintenance."
        )
    grace = data.get("grace_days", base.get("grace_days", 7))
    grace = _whole(grace, "grace_days", 0, MAX_GRACE_DAYS)
    return Plan(tuple(phases), grace, template)


def stored_plan(data: dict | None) -> Plan | None:
    """A course's stored plan; None when none is set or when one an older version wrote no
    longer validates: such a course plans and signals nothing, and never fails an
    evaluation, the panel, a report or the schedule tick (plans are validated when saved)."""
    if not data:
        return None
    try:
        return plan_from_dict(data)
    except SettingsError:
        return None


@dataclass(frozen=True)
class PhaseSpan:
    """A phase as it happened or is planned: its sessions done and when it ran."""

    name: str
    planned: int | None
    done: int
    started_on: date | None
    ended_on: date | None  # the day of its last session, once all were given


@dataclass(frozen=True)
class Standing:
    """Where a patient is in their course's plan today."""

    phase: str | None  # None: every phase with a set number is done and no open one follows
    session_in_phase: int  # sessions given in the current phase
    next_due_on: date | None
    planned: tuple[date, ...]
    spans: tuple[PhaseSpan, ...]
    induction_incomplete: bool
    booster_overdue: bool
    days_overdue: int

    @property
    def signals(self) -> list[str]:
        return _signals(self)


@dataclass(frozen=True)
class Position:
    """Where a patient is in a plan, from the number of sessions given and the last one's day."""

    phase: Phase | None
    session_in_phase: int
    next_due_on: date | None
    days_overdue: int
    induction_incomplete: bool
    booster_overdue: bool

    @property
    def signals(self) -> list[str]:
        return _signals(self)


def _signals(at) -> list[str]:
    """The names of the signals that are on, in a fixed order."""
    flags = (
        ("induction_incomplete", at.induction_incomplete),
        ("booster_overdue", at.booster_overdue),
    )
    return [name for name, on in flags if on]


def position(plan: Plan, given: int, last: date | None, today: date) -> Position:
    """The phase, the sessions given in it, the next due and the signals (see the module)."""
    left = given
    for phase in plan.phases:
        if phase.sessions is None or left < phase.sessions:
            break
        left -= phase.sessions
    else:  # every phase had a set number and all are done
        return Position(None, 0, None, 0, False, False)
    next_due = last + timedelta(days=phase.interval_days) if last else today
    overdue = max(0, (today - next_due).days)
    stalled = (
        phase.sessions is not None
        and last is not None
        and (today - last).days > 2 * phase.interval_days
    )
    booster = phase.sessions is None and last is not None and overdue > plan.grace_days
    return Position(phase, left, next_due, overdue, stalled, booster)


def standing(plan: Plan, session_days: list[date], today: date) -> Standing:
    """Where the patient is in ``plan``, given the local dates of the course's sessions."""
    days = sorted(session_days)
    spans, index = [], 0
    for phase in plan.phases:
        take = (
            len(days) - index if phase.sessions is None else min(phase.sessions, len(days) - index)
        )
        given = days[index : index + take]
        complete = phase.sessions is not None and take == phase.sessions
        spans.append(
            PhaseSpan(
                phase.name,
                phase.sessions,
                take,
                given[0] if given else None,
                given[-1] if complete else None,
            )
        )
        index += take
    at = position(plan, len(days), days[-1] if days else None, today)
    if at.phase is None:
        return Standing(None, 0, None, (), tuple(spans), False, False, 0)
    return Standing(
        at.phase.name,
        at.session_in_phase,
        at.next_due_on,
        _planned(plan, at.phase, at.session_in_phase, at.next_due_on),
        tuple(spans),
        at.induction_incomplete,
        at.booster_overdue,
        at.days_overdue,
    )


def _planned(plan: Plan, current: Phase, in_phase: int, first: date) -> tuple[date, ...]:
    """The dates still planned from ``first`` on: the rest of this phase, then the next ones
    at their intervals (an open-ended phase: its next few), at most PLANNED_AHEAD."""
    out, day = [], first
    phases = list(plan.phases)
    start = phases.index(current)
    remaining = None if current.sessions is None else current.sessions - in_phase
    for n, phase in enumerate(phases[start:]):
        count = remaining if n == 0 else phase.sessions
        count = PLANNED_AHEAD if count is None else count
        for _ in range(count):
            if len(out) >= PLANNED_AHEAD:
                return tuple(out)
            if out:
                day = day + timedelta(days=phase.interval_days)
            out.append(day)
    return tuple(out)


def signal_hits(course_id: int, now_standing: Standing, last_day: date) -> list[RuleHit]:
    """The course's signals as rule hits, keyed on the course and its last session's day:
    one alert per gap, however often the tick looks."""
    hits = []
    spans = {span.name: span for span in now_standing.spans}
    for signal in now_standing.signals:
        if signal == "induction_incomplete":
            span = spans[now_standing.phase]
            reason = (
                f"{now_standing.phase.capitalize()} not completed: {span.done} of "
                f"{span.planned} sessions, none since {last_day:%d %b %Y}"
            )
        else:
            reason = (
                f"Booster overdue: due {now_standing.next_due_on:%d %b %Y}, "
                f"{now_standing.days_overdue} days ago"
            )
        hits.append(
            RuleHit(
                key=f"course:{course_id}:{signal}:{last_day.isoformat()}",
                rule=signal,
                priority=RULE_PRIORITY[signal],
                reason=reason,
            )
        )
    return hits
