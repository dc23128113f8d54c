"""Validate and score one check-in's answers against an instrument definition."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from surveys.definitions import get_definition, instrument_of
from surveys.errors import AnswerError, UnknownInstrument
from surveys.model import SAFETY_LEVELS, Condition, Definition, Item

#: Key of `AnswerError.errors` for problems with the answers as a whole.
SCHEMA_KEY = "_schema"

_SAID = {"eq": "is {v}", "gt": "is above {v}", "gte": "is {v} or more"}


@dataclass(frozen=True)
class Safety:
    """Which safety items were endorsed, the highest level reached and the follow-up to ask."""

    endorsed: bool
    items: tuple[str, ...]
    level: str
    follow_up: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "endorsed": self.endorsed,
            "items": list(self.items),
            "level": self.level,
            "follow_up": self.follow_up,
        }


NO_SAFETY = Safety(endorsed=False, items=(), level="none", follow_up=None)


@dataclass(frozen=True)
class Score:
    """The result of scoring a complete, valid set of answers."""

    total: int | None
    severity: str | None
    severity_label: str | None
    safety: Safety
    applied: tuple[str, ...]
    result: str | None = None
    result_label: str | None = None
    instrument: str | None = None
    #: The rules of the red flags the answers raise, in the definition's order.
    red_flags: tuple[str, ...] = ()
    #: An answer calls for emergency services now (the app's "call 911 now" screen).
    call_now: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the API returns it."""
        return {
            "instrument": self.instrument,
            "total": self.total,
            "severity": self.severity,
            "severity_label": self.severity_label,
            "safety": self.safety.to_dict(),
            "applied": list(self.applied),
            "result": self.result,
            "result_label": self.result_label,
            "red_flags": list(self.red_flags),
            "call_now": self.call_now,
        }


def describe_condition(condition: Condition) -> str:
    """Plain words for a condition: 'any of phq9_1, phq9_2 is above 0'."""
    comparison = condition.comparison
    return f"any of {', '.join(condition.any_of)} {_SAID[comparison.op].format(v=comparison.value)}"


def _check_value(item: Item, value: object) -> str | None:
    """The error message for one present, non-null answer, or None when it is valid."""
    if item.type == "text":
        if not isinstance(value, str):
            return f"Must be text; got {value!r}."
        if not value.strip():
            return "Empty text: leave the answer out instead."
        if len(value) > (item.max_length or 0):
            return f"Too long: {len(value)} characters, at most {item.max_length}."
        return None
    # bool is an int subclass in Python; True is not a PHQ-9 answer.
    if isinstance(value, bool) or not isinstance(value, int):
        return f"Must be a whole number; got {value!r}."
    if value not in item.values:
        allowed = ", ".join(str(v) for v in sorted(item.values))
        return f"{value} is not an allowed answer; allowed: {allowed}."
    return None


def validate_answers(definition: Definition, answers: object) -> dict[str, int | str]:
    """Check completeness and ranges; return the answers to keep, or raise AnswerError."""
    name = definition.short_title
    if not isinstance(answers, Mapping):
        raise AnswerError(
            definition.code, {SCHEMA_KEY: ["Answers must be an object of {link_id: value}."]}
        )
    errors: dict[str, list[str]] = {}
    bad_keys = [key for key in answers if not isinstance(key, str)]
    if bad_keys:
        raise AnswerError(
            definition.code, {SCHEMA_KEY: [f"Question ids must be text; got {bad_keys[0]!r}."]}
        )
    own = set(definition.item_ids)
    foreign = {key: instrument_of(key) for key in answers if key not in own}
    others = {code for code in foreign.values() if code and code != definition.code}
    if others and not own.intersection(answers):
        listed = ", ".join(_title(code) for code in sorted(others))
        raise AnswerError(
            definition.code, {SCHEMA_KEY: [f"These answers are for {listed}, not {name}."]}
        )
    for key, code in foreign.items():
        errors[key] = [
            f"Belongs to {_title(code)}, not {name}." if code else f"Not a question of {name}."
        ]

    clean: dict[str, int | str] = {}
    for item in definition.items:
        value = answers.get(item.link_id)
        if item.enable_when is not None:
            if any(link_id in errors for link_id in item.enable_when.any_of):
                continue  # cannot tell whether it applies until those answers are fixed
            if not item.enable_when.holds(clean):
                if value is not None:
                    when = describe_condition(item.enable_when)
                    errors[item.link_id] = [f"Not asked here: it applies only when {when}."]
                continue
        if value is None:  # absent, or null from a client that skipped an optional question
            if item.required:
                errors[item.link_id] = ["Required: no answer was given."]
            continue
        problem = _check_value(item, value)
        if problem:
            errors[item.link_id] = [problem]
        else:
            clean[item.link_id] = value
    if errors:
        raise AnswerError(definition.code, errors)
    return clean


