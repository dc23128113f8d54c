"""The post-session check (2.0.0): what it asks, its red flags, and the version before it."""

from __future__ import annotations

import copy
import json

import pytest

import surveys
from surveys import CheckinFacts, DefinitionError, RuleSettings, get_definition, score
from surveys.definitions import INSTRUMENTS_DIR, load_catalogue
from surveys.rules import (
    CHECKIN_ONLY_RULES,
    RED_FLAG_RULES,
    evaluate_checkin,
    is_pressing,
    safety_hits,
    signal_hits,
)

BP_SIGNS = ("ps_bp_headache", "ps_bp_chest", "ps_bp_breath", "ps_bp_vision")

#: Each red flag, the priority docs/clinical.md gives it, and one answer that raises it.
FLAGS = [
    ("bp_crisis_signs", "urgent", {"ps_bp_chest": 1}),
    ("dissociation_next_day", "high", {"ps_dissociation": 3}),
    ("sedation_next_day", "high", {"ps_sleepy": 3}),
    ("drove_on_treatment_day", "high", {"ps_drove": 1}),
    ("bladder_symptoms", "high", {"ps_bladder": 2}),
    ("craving", "high", {"ps_craving": 2}),
    ("persisting_effects", "routine", {"ps_numbness": 3}),
]


def calm(definition=None):
    """Every choice answered at its lowest: no red flag."""
    definition = definition or get_definition("post_session")
    return {i.link_id: min(i.values) for i in definition.items if i.type == "choice"}


def hits_of(answers, checkin_id="c1", day=None):
    definition = get_definition("post_session")
    facts = CheckinFacts(checkin_id, day, score(definition, answers))
    return safety_hits(definition, facts)


def test_it_asks_what_the_labels_and_kset_name_in_plain_words(post_session):
    assert post_session.version == "2.0.0"
    assert post_session.kind == "checklist"
    assert "not a validated instrument" in post_session.data["notice"]
    assert "KSET" in post_session.data["source"] and "KSET-R" in post_session.data["source"]
    texts = {item.link_id: item.text.lower() for item in post_session.items}
    for link_id, words in {
        "ps_sleepy": "sleepy",
        "ps_spinning": "spinning",
        "ps_numbness": "numbness",
        "ps_anxiety": "panic",
        "ps_drunk": "drunk",
        "ps_bp_headache": "severe headache",
        "ps_bp_chest": "chest",
        "ps_bp_breath": "short of breath",
        "ps_bp_vision": "eyesight",
        "ps_bladder": "bladder",
        "ps_thinking": "remembering",
        "ps_craving": "craving",
        "ps_drove": "drive",
        "ps_dissociation": "detached",
    }.items():
        assert words in texts[link_id], link_id
    # The warning signs are asked first: "call 911 now" comes before anything else.
    assert post_session.item_ids[:4] == BP_SIGNS


def test_the_free_text_says_it_is_not_triaged_and_what_to_do_in_an_emergency(post_session):
    other = post_session.item("ps_other")
    assert (other.type, other.required) == ("text", False)
    assert "does not look for warning signs in what you write" in other.help
    assert "call 911 now" in other.help and "988" in other.help
    # Any words at all raise nothing.
    answers = {**calm(), "ps_other": "chest pain, I want to die, drove home"}
    assert score(post_session, answers).red_flags == ()
    assert hits_of(answers) == []


@pytest.mark.parametrize(("rule", "priority", "answer"), FLAGS)
def test_each_red_flag_raises_its_alert_with_its_priority(rule, priority, answer, day):
    (hit,) = hits_of({**calm(), **answer}, day=day(0))
    assert (hit.rule, hit.priority, hit.key) == (rule, priority, f"checkin:c1:{rule}")
    assert hit.reason.startswith("Post-session check: ")
    # Below the flag's threshold nothing is raised.
    ((link_id, value),) = answer.items()
    assert hits_of({**calm(), link_id: value - 1}, day=day(0)) == []


def test_the_shipped_flags_are_exactly_the_documented_ones(post_session):
    assert [(f.rule, f.priority) for f in post_session.red_flags] == [
        (rule, priority) for rule, priority, _ in FLAGS
    ]
    assert set(RED_FLAG_RULES) == {rule for rule, _, _ in FLAGS}
    assert set(CHECKIN_ONLY_RULES) >= set(RED_FLAG_RULES)


@pytest.mark.parametrize("sign", BP_SIGNS)
def test_a_warning_sign_now_means_call_911_and_gone_still_urgent(sign, post_session, day):
    now = score(post_session, {**calm(), sign: 2})
    gone = score(post_session, {**calm(), sign: 1})
    assert (now.call_now, gone.call_now) == (True, False)
    assert now.red_flags == gone.red_flags == ("bp_crisis_signs",)
    (hit,) = hits_of({**calm(), sign: 2}, day=day(0))
    assert "call 911 now" in hit.reason
    (hit,) = hits_of({**calm(), sign: 1}, day=day(0))
    assert "911" not in hit.reason and hit.priority == "urgent"


def test_several_signs_are_one_alert(day):
    hits = hits_of({**calm(), **dict.fromkeys(BP_SIGNS, 2), "ps_dissociation": 3}, day=day(0))
    assert [h.rule for h in hits] == ["bp_crisis_signs", "dissociation_next_day"]


