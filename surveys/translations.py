"""Instruments in other languages: a published translation laid over the English definition.

A translation (``instruments/{language}/{code}.json``) holds words only: the published
wording of every item and option, the stem, the recall period, and Waypoint's own words
for the band labels. Everything that scores (items, option values, scoring, bands,
safety, outcome, red flags) comes from the English definition of the same version, so a
translation can never score differently; the merged definition is validated like any
other. An item whose translation could not be verified word for word is listed under
``untranslated`` with the reason and stays in English, marked ``"language": "en"``.
An instrument with no translation file is not offered in that language at all: the
English definition is served and the app says so (docs/clinical.md, "Spanish versions").
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

from surveys.definitions import INSTRUMENTS_DIR, _catalogue, build_definition
from surveys.errors import DefinitionError
from surveys.model import Definition

#: The languages the patient app speaks; the first is the instruments' own.
LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = LANGUAGES[0]

#: The keys a translation may carry (anything else is a mistake, refused on load).
_KEYS = {
    "code",
    "version",
    "language",
    "text_source",
    "copyright",
    "title",
    "notice",
    "recall_period",
    "preamble",
    "items",
    "bands",
    "band_source",
    "untranslated",
}


def _overlay(english: dict[str, Any], words: dict[str, Any], name: str) -> dict[str, Any]:
    """The English definition with the translation's words in place; refuses gaps."""

    def fail(field: str, problem: str):
        raise DefinitionError(name, field, problem)

    extra = set(words) - _KEYS
    if extra:
        fail(sorted(extra)[0], "not a key a translation may have")
    for key in ("code", "version", "language", "text_source", "items"):
        if key not in words:
            fail(key, "required")
    if words["code"] != english["code"] or words["version"] != english["version"]:
        fail("version", f"must translate {english['code']} {english['version']}")
    if words["language"] not in LANGUAGES[1:]:
        fail("language", f"must be one of {', '.join(LANGUAGES[1:])}")
    data = copy.deepcopy(english)
    data["language"] = words["language"]
    data["text_source"] = words["text_source"]
    for key in ("copyright", "title", "notice", "preamble", "band_source"):
        if key in words:
            data[key] = words[key]
    if "recall_period" in words:
        data["recall_period"] = {**data["recall_period"], "text": words["recall_period"]}
    untranslated = words.get("untranslated", {})
    data["untranslated"] = dict(untranslated)
    link_ids = {item["link_id"] for item in data["items"]}
    for link_id in [*words["items"], *untranslated]:
        if link_id not in link_ids:
            fail(f"items.{link_id}", "no such item in the English definition")
    for item in data["items"]:
        link_id = item["link_id"]
        given = words["items"].get(link_id)
        if given is None:
            if link_id not in untranslated:
                fail(f"items.{link_id}", "missing: translate it or list it under untranslated")
            item["language"] = DEFAULT_LANGUAGE
            continue
        if link_id in untranslated:
            fail(f"untranslated.{link_id}", "both translated and listed as untranslated")
        item["text"] = given["text"]
        if "help" in item or "help" in given:
            if "help" not in given or "help" not in item:
                fail(f"items.{link_id}.help", "the help must be translated with its item")
            item["help"] = given["help"]
        options = given.get("options", {})
        values = {str(o["value"]) for o in item.get("options", [])}
        if set(options) != values:
            fail(f"items.{link_id}.options", f"must give the text of exactly {sorted(values)}")
        for option in item.get("options", []):
            option["text"] = options[str(option["value"])]
    bands = words.get("bands", {})
    if set(bands) != {band["code"] for band in data["bands"]}:
        fail("bands", "must give the label of every band, and only those")
    for band in data["bands"]:
        band["label"] = bands[band["code"]]
    return data


def translation_path(code: str, language: str) -> Path:
    """Where the translation of ``code`` into ``language`` lives (it may not exist)."""
    return INSTRUMENTS_DIR / language / f"{code}.json"


def load_translation(english: Definition, path: str | Path) -> Definition:
    """The translated definition of ``english`` from a translation file, validated."""
    path = Path(path)
    try:
        words = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DefinitionError(str(path), "", f"cannot read the translation ({exc})") from exc
    if not isinstance(words, dict):
        raise DefinitionError(str(path), "", "a translation is a JSON object")
    return build_definition(_overlay(english.data, words, str(path)), str(path))


@functools.cache
def _translated(code: str, version: str, language: str) -> Definition | None:
    english = _catalogue().current.get(code)
    if english is None or english.version != version:
        return None
    path = translation_path(code, language)
    return load_translation(english, path) if path.exists() else None


def translated(definition: Definition, language: str) -> Definition:
    """``definition`` in ``language`` where a verified translation exists, else itself (its
    ``language`` says which one the patient is asked in). Only current versions have one."""
    if language == definition.data["language"] or language not in LANGUAGES:
        return definition
    return _translated(definition.code, definition.version, language) or definition


def languages_of(definition: Definition) -> tuple[str, ...]:
    """The languages this definition can be asked in."""
    return tuple(
        language
        for language in LANGUAGES
        if translated(definition, language).data["language"] == language
    )


def every_translation() -> list[Definition]:
    """Every shipped translation (for the checks that compare them with the English)."""
    found = []
    for definition in _catalogue().current.values():
        for language in LANGUAGES[1:]:
            other = translated(definition, language)
            if other is not definition:
                found.append(other)
    return found
