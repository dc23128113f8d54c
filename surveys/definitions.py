"""Load instrument definitions from `surveys/instruments/*.json`, validated on load."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import jsonschema

from surveys.errors import DefinitionError, UnknownInstrument
from surveys.model import (
    Band,
    Comparison,
    Condition,
    Definition,
    Item,
    Option,
    OutcomeRule,
    RedFlag,
    SafetyRule,
)

PACKAGE_DIR = Path(__file__).resolve().parent
INSTRUMENTS_DIR = PACKAGE_DIR / "instruments"
SCHEMA_PATH = PACKAGE_DIR / "schema" / "instrument.schema.json"


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _field(path: Iterable[Any]) -> str:
    """Render a JSON path as `items[8].options[2].value`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_definition_file(path: str | Path) -> Definition:
    """Read, schema-validate and cross-check one definition file."""
    path = Path(path)
    name = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(name, "", f"cannot read the file ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise DefinitionError(name, "", f"not valid JSON: {exc}") from exc
    return build_definition(data, name)


def build_definition(data: Any, name: str = "<definition>") -> Definition:
    """Validate a parsed definition against the schema and its own cross-references."""
    errors = list(_validator().iter_errors(data))
    if errors:
        # The deepest error is the most precise one ("items[3].options[0].loinc"), so report it;
        # inside oneOf/anyOf, best_match picks the branch that came closest.
        best = max(errors, key=lambda e: len(e.absolute_path))
        while best.context:
            best = jsonschema.exceptions.best_match(best.context)
        message = best.message if len(best.message) <= 200 else best.message[:197] + "..."
        raise DefinitionError(name, _field(list(best.absolute_path)), message)
    _check_semantics(data, name)
    return _build(data, name)


def _check_semantics(data: dict[str, Any], name: str) -> None:
    """Checks a JSON Schema cannot express: references, option values, score range, bands."""

    def fail(field: str, problem: str) -> NoReturn:
        raise DefinitionError(name, field, problem)

    if data["kind"] != "validated" and not data.get("notice"):
        fail("notice", f"a {data['kind']} must say that it is not a validated instrument")
    if data["language"] != "en" and not data.get("text_source"):
        fail("text_source", "a translation must name the official published translation it uses")

    items: dict[str, dict[str, Any]] = {}
    loincs: set[str] = set()
    for i, item in enumerate(data["items"]):
        link_id = item["link_id"]
        if link_id in items:
            fail(f"items[{i}].link_id", f"duplicate link_id {link_id!r}")
        if item.get("loinc") in loincs:
            fail(f"items[{i}].loinc", f"LOINC code {item['loinc']} is used twice")
        if item.get("loinc"):
            loincs.add(item["loinc"])
        for key, kind in (("options", "choice"), ("max_length", "text"), ("enable_when", "choice")):
            if key in item and item["type"] != kind:
                fail(f"items[{i}].{key}", f"not allowed on a {item['type']} item")
        values = [o["value"] for o in item.get("options", [])]
        if len(set(values)) != len(values):
            fail(f"items[{i}].options", "option values are not unique")
        if item.get("enable_when"):
            _check_condition(items, item["enable_when"], f"items[{i}].enable_when", fail)
        items[link_id] = item

    scoring = data["scoring"]
    bands = data["bands"]
    if scoring is None:
        if bands or data["change"] is not None:
            fail("scoring", "bands and change thresholds need a scoring block")
        if data["loinc"] and data["loinc"]["total"]:
            fail("loinc.total", "a total code needs a scoring block")
    else:
        low = high = 0
        for j, link_id in enumerate(scoring["items"]):
            item = items.get(link_id)
            where = f"scoring.items[{j}]"
            if item is None:
                fail(where, f"unknown link_id {link_id!r}")
            elif item["type"] != "choice" or not item["required"] or item.get("enable_when"):
                fail(where, f"{link_id!r} must be a required, unconditional choice item")
            else:
                low += min(o["value"] for o in item["options"])
                high += max(o["value"] for o in item["options"])
        if len(set(scoring["items"])) != len(scoring["items"]):
            fail("scoring.items", "an item is listed twice")
        if (scoring["min"], scoring["max"]) != (low, high):
            fail("scoring", f"min/max must be {low}/{high}, the sums of the option values")
        _check_bands(bands, low, high, fail)
        remission = scoring["remission_below"]
        if remission and not low < remission["value"] <= high:
            fail("scoring.remission_below.value", f"must be within {low + 1}..{high}")
        measurable = scoring["measurable_baseline_above"]
        if measurable and not low <= measurable["value"] < high:
            fail("scoring.measurable_baseline_above.value", f"must be within {low}..{high - 1}")
        _check_change(data["change"], high - low, fail)

    for k, rule in enumerate(data["safety"]):
        item = items.get(rule["link_id"])
        if item is None or item["type"] != "choice":
            fail(f"safety[{k}].link_id", f"{rule['link_id']!r} is not a choice item")
        test = Comparison.from_json(rule["endorsed_if"])
        hits = [test.holds(o["value"]) for o in item["options"]]
        if all(hits) or not any(hits):
            fail(f"safety[{k}].endorsed_if", "must be true for some answers and false for others")

    if data["outcome"]:
        for k, rule in enumerate(data["outcome"]["rules"]):
            _check_condition(items, rule["when"], f"outcome.rules[{k}].when", fail)

    _check_red_flags(data.get("red_flags", []), items, fail)


Fail = Callable[[str, str], NoReturn]

#: Rule names the code itself gives (surveys.rules): a red flag may not take one.
BUILT_IN_RULES = frozenset(
    {"imminent", "non_acute_positive", "suicidal_ideation", "worsening", "severe"}
    | {"not_on_track", "missed_checkins"}
)


def _check_red_flags(flags: list[dict[str, Any]], items: dict[str, dict[str, Any]], fail: Fail):
    """Red flags look at choice items, can fire and not fire, and have names of their own;
    a ``call_now`` is a narrower case of its flag's ``when`` (never a screen without an alert)."""
    names: set[str] = set()
    for k, flag in enumerate(flags):
        where = f"red_flags[{k}]"
        if flag["rule"] in BUILT_IN_RULES or flag["rule"] in names:
            fail(f"{where}.rule", f"{flag['rule']!r} is already a rule's name")
        names.add(flag["rule"])
        _check_condition(items, flag["when"], f"{where}.when", fail)
        when = Condition.from_json(flag["when"])
        if all(when.comparison.holds(o["value"]) for i in when.any_of for o in items[i]["options"]):
            fail(f"{where}.when", "must be false for some answers")
        if flag.get("call_now"):
            _check_condition(items, flag["call_now"], f"{where}.call_now", fail)
            narrower = Condition.from_json(flag["call_now"])
            for link_id in narrower.any_of:
                values = [o["value"] for o in items[link_id]["options"]]
                if link_id not in when.any_of or any(
                    narrower.comparison.holds(v) and not when.comparison.holds(v) for v in values
                ):
                    fail(f"{where}.call_now", f"{link_id!r}: must only hold where `when` holds")


def _check_condition(
    earlier: dict[str, dict[str, Any]], cond: dict[str, Any], where: str, fail: Fail
) -> None:
    """A condition may only look at choice items that come before it and can satisfy it."""
    test = Comparison.from_json(cond)
    for j, link_id in enumerate(cond["any_of"]):
        item = earlier.get(link_id)
        if item is None or item["type"] != "choice":
            fail(f"{where}.any_of[{j}]", f"{link_id!r} is not an earlier choice item")
        if not any(test.holds(o["value"]) for o in item["options"]):
            fail(where, f"no answer of {link_id!r} can satisfy it")


def _value(sourced: dict[str, Any] | None) -> int | None:
    """The number of a sourced figure (``{"value", "source", "basis"}``), None if absent."""
    return sourced["value"] if sourced else None


def _check_change(change: dict[str, Any] | None, span: int, fail: Fail) -> None:
    """The MCID is at most the reliable change index (a clinic tunes between the two), and
    both fit in the score range: a threshold no total can reach would raise nothing."""
    if change is None:
        return
    if change["mcid"] is None:
        fail("change.mcid", "an instrument with change thresholds needs its MCID")
        return
    mcid = change["mcid"]["value"]
    rci = change["reliable_change_index"]
    if mcid > span:
        fail("change.mcid.value", f"must be at most {span}, the score range")
    if rci and not mcid <= rci["value"] <= span:
        fail("change.reliable_change_index.value", f"must be within {mcid}..{span}")


def _check_bands(bands: list[dict[str, Any]], low: int, high: int, fail: Fail) -> None:
    """Bands must tile the score range exactly, in order, with no gap or overlap; an
    instrument with no published bands (Waypoint's own mood rating) has none."""
    if not bands:
        return
    expected = low
    for k, band in enumerate(bands):
        if band["min"] != expected or band["max"] < band["min"]:
            fail(f"bands[{k}]", f"expected a band starting at {expected}")
        expected = band["max"] + 1
    if expected != high + 1:
        fail("bands", f"bands must end at the maximum score {high}")
    codes = [band["code"] for band in bands]
    if len(set(codes)) != len(codes):
        fail("bands", "band codes are not unique")


def _build(data: dict[str, Any], name: str) -> Definition:
    items = tuple(
        Item(
            link_id=raw["link_id"],
            text=raw["text"],
            type=raw["type"],
            required=raw["required"],
            loinc=raw.get("loinc"),
            options=tuple(
                Option(o["value"], o["text"], o.get("loinc"), o.get("loinc_display"))
                for o in raw.get("options", [])
            ),
            max_length=raw.get("max_length"),
            enable_when=Condition.from_json(raw["enable_when"]) if raw.get("enable_when") else None,
            help=raw.get("help"),
        )
        for raw in data["items"]
    )
    scoring = data["scoring"] or {}
    outcome = data["outcome"]
    outcome_rules: tuple[OutcomeRule, ...] = ()
    if outcome:
        outcome_rules = tuple(
            OutcomeRule(r["result"], r["label"], Condition.from_json(r["when"]))
            for r in outcome["rules"]
        ) + (OutcomeRule(outcome["otherwise"]["result"], outcome["otherwise"]["label"], None),)
    loinc = data["loinc"] or {}
    change = data["change"] or {}
    return Definition(
        code=data["code"],
        version=data["version"],
        title=data["title"],
        short_title=data["short_title"],
        kind=data["kind"],
        data=data,
        items=items,
        scored_item_ids=tuple(scoring.get("items", ())),
        score_min=scoring.get("min"),
        score_max=scoring.get("max"),
        bands=tuple(Band(b["code"], b["label"], b["min"], b["max"]) for b in data["bands"]),
        mcid=_value(change.get("mcid")),
        reliable_change_index=_value(change.get("reliable_change_index")),
        retest_interval_days=_value(change.get("retest_interval_days")),
        remission_below=_value(scoring.get("remission_below")),
        response_percent=(scoring.get("response_reduction") or {}).get("percent"),
        measurable_above=_value(scoring.get("measurable_baseline_above")),
        safety_rules=tuple(
            SafetyRule(
                r["link_id"], Comparison.from_json(r["endorsed_if"]), r["level"], r.get("follow_up")
            )
            for r in data["safety"]
        ),
        outcome_rules=outcome_rules,
        loinc_panel=loinc.get("panel"),
        loinc_total=loinc.get("total"),
        path=name,
        red_flags=tuple(
            RedFlag(
                rule=f["rule"],
                priority=f["priority"],
                when=Condition.from_json(f["when"]),
                reason=f["reason"],
                call_now=Condition.from_json(f["call_now"]) if f.get("call_now") else None,
            )
            for f in data.get("red_flags", [])
        ),
    )


@dataclass(frozen=True)
class Catalogue:
    """The definitions of a directory: the current one of each code, and earlier versions
    kept so that check-ins answered on them are still read with the questions they had."""

    current: Mapping[str, Definition]
    earlier: Mapping[tuple[str, str], Definition]


def load_directory(directory: str | Path) -> dict[str, Definition]:
    """Load every `*.json` in a directory and check the files against each other; the
    current definition of each code (earlier versions: ``load_catalogue``)."""
    return dict(load_catalogue(directory).current)


def load_catalogue(directory: str | Path) -> Catalogue:
    """Every definition of a directory: ``{code}.json`` is the current version of ``code``,
    ``{code}-{version}.json`` an earlier one (it must be older and may share link ids only
    with its own instrument)."""
    found: dict[str, Definition] = {}
    earlier: dict[tuple[str, str], Definition] = {}
    owner: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.json")):
        definition = load_definition_file(path)
        archived = path.stem == f"{definition.code}-{definition.version}"
        if definition.code != path.stem and not archived:
            raise DefinitionError(str(path), "code", f"must match the file name {path.stem!r}")
        for link_id in definition.item_ids:
            if owner.setdefault(link_id, definition.code) != definition.code:
                # Unique link ids let the scorer say "these answers belong to GAD-7".
                raise DefinitionError(
                    str(path), "items", f"{link_id!r} is also in {owner[link_id]}"
                )
        if archived:
            earlier[(definition.code, definition.version)] = definition
        else:
            found[definition.code] = definition
    for (code, version), old in earlier.items():
        if code not in found or found[code].version == version:
            raise DefinitionError(old.path, "version", f"no newer current {code}.json")
    _check_red_flag_priorities([*found.values(), *earlier.values()])
    for definition in found.values():
        for k, rule in enumerate(definition.safety_rules):
            if rule.follow_up is not None and rule.follow_up not in found:
                raise DefinitionError(
                    definition.path, f"safety[{k}].follow_up", f"no instrument {rule.follow_up!r}"
                )
    return Catalogue(found, earlier)


def _check_red_flag_priorities(definitions: Iterable[Definition]) -> None:
    """One rule name, one priority everywhere: an episode of a rule never changes priority."""
    seen: dict[str, str] = {}
    for definition in definitions:
        for k, flag in enumerate(definition.red_flags):
            if seen.setdefault(flag.rule, flag.priority) != flag.priority:
                raise DefinitionError(
                    definition.path,
                    f"red_flags[{k}].priority",
                    f"{flag.rule!r} is {seen[flag.rule]} elsewhere",
                )


@functools.cache
def _catalogue() -> Catalogue:
    return load_catalogue(INSTRUMENTS_DIR)


def _shipped() -> Mapping[str, Definition]:
    return _catalogue().current


def all_definitions() -> dict[str, Definition]:
    """Every shipped definition by code (its current version), loaded and validated once."""
    return dict(_shipped())


def every_version() -> list[Definition]:
    """Every shipped definition, earlier versions included (for rules that read old check-ins)."""
    return [*_shipped().values(), *_catalogue().earlier.values()]


def get_definition(code: str, version: str | None = None) -> Definition:
    """The shipped definition with this code: the version a stored check-in was answered on
    when it is given and still kept, else the current one; raises UnknownInstrument."""
    try:
        earlier = _catalogue().earlier.get((code, version)) if version is not None else None
        return earlier or _shipped()[code]
    except (KeyError, TypeError):
        raise UnknownInstrument(code) from None


def instrument_of(link_id: str) -> str | None:
    """The code of the shipped instrument that owns this link_id (in any version), if any."""
    for definition in every_version():
        if link_id in definition.item_ids:
            return definition.code
    return None
