"""Instrument definitions: codes and numbers exactly as in CLINICAL.md; bad files fail loudly."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

import surveys
from surveys import (
    DefinitionError,
    SurveysError,
    UnknownInstrument,
    all_definitions,
    get_definition,
    load_definition_file,
)
from surveys.definitions import INSTRUMENTS_DIR, SCHEMA_PATH, build_definition, load_directory
from surveys.scoring import score

#: The published GAD-7 form's wording and LOINC's own answer list of each item (the fixture
#: names its sources), typed in by hand from them, not from the definition.
GAD7_PUBLISHED = json.loads(
    (Path(__file__).parent / "fixtures" / "gad7_published.json").read_text(encoding="utf-8")
)

PHQ9_ITEM_LOINC = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
    "44258-2", "44252-5", "44253-3", "44260-8",
]  # fmt: skip
GAD7_ITEM_LOINC = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
FREQUENCY = [
    (0, "Not at all", "LA6568-5"),
    (1, "Several days", "LA6569-3"),
    (2, "More than half the days", "LA6570-1"),
    (3, "Nearly every day", "LA6571-9"),
]
PHQ9_TEXT = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]
ASQ_TEXT = [
    "In the past few weeks, have you wished you were dead?",
    "In the past few weeks, have you felt that you or your family would be better off if you "
    "were dead?",
    "In the past week, have you been having thoughts about killing yourself?",
    "Have you ever tried to kill yourself?",
    "Are you having thoughts of killing yourself right now?",
]


def options(item):
    return [(o.value, o.text, o.loinc) for o in item.options]


def test_the_five_instruments_ship():
    assert sorted(all_definitions()) == ["asq", "gad7", "mood", "phq9", "post_session"]


def test_the_mood_rating_is_waypoints_own_unvalidated_0_to_10():
    mood = get_definition("mood")
    assert mood.kind == "rating" and "not a validated instrument" in mood.data["notice"]
    assert mood.loinc_panel is None and mood.loinc_total is None  # no LOINC code claimed
    assert mood.safety_rules == () and mood.bands == () and mood.mcid is None
    (item,) = mood.items
    assert [o.value for o in item.options] == list(range(11))
    assert item.options[0].text == "0 - Worst I have ever felt"
    assert item.options[10].text == "10 - Best I have ever felt"
    assert all(o.loinc is None for o in item.options)
    assert score(mood, {"mood_today": 7}).total == 7  # scored as its value
    assert score(mood, {"mood_today": 0}).safety.endorsed is False


def test_a_rating_without_a_notice_is_refused():
    data = json.loads((INSTRUMENTS_DIR / "mood.json").read_text())
    del data["notice"]
    with pytest.raises(DefinitionError, match="notice"):
        build_definition(data, "mood.json")


def test_every_file_validates_against_the_published_schema():
    schema = json.loads(SCHEMA_PATH.read_text())
    for path in INSTRUMENTS_DIR.glob("*.json"):
        jsonschema.validate(json.loads(path.read_text()), schema)


def test_phq9_items_codes_and_answers(phq9):
    assert phq9.loinc_panel == "44249-1"
    assert phq9.loinc_total == "44261-6"
    assert phq9.item_ids == tuple(f"phq9_{i}" for i in range(1, 10)) + ("phq9_difficulty",)
    assert [i.loinc for i in phq9.items[:9]] == PHQ9_ITEM_LOINC
    assert [i.text for i in phq9.items[:9]] == PHQ9_TEXT
    for item in phq9.items[:9]:
        assert options(item) == FREQUENCY
        assert item.required and item.enable_when is None
    assert phq9.data["preamble"] == (
        "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert phq9.data["recall_period"] == {"text": "Over the last 2 weeks", "days": 14}
    assert "No permission required to reproduce" in phq9.data["copyright"]


def test_phq9_difficulty_question_is_optional_conditional_and_unscored(phq9):
    item = phq9.item("phq9_difficulty")
    assert item.loinc == "69722-7"
    assert not item.required
    assert item.enable_when.any_of == tuple(f"phq9_{i}" for i in range(1, 10))
    assert (item.enable_when.comparison.op, item.enable_when.comparison.value) == ("gt", 0)
    assert "phq9_difficulty" not in phq9.scored_item_ids
    # The LOINC answer codes are not in sequence: very = LA6575-0, extremely = LA6574-3.
    assert options(item) == [
        (0, "Not difficult at all", "LA6572-7"),
        (1, "Somewhat difficult", "LA6573-5"),
        (2, "Very difficult", "LA6575-0"),
        (3, "Extremely difficult", "LA6574-3"),
    ]


def test_band_for_agrees_with_each_band_inclusive_at_both_ends():
    for definition in all_definitions().values():
        low, high = definition.score_min, definition.score_max
        if low is None:
            assert definition.band_for(0) is None
            continue
        for total in range(low - 2, high + 3):
            inside = [band for band in definition.bands if band.min <= total <= band.max]
            assert definition.band_for(total) == (inside[0] if inside else None), total
        assert definition.band_for(low - 1) is None and definition.band_for(high + 1) is None


def test_phq9_scoring_bands_and_thresholds(phq9):
    assert phq9.scored and (phq9.score_min, phq9.score_max) == (0, 27)
    assert [(b.code, b.label, b.min, b.max) for b in phq9.bands] == [
        ("minimal", "Minimal", 0, 4),
        ("mild", "Mild", 5, 9),
        ("moderate", "Moderate", 10, 14),
        ("moderately_severe", "Moderately severe", 15, 19),
        ("severe", "Severe", 20, 27),
    ]
    # The 5 points of Löwe 2004 are the MCID; the Jacobson-Truax index is 6 (IAPT).
    assert (phq9.mcid, phq9.reliable_change_index, phq9.retest_interval_days) == (5, 6, 7)
    assert "Med Care 2004;42(12):1194" in phq9.data["change"]["mcid"]["source"]
    assert "IAPT" in phq9.data["change"]["reliable_change_index"]["source"]
    assert phq9.data["change"]["mcid"]["basis"] == "published"
    assert phq9.measurable_above == 9 and phq9.threshold_bounds == (5, 6)
    assert phq9.remission_below == 5
    assert phq9.response_percent == 50


def test_phq9_item_9_is_the_required_safety_item_leading_to_the_asq(phq9):
    assert phq9.item("phq9_9").required
    (rule,) = phq9.safety_rules
    assert (rule.link_id, rule.endorsed_if.op, rule.endorsed_if.value) == ("phq9_9", "gte", 1)
    assert (rule.level, rule.follow_up) == ("positive", "asq")


def test_gad7_items_in_published_order(gad7):
    assert (gad7.loinc_panel, gad7.loinc_total) == ("69737-5", "70274-6")
    scored = [gad7.item(link_id) for link_id in gad7.scored_item_ids]
    assert [i.loinc for i in scored] == GAD7_ITEM_LOINC
    # Item 6 is irritability (69689-8), item 7 is fear (69736-7): not swapped.
    assert gad7.item("gad7_6").loinc == "69689-8" and "irritable" in gad7.item("gad7_6").text
    assert gad7.item("gad7_7").loinc == "69736-7" and "afraid" in gad7.item("gad7_7").text
    assert [(b.code, b.min, b.max) for b in gad7.bands] == [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("severe", 15, 21),
    ]
    assert (gad7.score_min, gad7.score_max) == (0, 21)
    # GAD-7: MCID 4 (Toussaint 2020), reliable change about 6 (Bischoff 2020), both published.
    assert (gad7.mcid, gad7.reliable_change_index, gad7.retest_interval_days) == (4, 6, 7)
    assert "Toussaint" in gad7.data["change"]["mcid"]["source"]
    assert "Bischoff" in gad7.data["change"]["reliable_change_index"]["source"]
    assert gad7.data["change"]["mcid"]["basis"] == "published"
    assert gad7.data["scoring"]["measurable_baseline_above"]["basis"] == "choice"
    assert gad7.safety_rules == ()


def test_gad7_wording_and_answer_codes_are_the_published_forms(gad7):
    published = GAD7_PUBLISHED
    assert gad7.data["preamble"] == published["preamble"]
    assert (gad7.loinc_panel, gad7.loinc_total) == (published["panel"], published["total"])
    assert gad7.item_ids == tuple(f"gad7_{i}" for i in range(1, 8)) + ("gad7_difficulty",)
    for item, (loinc, text, codes) in zip(gad7.items[:7], published["items"], strict=True):
        assert (item.loinc, item.text) == (loinc, text)
        assert options(item) == [
            (value, answer, code)
            for value, (answer, code) in enumerate(zip(published["answers"], codes, strict=True))
        ]
    # Item 7 has no comma; item 2's value 2 is LA18938-3 in LOINC's list for 68509-9.
    assert gad7.item("gad7_7").text == "Feeling afraid as if something awful might happen"
    assert options(gad7.item("gad7_2"))[2] == (2, "More than half the days", "LA18938-3")
    assert {options(gad7.item(f"gad7_{i}"))[2][2] for i in (1, 3, 4, 5, 6, 7)} == {"LA6570-1"}


def test_gad7_difficulty_question_is_optional_conditional_and_unscored(gad7):
    item = gad7.item("gad7_difficulty")
    difficulty = GAD7_PUBLISHED["difficulty"]
    assert (item.text, item.loinc) == (difficulty["text"], difficulty["loinc"])
    assert options(item) == [(v, t, c) for v, (t, c) in enumerate(difficulty["answers"])]
    assert item.required is False
    assert "gad7_difficulty" not in gad7.scored_item_ids
    assert item.enable_when.any_of == tuple(f"gad7_{i}" for i in range(1, 8))
    assert (item.enable_when.comparison.op, item.enable_when.comparison.value) == ("gt", 0)
    assert gad7.items[-1] is item  # asked after the seven items


def test_gad7_1_0_0_is_kept_for_check_ins_answered_on_it(gad7):
    old = get_definition("gad7", "1.0.0")
    assert (old.version, gad7.version) == ("1.0.0", "1.1.0")
    assert old.item_ids == tuple(f"gad7_{i}" for i in range(1, 8))
    # Stored check-ins show the question they were asked, comma included.
    assert old.item("gad7_7").text == "Feeling afraid, as if something awful might happen"
    assert old.scored_item_ids == gad7.scored_item_ids
    assert [(b.code, b.min, b.max) for b in old.bands] == [
        (b.code, b.min, b.max) for b in gad7.bands
    ]


def test_asq_questions_rules_and_public_domain(asq):
    assert asq.item_ids == ("asq_1", "asq_2", "asq_3", "asq_4", "asq_5")
    assert [i.text for i in asq.items] == ASQ_TEXT
    assert all(options(i) == [(1, "Yes", "LA33-6"), (0, "No", "LA32-8")] for i in asq.items)
    acuity = asq.item("asq_5")
    assert acuity.required  # once it applies
    assert acuity.enable_when.any_of == ("asq_1", "asq_2", "asq_3", "asq_4")
    assert (acuity.enable_when.comparison.op, acuity.enable_when.comparison.value) == ("eq", 1)
    assert [(r.result, r.when and r.when.any_of) for r in asq.outcome_rules] == [
        ("imminent", ("asq_5",)),
        ("non_acute_positive", ("asq_1", "asq_2", "asq_3", "asq_4")),
        ("negative", None),
    ]
    assert {r.link_id: r.level for r in asq.safety_rules} == {
        "asq_1": "non_acute_positive",
        "asq_2": "non_acute_positive",
        "asq_3": "non_acute_positive",
        "asq_4": "non_acute_positive",
        "asq_5": "imminent",
    }
    assert not asq.scored and asq.loinc_panel is None
    assert "public domain" in asq.data["copyright"]


def test_post_session_is_labelled_as_waypoints_own_unvalidated_checklist(post_session):
    assert post_session.kind == "checklist"
    assert "not a validated instrument" in post_session.data["notice"]
    assert not post_session.scored and post_session.bands == ()
    assert all(link_id.startswith("ps_") for link_id in post_session.item_ids)
    other = post_session.item("ps_other")
    assert (other.type, other.required, other.max_length) == ("text", False, 1000)
    assert "never triaged" in post_session.data["notes"][1]


def test_all_definitions_are_english_with_a_copyright_notice():
    for definition in all_definitions().values():
        assert definition.data["language"] == "en"
        assert definition.data["copyright"]


def test_unknown_instrument_is_a_surveys_error_not_a_key_error():
    with pytest.raises(UnknownInstrument) as info:
        get_definition("phq8")
    assert isinstance(info.value, SurveysError) and not isinstance(info.value, KeyError)
    assert info.value.code == "phq8"


def test_definitions_are_loaded_once_and_the_returned_dict_is_a_copy():
    first = all_definitions()
    first.pop("phq9")
    assert all_definitions()["phq9"] is get_definition("phq9")


def test_public_api_is_exported():
    for name in ("score", "compute_trend", "evaluate_checkin", "missed_checkin", "RuleSettings"):
        assert name in surveys.__all__ and hasattr(surveys, name)


# --- malformed files fail with the file and the field named -------------------------------


def _phq9_json():
    return json.loads((INSTRUMENTS_DIR / "phq9.json").read_text())


def _set(path, value):
    def mutate(d):
        *parents, last = path
        for key in parents:
            d = d[key]
        d[last] = value

    return mutate


MALFORMED = [
    ("bad answer code", _set(["items", 3, "options", 0, "loinc"], "LA-1"),
     "items[3].options[0].loinc"),
    ("panel not a string", _set(["loinc", "panel"], 44249), "loinc.panel"),
    ("missing title", lambda d: d.pop("title"), "'title' is a required property"),
    ("unknown key", _set(["colour"], "red"), "'colour' was unexpected"),
    ("wrong max", _set(["scoring", "max"], 28), "scoring: min/max must be 0/27"),
    ("gap in bands", _set(["bands", 1, "min"], 6), "bands[1]"),
    ("bands short", _set(["bands", 4, "max"], 26), "bands: bands must end at the maximum score 27"),
    ("duplicate link id", _set(["items", 2, "link_id"], "phq9_2"), "items[2].link_id"),
    ("duplicate option", _set(["items", 0, "options", 1, "value"], 0), "items[0].options"),
    ("unknown scored", _set(["scoring", "items", 0], "phq9_x"), "scoring.items[0]"),
    ("score a conditional", _set(["scoring", "items", 0], "phq9_difficulty"), "scoring.items[0]"),
    ("dead condition", _set(["items", 9, "enable_when", "gt"], 3), "items[9].enable_when"),
    ("forward ref", _set(["items", 0, "enable_when"], {"any_of": ["phq9_2"], "gt": 0}),
     "items[0].enable_when.any_of[0]"),
    ("always endorsed", _set(["safety", 0, "endorsed_if"], {"gte": 0}), "safety[0].endorsed_if"),
    ("two comparisons", _set(["safety", 0, "endorsed_if"], {"gte": 1, "eq": 2}),
     "safety[0].endorsed_if"),
    ("safety on unknown", _set(["safety", 0, "link_id"], "phq9_10"), "safety[0].link_id"),
    ("remission out of range", _set(["scoring", "remission_below", "value"], 40),
     "scoring.remission_below.value"),
    ("text item with options", _set(["items", 0, "type"], "text"), "items[0]"),
    ("bad band code", _set(["bands", 0, "code"], "none"), "bands[0].code"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("mutate", "field"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_definition_names_the_file_and_the_field(tmp_path, mutate, field):
    data = _phq9_json()
    mutate(data)
    path = tmp_path / "phq9.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DefinitionError) as info:
        load_definition_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert field in message


def test_invalid_json_and_a_missing_file_name_the_file(tmp_path):
    broken = tmp_path / "gad7.json"
    broken.write_text('{"code": "gad7",')
    with pytest.raises(DefinitionError, match=r"gad7\.json: .*not valid JSON"):
        load_definition_file(broken)
    with pytest.raises(DefinitionError, match=r"nope\.json: .*cannot read"):
        load_definition_file(tmp_path / "nope.json")


def _copy_shipped(tmp_path: Path) -> Path:
    for path in INSTRUMENTS_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    return tmp_path


def test_directory_checks_file_name_link_id_owners_and_follow_ups(tmp_path):
    folder = _copy_shipped(tmp_path)
    assert sorted(load_directory(folder)) == ["asq", "gad7", "mood", "phq9", "post_session"]

    (folder / "asq.json").rename(folder / "asq2.json")
    with pytest.raises(DefinitionError, match=r"asq2\.json: code: must match the file name"):
        load_directory(folder)
    (folder / "asq2.json").unlink()
    with pytest.raises(DefinitionError, match=r"phq9\.json: safety\[0\]\.follow_up: no instrument"):
        load_directory(folder)

    (tmp_path / "again").mkdir()
    folder = _copy_shipped(tmp_path / "again")
    data = json.loads((folder / "post_session.json").read_text())
    data["items"][-1]["link_id"] = "phq9_1"
    (folder / "post_session.json").write_text(json.dumps(data))
    with pytest.raises(
        DefinitionError, match=r"post_session\.json: items: 'phq9_1' is also in phq9"
    ):
        load_directory(folder)


def test_shipped_definitions_are_not_mutated_by_building_a_copy():
    data = copy.deepcopy(get_definition("phq9").data)
    surveys.build_definition(data, "copy")
    assert get_definition("phq9").data == data


def test_a_checklist_must_carry_its_not_validated_notice():
    data = json.loads((INSTRUMENTS_DIR / "post_session.json").read_text())
    del data["notice"]
    with pytest.raises(DefinitionError, match=r"post_session\.json: notice: a checklist must say"):
        surveys.build_definition(data, "post_session.json")


def test_a_translation_must_name_its_official_source():
    data = _phq9_json()
    data["language"] = "es"
    del data["text_source"]
    with pytest.raises(DefinitionError, match=r"text_source: a translation must name"):
        surveys.build_definition(data, "phq9.json")