def test_only_urgent_flags_leave_the_phone_before_the_end(post_session, day):
    """signal_hits: the partial check-in is sent for the urgent flag, never for a high one."""
    so_far = {"ps_bp_headache": 0, "ps_bp_chest": 2}
    (hit,) = signal_hits(post_session, "c9", day(0), so_far)
    assert (hit.rule, hit.priority, hit.key) == (
        "bp_crisis_signs",
        "urgent",
        "checkin:c9:bp_crisis_signs",
    )
    assert signal_hits(post_session, "c9", day(0), {"ps_dissociation": 3, "ps_drove": 1}) == []
    assert is_pressing(post_session, score(post_session, {**calm(), "ps_bp_vision": 1}))
    assert not is_pressing(post_session, score(post_session, {**calm(), "ps_drove": 1}))


def test_red_flags_need_no_history_and_are_the_same_on_replay(post_session, day):
    answers = {**calm(), "ps_bp_breath": 2, "ps_craving": 3}
    facts = CheckinFacts("c2", day(0), score(post_session, answers))
    at_submit = safety_hits(post_session, facts)
    in_worker = evaluate_checkin(post_session, facts, [], RuleSettings())
    assert in_worker == sorted(at_submit, key=lambda h: (surveys.priority_rank(h.priority), h.rule))
    assert [h.rule for h in in_worker] == ["bp_crisis_signs", "craving"]


def test_the_first_version_is_kept_for_the_check_ins_answered_on_it():
    old = get_definition("post_session", "1.0.0")
    assert old.version == "1.0.0" and old.red_flags == ()
    answers = {"ps_nausea": 3, "ps_dizziness": 3, "ps_headache": 3, "ps_dissociation": 3}
    assert score(old, {**answers, "ps_sleep": 2}).red_flags == ()
    # The current version does not know its dizziness question; the old one still reads it.
    with pytest.raises(surveys.AnswerError):
        score(get_definition("post_session"), {**answers, "ps_sleep": 2})
    assert get_definition("post_session", "9.9.9").version == "2.0.0"
    assert sorted(surveys.all_definitions()) == ["asq", "gad7", "mood", "phq9", "post_session"]


def _folder(tmp_path):
    for path in INSTRUMENTS_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    return tmp_path


def test_an_earlier_version_must_be_named_by_its_version_and_be_older(tmp_path):
    folder = _folder(tmp_path)
    catalogue = load_catalogue(folder)
    assert list(catalogue.earlier) == [("gad7", "1.0.0"), ("post_session", "1.0.0")]
    (folder / "post_session-1.0.0.json").rename(folder / "post_session-1.0.1.json")
    with pytest.raises(DefinitionError, match=r"post_session-1\.0\.1\.json: code: must match"):
        load_catalogue(folder)
    (folder / "post_session-1.0.1.json").unlink()
    (folder / "post_session-2.0.0.json").write_text((folder / "post_session.json").read_text())
    with pytest.raises(DefinitionError, match=r"version: no newer current post_session\.json"):
        load_catalogue(folder)


def test_one_rule_has_one_priority_in_every_version(tmp_path):
    folder = _folder(tmp_path)
    old = json.loads((folder / "post_session-1.0.0.json").read_text())
    current = json.loads((folder / "post_session.json").read_text())
    old["red_flags"] = [{**current["red_flags"][1], "priority": "urgent"}]
    (folder / "post_session-1.0.0.json").write_text(json.dumps(old))
    with pytest.raises(DefinitionError, match=r"red_flags\[0\]\.priority: .* is high elsewhere"):
        load_catalogue(folder)


def _current():
    return copy.deepcopy(get_definition("post_session").data)


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda f: f[0].update(rule="imminent"), "red_flags[0].rule", "already a rule's name"),
        (lambda f: f[1].update(rule=f[0]["rule"]), "red_flags[1].rule", "already a rule's name"),
        (
            lambda f: f[0].update(when={"any_of": ["ps_other"], "gte": 1}),
            "red_flags[0].when.any_of[0]",
            "not an earlier choice item",
        ),
        (
            lambda f: f[0].update(when={"any_of": ["ps_bp_chest"], "gte": 0}),
            "red_flags[0].when",
            "must be false for some answers",
        ),
        (
            lambda f: f[0].update(when={"any_of": ["ps_bp_chest"], "gte": 9}),
            "red_flags[0].when",
            "no answer of 'ps_bp_chest' can satisfy it",
        ),
        (
            lambda f: f[0].update(call_now={"any_of": ["ps_sleepy"], "eq": 3}),
            "red_flags[0].call_now",
            "must only hold where `when` holds",
        ),
        (
            lambda f: f[0].update(when={"any_of": ["ps_bp_chest"], "eq": 2}),
            "red_flags[0].call_now",
            "'ps_bp_headache': must only hold where `when` holds",
        ),
        (lambda f: f[0].update(priority="soon"), "red_flags[0].priority", "is not one of"),
    ],
)
def test_a_bad_red_flag_is_refused_naming_its_field(change, field, problem):
    data = _current()
    change(data["red_flags"])
    with pytest.raises(DefinitionError) as info:
        surveys.build_definition(data, "post_session.json")
    assert f"post_session.json: {field}: " in str(info.value)
    assert problem in str(info.value)
