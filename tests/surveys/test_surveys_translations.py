"""The Spanish definitions (issue #22): published wording, its source recorded, and scoring
exactly as the English ones, because a translation carries words only (surveys/translations.py)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import AnswerError, evaluate_checkin, get_definition, score, translated
from surveys.errors import DefinitionError
from surveys.rules import CheckinFacts, RuleSettings
from surveys.translations import (
    LANGUAGES,
    every_translation,
    languages_of,
    load_translation,
    translation_path,
)

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
RULES = RuleSettings()
PROPERTY = settings(database=None, deadline=None, max_examples=300)
SPANISH = {d.code: d for d in every_translation() if d.data["language"] == "es"}
#: Words only: what may differ between a translation and its English definition.
WORDS = {"text", "label", "help", "preamble", "title", "copyright", "text_source", "notice"}


def structure(value):
    """A definition's data with every word taken out: what scores, and nothing else."""
    if isinstance(value, dict):
        return {
            k: structure(v)
            for k, v in value.items()
            if k not in WORDS | {"untranslated", "band_source", "language", "recall_period"}
        }
    if isinstance(value, list):
        return [structure(v) for v in value]
    return value


def test_the_instruments_offered_in_spanish():
    # The PHQ-9 and GAD-7 (Pfizer's Spanish for the USA) and Waypoint's own mood rating and
    # post-session check; the ASQ (no Spanish wording verifiable word for word) is not.
    assert set(SPANISH) == {"phq9", "gad7", "mood", "post_session"}
    assert languages_of(get_definition("asq")) == ("en",)
    assert languages_of(get_definition("post_session")) == ("en", "es")
    assert translated(get_definition("asq"), "es") is get_definition("asq")
    assert LANGUAGES == ("en", "es")


@pytest.mark.parametrize("code", ["phq9", "gad7", "mood", "post_session"])
def test_a_translation_scores_as_its_english_definition(code):
    english, spanish = get_definition(code), SPANISH[code]
    assert spanish.version == english.version
    assert structure(spanish.data) == structure(english.data)
    assert spanish.item_ids == english.item_ids
    assert spanish.scored_item_ids == english.scored_item_ids
    assert spanish.safety_rules == english.safety_rules
    assert spanish.outcome_rules == english.outcome_rules
    assert spanish.red_flags == english.red_flags
    for mine, theirs in zip(spanish.items, english.items, strict=True):
        assert [o.value for o in mine.options] == [o.value for o in theirs.options]
        assert mine.enable_when == theirs.enable_when and mine.required == theirs.required
    assert [(b.code, b.min, b.max) for b in spanish.bands] == [
        (b.code, b.min, b.max) for b in english.bands
    ]


@pytest.mark.parametrize("code", ["phq9", "gad7", "mood", "post_session"])
def test_each_translation_records_its_source(code):
    data = SPANISH[code].data
    assert data["language"] == "es"
    if code in ("mood", "post_session"):
        assert "Waypoint's own Spanish translation" in data["text_source"]
    else:
        assert "phqscreeners.com" in data["text_source"] and "MAPI" in data["text_source"]
        assert "No se requiere permiso" in data["copyright"]


def test_the_published_spanish_wording_word_for_word():
    phq9 = {item.link_id: item for item in SPANISH["phq9"].items}
    assert SPANISH["phq9"].data["preamble"] == (
        "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los "
        "siguientes problemas?"
    )
    assert phq9["phq9_1"].text == "Poco interés o placer en hacer cosas"
    assert phq9["phq9_9"].text == (
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
    )
    assert [o.text for o in phq9["phq9_9"].options] == [
        "Ningún día",
        "Varios días",
        "Más de la mitad de los días",
        "Casi todos los días",
    ]
    gad7 = {item.link_id: item for item in SPANISH["gad7"].items}
    assert gad7["gad7_1"].text == "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta"
    assert gad7["gad7_7"].text == "Ha tenido miedo de que algo terrible fuera a pasar"


def test_an_item_not_verified_stays_in_english_and_says_so():
    spanish, english = SPANISH["gad7"], get_definition("gad7")
    item = next(i for i in spanish.data["items"] if i["link_id"] == "gad7_difficulty")
    theirs = next(i for i in english.data["items"] if i["link_id"] == "gad7_difficulty")
    assert item["language"] == "en"
    assert item["text"] == theirs["text"] and item["options"] == theirs["options"]
    assert "could not be verified" in spanish.data["untranslated"]["gad7_difficulty"]


def answer_sets(code):
    """Any answers to ``code``'s questions, right or wrong (missing, out of range, not ints)."""
    definition = get_definition(code)
    value = st.one_of(
        st.integers(min_value=-1, max_value=11),
        st.none(),
        st.just("1"),
        st.booleans(),
        st.text(max_size=3),
    )
    return st.dictionaries(st.sampled_from(list(definition.item_ids)), value, max_size=12)


@PROPERTY
@given(code=st.sampled_from(["phq9", "gad7", "mood", "post_session"]), data=st.data())
def test_spanish_and_english_score_every_answer_set_the_same(code, data):
    answers = data.draw(answer_sets(code))
    english, spanish = get_definition(code), SPANISH[code]

    def outcome(definition):
        try:
            result = score(definition, answers)
        except AnswerError as exc:
            return ("refused", sorted(exc.errors))
        return (
            result.total,
            result.severity,
            result.safety.level,
            result.safety.endorsed,
            result.result,
            result.red_flags,
        )

    assert outcome(spanish) == outcome(english)


@PROPERTY
@given(values=st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9))
def test_the_safety_item_raises_the_same_alert_in_spanish(values):
    answers = {f"phq9_{i + 1}": v for i, v in enumerate(values)}
    english, spanish = get_definition("phq9"), SPANISH["phq9"]

    def hits(definition):
        facts = CheckinFacts(checkin_id="c1", at=T0, score=score(definition, answers))
        return [(h.rule, h.priority, h.key) for h in evaluate_checkin(definition, facts, [], RULES)]

    assert hits(spanish) == hits(english)


def write(tmp_path, words):
    path = tmp_path / "phq9.json"
    path.write_text(json.dumps(words), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda w: w["items"].pop("phq9_4"), "items.phq9_4"),
        (lambda w: w["items"]["phq9_1"]["options"].pop("3"), "items.phq9_1.options"),
        (lambda w: w["items"]["phq9_1"]["options"].update({"4": "Siempre"}), "options"),
        (lambda w: w["items"].update({"phq9_99": {"text": "¿?"}}), "items.phq9_99"),
        (lambda w: w.update({"scoring": {}}), "scoring"),
        (lambda w: w.update({"version": "0.9.0"}), "version"),
        (lambda w: w.pop("text_source"), "text_source"),
        (lambda w: w["bands"].pop("severe"), "bands"),
    ],
)
def test_a_translation_with_a_gap_or_a_change_of_scoring_is_refused(tmp_path, change, field):
    words = json.loads(translation_path("phq9", "es").read_text(encoding="utf-8"))
    bad = copy.deepcopy(words)
    change(bad)
    with pytest.raises(DefinitionError) as refused:
        load_translation(get_definition("phq9"), write(tmp_path, bad))
    assert field in str(refused.value)