def validate_partial(definition: Definition, answers: object) -> dict[str, int | str]:
    """Check the answers given so far (none required, each known and in range), or raise.

    What a check-in still under way may hold: every key a question of this instrument, every
    value an allowed answer, a conditional question only where its condition holds on the
    answers given, and at least one answer.
    """
    name = definition.short_title
    if not isinstance(answers, Mapping) or not answers:
        raise AnswerError(
            definition.code, {SCHEMA_KEY: ["Give at least one answer as {link_id: value}."]}
        )
    errors: dict[str, list[str]] = {}
    for key in answers:
        if not isinstance(key, str):
            raise AnswerError(
                definition.code, {SCHEMA_KEY: [f"Question ids must be text; got {key!r}."]}
            )
        if key not in definition.item_ids:
            code = instrument_of(key)
            errors[key] = [
                f"Belongs to {_title(code)}, not {name}." if code else f"Not a question of {name}."
            ]
    clean: dict[str, int | str] = {}
    for item in definition.items:
        value = answers.get(item.link_id)
        if value is None:
            continue
        if item.enable_when is not None and not item.enable_when.holds(clean):
            when = describe_condition(item.enable_when)
            errors[item.link_id] = [f"Not asked here: it applies only when {when}."]
            continue
        problem = _check_value(item, value)
        if problem:
            errors[item.link_id] = [problem]
        else:
            clean[item.link_id] = value
    if errors:
        raise AnswerError(definition.code, errors)
    if not clean:
        raise AnswerError(definition.code, {SCHEMA_KEY: ["Give at least one answer."]})
    return clean


def _title(code: str) -> str:
    try:
        return get_definition(code).short_title
    except UnknownInstrument:
        return code


def evaluate_safety(definition: Definition, answers: Mapping[str, object]) -> Safety:
    """The safety block for (possibly partial) answers: the rule the patient app also runs."""
    endorsed = [
        rule
        for rule in definition.safety_rules
        if rule.endorsed_if.holds(answers.get(rule.link_id))
    ]
    if not endorsed:
        return NO_SAFETY
    level = max((rule.level for rule in endorsed), key=SAFETY_LEVELS.index)
    follow_up = next((rule.follow_up for rule in endorsed if rule.follow_up), None)
    items = tuple(dict.fromkeys(rule.link_id for rule in endorsed))
    return Safety(endorsed=True, items=items, level=level, follow_up=follow_up)


def evaluate_red_flags(definition: Definition, answers: Mapping[str, object]) -> tuple[str, ...]:
    """The rules of the red flags that (possibly partial) answers raise, in definition order:
    the rule the patient app also runs. Free text is never read."""
    return tuple(flag.rule for flag in definition.red_flags if flag.when.holds(answers))


def call_now(definition: Definition, answers: Mapping[str, object]) -> bool:
    """True when an answer calls for emergency services now (a red flag's ``call_now``): the
    app shows "call 911 now" at once, offline too."""
    return any(
        flag.call_now is not None and flag.call_now.holds(answers) for flag in definition.red_flags
    )


def evaluate_outcome(
    definition: Definition, answers: Mapping[str, object]
) -> tuple[str, str] | None:
    """The first matching result rule as (result, label), or None without result rules."""
    for rule in definition.outcome_rules:
        if rule.when is None or rule.when.holds(answers):
            return rule.result, rule.label
    return None


def score(definition: Definition, answers: Mapping[str, object]) -> Score:
    """Validate answers and return total, severity band, safety, applied conditionals and result."""
    clean = validate_answers(definition, answers)
    total = severity = severity_label = None
    if definition.scored:
        total = sum(int(clean[link_id]) for link_id in definition.scored_item_ids)
        band = definition.band_for(total)
        if band is not None:
            severity, severity_label = band.code, band.label
    applied = tuple(
        item.link_id
        for item in definition.items
        if item.enable_when is not None and item.enable_when.holds(clean)
    )
    outcome = evaluate_outcome(definition, clean)
    return Score(
        total=total,
        severity=severity,
        severity_label=severity_label,
        safety=evaluate_safety(definition, clean),
        applied=applied,
        result=outcome[0] if outcome else None,
        result_label=outcome[1] if outcome else None,
        instrument=definition.code,
        red_flags=evaluate_red_flags(definition, clean),
        call_now=call_now(definition, clean),
    )
