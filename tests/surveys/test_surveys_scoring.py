"""score(): totals, every band boundary, safety, conditionals, one precise error per bad input."""

from __future__ import annotations

import pytest

from surveys import SCHEMA_KEY, AnswerError, get_definition, score

PHQ9_BOUNDARIES = [
    (0, "minimal", "Minimal"),
    (4, "minimal", "Minimal"),
    (5, "mild", "Mild"),
    (9, "mild", "Mild"),
    (10, "moderate", "Moderate"),
    (14, "moderate", "Moderate"),
    (15, "moderately_severe", "Moderately severe"),
    (19, "moderately_severe", "Moderately severe"),
    (20, "severe", "Severe"),
    (27, "severe", "Severe"),
]
GAD7_BOUNDARIES = [
    (0, "minimal"),
    (4, "minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "severe"),
    (21, "severe"),
]


def errors_of(definition, answers):
    with pytest.raises(AnswerError) as info:
        score(definition, answers)
    return info.value.errors


@pytest.mark.parametrize(("total", "band", "label"), PHQ9_BOUNDARIES)
def test_phq9_band_boundaries(phq9, make_answers, total, band, label):
    answers = make_answers("phq9", total, item9=3 if total > 24 else 0)
    result = score(phq9, answers)
    assert (result.total, result.severity, result.severity_label) == (total, band, label)
    assert result.total == sum(answers.values())


@pytest.mark.parametrize(("total", "band"), GAD7_BOUNDARIES)
def test_gad7_band_boundaries(gad7, make_answers, total, band):
    result = score(gad7, make_answers("gad7", total))
    assert (result.total, result.severity) == (total, band)
    assert not result.safety.endorsed


@pytest.mark.parametrize(("item9", "endorsed"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item_9_above_0_is_a_positive_safety_screen(phq9, make_answers, item9, endorsed):
    result = score(phq9, make_answers("phq9", 3 + item9, item9=item9))
    assert result.safety.endorsed is endorsed
    if endorsed:
        assert result.safety.items == ("phq9_9",)
        assert (result.safety.level, result.safety.follow_up) == ("positive", "asq")
    else:
        assert (result.safety.items, result.safety.level, result.safety.follow_up) == (
            (),
            "none",
            None,
        )


def test_safety_is_independent_of_the_total(phq9, make_answers):
    result = score(phq9, make_answers("phq9", 1, item9=1))
    assert result.severity == "minimal" and result.safety.endorsed


def test_difficulty_applies_when_any_item_is_above_0_and_is_optional(phq9, make_answers):
    answers = make_answers("phq9", 1)
    assert score(phq9, answers).applied == ("phq9_difficulty",)
    with_difficulty = score(phq9, {**answers, "phq9_difficulty": 3})
    assert with_difficulty.total == 1  # the difficulty question is not scored
    assert score(phq9, {**answers, "phq9_difficulty": None}).total == 1


def test_gad7_difficulty_is_optional_and_never_in_the_total(gad7, make_answers):
    answers = make_answers("gad7", 6)
    assert score(gad7, answers).applied == ("gad7_difficulty",)
    for difficulty in (None, 0, 3):
        result = score(gad7, {**answers, "gad7_difficulty": difficulty})
        assert (result.total, result.severity) == (6, "mild")
    assert score(gad7, answers).total == 6  # a check-in without it is complete


def test_gad7_difficulty_is_refused_when_every_item_is_0(gad7, make_answers):
    errors = errors_of(gad7, {**make_answers("gad7", 0), "gad7_difficulty": 1})
    assert list(errors) == ["gad7_difficulty"]


def test_difficulty_is_refused_when_every_item_is_0(phq9, make_answers):
    answers = make_answers("phq9", 0)
    assert score(phq9, answers).applied == ()
    errors = errors_of(phq9, {**answers, "phq9_difficulty": 0})
    assert list(errors) == ["phq9_difficulty"]
    assert errors["phq9_difficulty"][0].startswith("Not asked here: it applies only when any of")


@pytest.mark.parametrize("missing", [f"phq9_{i}" for i in range(1, 10)])
def test_an_incomplete_phq9_is_refused_not_prorated(phq9, make_answers, missing):
    answers = make_answers("phq9", 8)
    del answers[missing]
    assert errors_of(phq9, answers) == {missing: ["Required: no answer was given."]}


def test_null_for_a_required_item_is_missing(phq9, make_answers):
    answers = {**make_answers("phq9", 8), "phq9_9": None}
    assert errors_of(phq9, answers) == {"phq9_9": ["Required: no answer was given."]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (4, "4 is not an allowed answer; allowed: 0, 1, 2, 3."),
        (-1, "-1 is not an allowed answer; allowed: 0, 1, 2, 3."),
        (10**20, f"{10**20} is not an allowed answer; allowed: 0, 1, 2, 3."),
        (True, "Must be a whole number; got True."),
        ("1", "Must be a whole number; got '1'."),
        (1.0, "Must be a whole number; got 1.0."),
        (1.5, "Must be a whole number; got 1.5."),
        ([1], "Must be a whole number; got [1]."),
    ],
)
def test_bad_values_get_a_precise_message(phq9, make_answers, value, message):
    answers = {**make_answers("phq9", 5), "phq9_3": value}
    assert errors_of(phq9, answers) == {"phq9_3": [message]}


def test_unknown_link_id(phq9, make_answers):
    answers = {**make_answers("phq9", 5), "phq9_10": 1}
    assert errors_of(phq9, answers) == {"phq9_10": ["Not a question of PHQ-9."]}


def test_answers_for_another_instrument(phq9, gad7, make_answers):
    assert errors_of(phq9, make_answers("gad7", 5)) == {
        SCHEMA_KEY: ["These answers are for GAD-7, not PHQ-9."]
    }
    mixed = {**make_answers("phq9", 5), "gad7_1": 2}
    assert errors_of(phq9, mixed) == {"gad7_1": ["Belongs to GAD-7, not PHQ-9."]}
    assert errors_of(gad7, {"asq_1": 0}) == {SCHEMA_KEY: ["These answers are for ASQ, not GAD-7."]}


def test_answers_that_are_not_a_mapping_or_have_odd_keys(phq9):
    assert errors_of(phq9, [1, 2, 3]) == {
        SCHEMA_KEY: ["Answers must be an object of {link_id: value}."]
    }
    assert errors_of(phq9, {1: 0}) == {SCHEMA_KEY: ["Question ids must be text; got 1."]}


def test_empty_answers_report_every_required_item(phq9):
    errors = errors_of(phq9, {})
    assert sorted(errors) == sorted(f"phq9_{i}" for i in range(1, 10))


def test_each_bad_input_has_its_own_message(phq9, make_answers):
    """Missing, out of range, not an integer, unknown, foreign, not applicable: all distinct."""
    base = make_answers("phq9", 0)
    cases = [
        {k: v for k, v in base.items() if k != "phq9_1"},
        {**base, "phq9_1": 9},
        {**base, "phq9_1": "2"},
        {**base, "phq9_x": 1},
        {**base, "gad7_1": 1},
        {**base, "phq9_difficulty": 1},
    ]
    messages = set()
    for answers in cases:
        ((message,),) = errors_of(phq9, answers).values()
        messages.add(message.split(";")[0].split(":")[0])
    assert len(messages) == len(cases)


def test_errors_on_several_items_are_reported_together(phq9, make_answers):
    answers = {**make_answers("phq9", 5), "phq9_1": 7, "phq9_2": "x", "nope": 1}
    del answers["phq9_9"]
    assert sorted(errors_of(phq9, answers)) == ["nope", "phq9_1", "phq9_2", "phq9_9"]


def test_answer_error_message_is_readable(phq9):
    with pytest.raises(AnswerError, match=r"Invalid answers for phq9: phq9_1: Required"):
        score(phq9, {})


# --- ASQ ---------------------------------------------------------------------------------

NO = {"asq_1": 0, "asq_2": 0, "asq_3": 0, "asq_4": 0}


def test_asq_all_no_is_negative_and_the_acuity_question_is_not_asked(asq):
    result = score(asq, NO)
    assert (result.result, result.result_label) == ("negative", "Negative screen")
    assert result.safety.level == "none" and result.applied == ()
    assert result.total is None and result.severity is None
    assert errors_of(asq, {**NO, "asq_5": 0})["asq_5"][0].startswith("Not asked here")


@pytest.mark.parametrize("yes", ["asq_1", "asq_2", "asq_3", "asq_4"])
def test_asq_any_yes_with_acuity_no_is_non_acute_positive(asq, yes):
    result = score(asq, {**NO, yes: 1, "asq_5": 0})
    assert result.result == "non_acute_positive"
    assert result.safety.level == "non_acute_positive" and result.safety.items == (yes,)
    assert result.applied == ("asq_5",)


@pytest.mark.parametrize("yes", ["asq_1", "asq_2", "asq_3", "asq_4"])
def test_asq_acuity_yes_is_imminent(asq, yes):
    result = score(asq, {**NO, yes: 1, "asq_5": 1})
    assert result.result == "imminent"
    assert result.safety.level == "imminent"
    assert result.safety.items == (yes, "asq_5")


def test_asq_acuity_question_is_required_once_it_applies(asq):
    assert errors_of(asq, {**NO, "asq_2": 1}) == {"asq_5": ["Required: no answer was given."]}


def test_asq_answers_are_1_for_yes_and_0_for_no_only(asq):
    assert errors_of(asq, {**NO, "asq_1": 2}) == {
        "asq_1": ["2 is not an allowed answer; allowed: 0, 1."]
    }
    assert errors_of(asq, {**NO, "asq_1": True}) == {"asq_1": ["Must be a whole number; got True."]}


def test_asq_acuity_check_waits_for_valid_screening_answers(asq):
    # asq_1 is invalid, so whether asq_5 applies is unknown: only asq_1 is reported.
    assert errors_of(asq, {**NO, "asq_1": "yes", "asq_5": 1}) == {
        "asq_1": ["Must be a whole number; got 'yes'."]
    }


# --- post-session check --------------------------------------------------------------------

POST = {
    **{i.link_id: 0 for i in get_definition("post_session").items if i.type == "choice"},
    "ps_nausea": 1,
    "ps_headache": 2,
    "ps_sleep": 1,
}


def test_post_session_is_unscored_and_free_text_is_optional(post_session):
    result = score(post_session, POST)
    assert (result.total, result.severity, result.result) == (None, None, None)
    assert result.safety.level == "none"
    assert score(post_session, {**POST, "ps_other": "x" * 1000}).total is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 1001, "Too long: 1001 characters, at most 1000."),
        ("", "Empty text: leave the answer out instead."),
        ("   \n", "Empty text: leave the answer out instead."),
        (3, "Must be text; got 3."),
    ],
)
def test_post_session_free_text_limits(post_session, text, message):
    assert errors_of(post_session, {**POST, "ps_other": text}) == {"ps_other": [message]}


def test_post_session_sleep_has_three_answers(post_session):
    assert errors_of(post_session, {**POST, "ps_sleep": 3}) == {
        "ps_sleep": ["3 is not an allowed answer; allowed: 0, 1, 2."]
    }


def test_score_to_dict(phq9, make_answers):
    data = score(phq9, make_answers("phq9", 12, item9=1)).to_dict()
    assert data == {
        "instrument": "phq9",
        "total": 12,
        "severity": "moderate",
        "severity_label": "Moderate",
        "safety": {"endorsed": True, "items": ["phq9_9"], "level": "positive", "follow_up": "asq"},
        "applied": ["phq9_difficulty"],
        "result": None,
        "result_label": None,
        "red_flags": [],
        "call_now": False,
    }
