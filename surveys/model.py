"""Typed, immutable views of an instrument definition (built by `surveys.definitions`)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

#: The comparison words the JSON may use, and what they mean.
COMPARATORS: dict[str, Callable[[int, int], bool]] = {
    "eq": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
}

#: Safety levels from least to most acute; a check-in's level is the highest endorsed one.
SAFETY_LEVELS: tuple[str, ...] = ("none", "positive", "non_acute_positive", "imminent")


@dataclass(frozen=True)
class Comparison:
    """`{"gte": 1}` in the JSON: compares one integer answer with a constant."""

    op: str
    value: int

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        """Build from a one-key mapping such as `{"gt": 0}` (the caller strips `any_of`)."""
        ((op, value),) = ((k, v) for k, v in data.items() if k in COMPARATORS)
        return cls(op, value)

    def holds(self, answer: object) -> bool:
        """True when `answer` is an int satisfying the comparison; anything else is False."""
        if isinstance(answer, bool) or not isinstance(answer, int):
            return False
        return COMPARATORS[self.op](answer, self.value)


@dataclass(frozen=True)
class Condition:
    """`{"any_of": [...], "gt": 0}`: true when any listed item's answer satisfies the comparison."""

    any_of: tuple[str, ...]
    comparison: Comparison

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Condition:
        """Build from the JSON form."""
        return cls(tuple(data["any_of"]), Comparison.from_json(data))

    def holds(self, answers: Mapping[str, object]) -> bool:
        """Evaluate against answers; an unanswered item never satisfies it."""
        return any(self.comparison.holds(answers.get(link_id)) for link_id in self.any_of)


@dataclass(frozen=True)
class Option:
    """One answer option of a choice item."""

    value: int
    text: str
    loinc: str | None = None
    #: LOINC's display of ``loinc`` where it differs from ``text`` (the printed form's words).
    loinc_display: str | None = None


@dataclass(frozen=True)
class Item:
    """One question: a choice among options (int answers) or free text (str answers)."""

    link_id: str
    text: str
    type: str
    required: bool
    loinc: str | None = None
    options: tuple[Option, ...] = ()
    max_length: int | None = None
    enable_when: Condition | None = None
    #: What the app shows under the question (a text item says who reads it, and when).
    help: str | None = None

    @property
    def values(self) -> tuple[int, ...]:
        """The allowed answer values, in the order shown."""
        return tuple(option.value for option in self.options)

    def option(self, value: int) -> Option:
        """The option with this value (the value must be valid)."""
        return next(option for option in self.options if option.value == value)


@dataclass(frozen=True)
class Band:
    """A severity band, inclusive at both ends."""

    code: str
    label: str
    min: int
    max: int

    def contains(self, total: int) -> bool:
        """True when `total` falls in this band."""
        return self.min <= total <= self.max


@dataclass(frozen=True)
class SafetyRule:
    """An answer that counts as a safety endorsement, with its level and follow-up instrument."""

    link_id: str
    endorsed_if: Comparison
    level: str
    follow_up: str | None = None


@dataclass(frozen=True)
class RedFlag:
    """An answer that raises an alert of its own rule and priority (the post-session check's
    warning signs); ``call_now``, when it holds too, is when the app shows "call 911 now"."""

    rule: str
    priority: str
    when: Condition
    reason: str
    call_now: Condition | None = None


@dataclass(frozen=True)
class OutcomeRule:
    """One step of an ordered result rule list; `when` is None for the final `otherwise`."""

    result: str
    label: str
    when: Condition | None


@dataclass(frozen=True, eq=False)
class Definition:
    """A validated instrument definition; `data` is the JSON served to clients (read-only)."""

    code: str
    version: str
    title: str
    short_title: str
    kind: str
    data: dict[str, Any]
    items: tuple[Item, ...]
    scored_item_ids: tuple[str, ...]
    score_min: int | None
    score_max: int | None
    bands: tuple[Band, ...]
    #: Minimal clinically important difference in points: the default change threshold.
    mcid: int | None
    #: Jacobson-Truax reliable change index in points: the largest threshold a clinic may pick.
    reliable_change_index: int | None
    #: Check-ins compared against a change threshold are at least this many days apart.
    retest_interval_days: int | None
    remission_below: int | None
    response_percent: int | None
    #: Response and remission count only from a baseline above this total (HEDIS: PHQ-9 > 9).
    measurable_above: int | None
    safety_rules: tuple[SafetyRule, ...]
    outcome_rules: tuple[OutcomeRule, ...]
    loinc_panel: str | None
    loinc_total: str | None
    path: str
    red_flags: tuple[RedFlag, ...] = ()

    @property
    def scored(self) -> bool:
        """True when the instrument has a total score."""
        return bool(self.scored_item_ids)

    @property
    def threshold_bounds(self) -> tuple[int, int] | None:
        """The change thresholds a clinic may choose: from the MCID to the reliable change index."""
        if self.mcid is None:
            return None
        return self.mcid, max(self.mcid, self.reliable_change_index or self.mcid)

    def threshold_basis(self, points: int) -> str:
        """What a threshold of ``points`` is: "mcid", "rci", or "between" the two."""
        if points == self.mcid:
            return "mcid"
        if points == self.reliable_change_index:
            return "rci"
        return "between"

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Every link_id in display order."""
        return tuple(item.link_id for item in self.items)

    @property
    def conditional_item_ids(self) -> tuple[str, ...]:
        """Link ids of items asked only when their `enable_when` holds."""
        return tuple(item.link_id for item in self.items if item.enable_when is not None)

    @property
    def most_severe_band(self) -> Band | None:
        """The last (most severe) band, or None for unscored instruments."""
        return self.bands[-1] if self.bands else None

    def item(self, link_id: str) -> Item:
        """The item with this link_id; raises KeyError if there is none."""
        for item in self.items:
            if item.link_id == link_id:
                return item
        raise KeyError(link_id)

    def band_for(self, total: int) -> Band | None:
        """The severity band containing `total`, or None when no band does."""
        if type(total) is int:  # a chart asks this of every point: look it up
            return self._band_by_total.get(total)
        return next((band for band in self.bands if band.contains(total)), None)

    @cached_property
    def _band_by_total(self) -> dict[int, Band]:
        """Every whole score a band contains, mapped to the first band containing it."""
        table: dict[int, Band] = {}
        for band in self.bands:
            for total in range(band.min, band.max + 1):
                table.setdefault(total, band)
        return table
