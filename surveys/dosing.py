"""At-home ketamine under remote supervision: the dose plan, and the gate a dose must pass.

The phone runs the same gate offline (``pwa/js/dosing.js``; parity: tests/browser/
test_dosing_parity.py), so both read one plan the same way. A plan is set by a clinician per
patient; its pre-dose limits default to the written safeguards clinics use for at-home
ketamine after the FDA's October 2023 warning: no dose if blood pressure is over 160/90 or the
heart rate over 100, a monitor present (a named one in the written agreements; the app
records the patient's yes or no), a capped number of doses per prescription, two
uninterrupted hours before the post-dose check (docs/clinical.md, "At-home dosing").

The gate answers whether a dose may be taken now and every reason it may not (all of them, so
that the patient is told everything at once):

- ``bp_high``: systolic above the plan's limit or diastolic above its limit;
- ``heart_rate_high``: heart rate above the plan's limit;
- ``monitor_absent``: the plan needs a monitor present and none is;
- ``new_symptoms``: the patient reports a new symptom (chest pain, a severe headache,
  confusion, trouble breathing) since the last dose;
- ``too_soon``: less than the plan's minimum interval since the last dose (``next_at`` says
  when it may be);
- ``weekly_max``: the plan's doses per week are used in the 7 days before now (a rolling
  window in absolute time: no time zone or daylight-saving change moves it);
- ``prescription_used``: every dose on the current prescription has been taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import SettingsError

FORMS = ("oral", "sublingual_troche", "sublingual_tablet", "subcutaneous")
REASONS = (
    "bp_high",
    "heart_rate_high",
    "monitor_absent",
    "new_symptoms",
    "too_soon",
    "weekly_max",
    "prescription_used",
)
WEEK = timedelta(days=7)

#: name -> (default, low, high): the plan's numbers and their bounds. A dose or an interval
#: beyond these is not a home-dosing plan any clinic writes.
PLAN_NUMBERS: dict[str, tuple[int | None, int, int]] = {
    "dose_mg": (None, 1, 1000),
    "min_interval_hours": (72, 12, 720),
    "max_per_week": (2, 1, 7),
    "doses_prescribed": (None, 1, 60),
    "systolic_max": (160, 120, 200),
    "diastolic_max": (90, 70, 120),
    "heart_rate_max": (100, 60, 140),
    "post_check_minutes": (120, 30, 480),
    "post_check_missed_minutes": (240, 60, 720),
}
#: Readings a home cuff can give; beyond these the reading is a mistake, not a vital sign.
VITAL_RANGES = {"systolic": (60, 260), "diastolic": (30, 160), "heart_rate": (30, 220)}


@dataclass(frozen=True)
class DosePlan:
    form: str
    dose_mg: int
    min_interval_hours: int
    max_per_week: int
    doses_prescribed: int
    systolic_max: int
    diastolic_max: int
    heart_rate_max: int
    monitor_required: bool
    post_check_minutes: int
    post_check_missed_minutes: int
    #: The person who stays with the patient during each dose, as the clinic's agreement
    #: names them; the phone asks for them by name. None: "your monitor".
    monitor_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def plan_from_dict(data: dict, defaults: dict | None = None) -> DosePlan:
    """A plan from submitted or stored JSON, blanks filled from ``defaults`` (the clinic's:
    ``RuleSettings.home_plan_defaults``) or else Waypoint's; SettingsError naming the field."""
    defaults = defaults or {}
    form = data.get("form")
    if form not in FORMS:
        raise SettingsError(f"form must be one of {', '.join(FORMS)}.")
    values: dict[str, Any] = {"form": form}
    for name, (default, low, high) in PLAN_NUMBERS.items():
        value = data.get(name, defaults.get(name, default))
        if value is None:
            raise SettingsError(f"{name} is required.")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise SettingsError(f"{name} must be a whole number from {low} to {high}.")
        values[name] = value
    monitor = data.get("monitor_required", defaults.get("monitor_required", True))
    if not isinstance(monitor, bool):
        raise SettingsError("monitor_required must be true or false.")
    values["monitor_required"] = monitor
    values["monitor_name"] = _monitor_name(data.get("monitor_name"))
    if values["post_check_missed_minutes"] <= values["post_check_minutes"]:
        raise SettingsError("post_check_missed_minutes must be later than post_check_minutes.")
    return DosePlan(**values)


#: The longest name a clinic writes for a patient's monitor ("Jordan Rivera (partner)").
MONITOR_NAME_MAX = 80


def _monitor_name(value) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise SettingsError("monitor_name must be text.")
    name = " ".join(value.split())
    if not name:
        return None
    if len(name) > MONITOR_NAME_MAX or not name.isprintable():
        raise SettingsError(
            f"monitor_name must be a name of at most {MONITOR_NAME_MAX} printable characters."
        )
    return name


def stored_plan(data: dict) -> DosePlan | None:
    """A stored plan, or None when one an older version wrote no longer validates (the
    server then holds every dose for a clinician's review instead of failing)."""
    try:
        return plan_from_dict(data)
    except SettingsError:
        return None


#: The post-dose check's times when a stored plan cannot be read: the defaults.
DEFAULT_POST_CHECK_MINUTES = PLAN_NUMBERS["post_check_minutes"][0]
DEFAULT_POST_CHECK_MISSED_MINUTES = PLAN_NUMBERS["post_check_missed_minutes"][0]


def vital_errors(vitals: dict) -> dict[str, list[str]]:
    """Readings a cuff cannot give, by field (the API refuses them with a 422)."""
    errors = {}
    for name, (low, high) in VITAL_RANGES.items():
        value = vitals.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [f"Must be a whole number from {low} to {high}."]
    if not errors and vitals["diastolic"] >= vitals["systolic"]:
        errors["diastolic"] = ["Must be lower than the systolic (upper) number."]
    return errors


@dataclass(frozen=True)
class Gate:
    ok: bool
    reasons: tuple[str, ...]
    next_at: datetime | None  # when the interval allows the next dose (too_soon)


def gate(
    plan: DosePlan,
    vitals: dict,
    monitor_present: bool,
    new_symptoms: bool,
    doses: list[datetime],
    now: datetime,
    used: int | None = None,
) -> Gate:
    """May a dose be taken at ``now``? ``doses``: when the earlier doses were taken (the ones
    the gate let through, and any reported outside the app); ``used``: how many of them are on
    the current prescription (all of them if not given, as the phone counts).

    Counted in elapsed time: the instants are taken in UTC first, since Python adds a
    timedelta to an aware datetime on its wall clock (72 hours after 9:00 the day before a
    fall-back night would be 73 real hours)."""
    now = now.astimezone(UTC)
    doses = [at.astimezone(UTC) for at in doses]
    reasons = []
    if vitals["systolic"] > plan.systolic_max or vitals["diastolic"] > plan.diastolic_max:
        reasons.append("bp_high")
    if vitals["heart_rate"] > plan.heart_rate_max:
        reasons.append("heart_rate_high")
    if plan.monitor_required and not monitor_present:
        reasons.append("monitor_absent")
    if new_symptoms:
        reasons.append("new_symptoms")
    next_at = None
    if doses:
        next_at = max(doses) + timedelta(hours=plan.min_interval_hours)
        if now < next_at:
            reasons.append("too_soon")
        else:
            next_at = None
    if sum(1 for at in doses if now - WEEK < at <= now) >= plan.max_per_week:
        reasons.append("weekly_max")
    if (len(doses) if used is None else used) >= plan.doses_prescribed:
        reasons.append("prescription_used")
    return Gate(not reasons, tuple(reasons), next_at)
