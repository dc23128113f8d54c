"""The treatment-resistance count and the contraindication screen, against histories counted
by hand (docs/clinical.md, "Intake")."""

import pytest

from surveys.intake import (
    CONTRAINDICATIONS,
    KINDS,
    MIN_ADEQUATE_WEEKS,
    NOT_COUNTED,
    SCREEN,
    TRD_DEFINITION,
    Trial,
    open_contraindications,
    resistance,
)

# Each history: its trials, and by hand the count and each trial's reason (None = counted).
HISTORIES = {
    "none yet": ([], 0, ()),
    "two failed adequate trials: resistant": (
        [
            Trial("Sertraline", 8, True, "none"),
            Trial("Venlafaxine", 12, True, "partial"),
        ],
        2,
        (None, None),
    ),
    "the same drug twice counts once": (
        [
            Trial("Sertraline", 8, True, "none"),
            Trial("  sertraline ", 10, True, "partial"),
        ],
        1,
        (None, "same_drug"),
    ),
    "five weeks is too short, six is enough": (
        [
            Trial("Escitalopram", MIN_ADEQUATE_WEEKS - 1, True, "none"),
            Trial("Bupropion", MIN_ADEQUATE_WEEKS, True, "none"),
        ],
        1,
        ("too_short", None),
    ),
    "every reason a trial does not count": (
        [
            Trial("Fluoxetine", 10, True, "none", current_episode=False),
            Trial("Mirtazapine", 8, False, "none"),
            Trial("Duloxetine", 8, True, "response"),
            Trial("Vortioxetine", 8, True, "not_tolerated"),
            Trial("Nortriptyline", 9, True, "partial"),
            Trial("Sertraline", 12, True, "none"),
            Trial("Quetiapine", 3, True, "none"),
        ],
        2,
        (
            "earlier_episode",
            "dose_not_adequate",
            "responded",
            "not_tolerated",
            None,
            None,
            "too_short",
        ),
    ),
    "a response after a failure leaves the failure counted": (
        [
            Trial("Citalopram", 6, True, "none"),
            Trial("Citalopram", 10, True, "response"),
        ],
        1,
        (None, "responded"),
    ),
}


@pytest.mark.parametrize("name", HISTORIES)
def test_resistance_count_matches_the_hand_count(name):
    trials, count, reasons = HISTORIES[name]
    result = resistance(trials)
    assert result.count == count
    assert result.reasons == reasons
    assert result.treatment_resistant is (count >= 2)
    assert result.definition == TRD_DEFINITION


def test_the_definition_names_its_thresholds():
    assert "at least 2 different antidepressants" in TRD_DEFINITION
    assert f"at least {MIN_ADEQUATE_WEEKS} weeks" in TRD_DEFINITION
    assert "current episode" in TRD_DEFINITION
    assert set(NOT_COUNTED) >= {"too_short", "same_drug", "responded"}


def test_screen_items_are_unique_sourced_and_of_a_known_kind():
    codes = [item.code for item in SCREEN]
    assert len(codes) == len(set(codes))
    assert all(item.kind in KINDS and item.source and item.label for item in SCREEN)
    # The label's three contraindications and the list are all asked.
    for code in (
        "aneurysm_avm",
        "intracerebral_haemorrhage",
        "hypersensitivity",
        "uncontrolled_hypertension",
        "unstable_cardiovascular",
        "pregnancy",
    ):
        assert code in CONTRAINDICATIONS
    for code in ("psychosis_history", "substance_use_disorder", "bladder", "liver"):
        assert code in codes and code not in CONTRAINDICATIONS


def test_a_contraindication_blocks_unless_answered_no_or_overridden():
    all_no = {code: "no" for code in CONTRAINDICATIONS}
    assert open_contraindications(all_no) == []
    # Not asked yet: every contraindication is open.
    assert open_contraindications({}) == list(CONTRAINDICATIONS)
    answers = {**all_no, "pregnancy": "yes", "hypersensitivity": "unknown"}
    assert open_contraindications(answers) == ["hypersensitivity", "pregnancy"]
    assert open_contraindications(answers, overridden={"pregnancy"}) == ["hypersensitivity"]


def test_a_caution_never_blocks():
    answers = {code: "no" for code in CONTRAINDICATIONS}
    answers.update({"psychosis_history": "yes", "bladder": "unknown"})
    assert open_contraindications(answers) == []
