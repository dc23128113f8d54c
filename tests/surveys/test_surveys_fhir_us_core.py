"""Waypoint's PHQ-9 beside HL7's own US Core PHQ-9 example, field by field, and every check-in
resource against HL7's FHIR R4 JSON schema (tests/fixtures/us_core, tests/support/fhir.py).

The same answers as HL7's example QuestionnaireResponse go in; what must come out is the
example's structure: its codes, profile, categories, references and value types.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from surveys import all_definitions, get_definition, score
from surveys.fhir import (
    checkin_resources,
    questionnaire,
    questionnaire_response,
    screening_observations,
)
from surveys.translations import every_translation
from tests.support.answers import SAMPLE_ANSWERS
from tests.support.fhir import schema_errors, schema_id, us_core_example

CHECKIN = "0b7c4c1e-2f1d-4c59-9a7e-5d0e6c3b8a21"
AT = datetime(2022, 11, 29, 20, 50, 32, tzinfo=UTC)
SUBJECT = "Patient/p-1"
QR = f"QuestionnaireResponse/{CHECKIN}"
PROFILE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-observation-screening-assessment"


def unversioned(url: str) -> str:
    return url.split("|")[0]


def example_answers() -> dict[str, int]:
    """HL7's example QuestionnaireResponse, read into Waypoint's answers by LOINC code."""
    phq9 = get_definition("phq9")
    by_loinc = {item.loinc: item for item in phq9.items}
    answers = {}
    for entry in us_core_example("QuestionnaireResponse-phq-9-example")["item"]:
        item = by_loinc.get(entry["linkId"].lstrip("/"))
        coding = entry["answer"][0].get("valueCoding")
        if item is None or coding is None:
            continue  # the total, which Waypoint computes
        (option,) = [o for o in item.options if o.loinc == coding["code"]]
        answers[item.link_id] = option.value
    return answers


@pytest.fixture
def waypoint_phq9():
    phq9 = get_definition("phq9")
    answers = example_answers()
    resources = screening_observations(
        phq9, CHECKIN, score(phq9, answers), answers, AT, SUBJECT, QR
    )
    return {r["id"]: r for r in resources}, resources


def test_the_example_answers_are_read_completely():
    answers = example_answers()
    assert len(answers) == 10 and answers["phq9_1"] == 2 and answers["phq9_difficulty"] == 1


def test_the_panel_matches_hl7s(waypoint_phq9):
    by_id, (panel, *members) = waypoint_phq9
    theirs = us_core_example("Observation-PHQ9-panel-example-44249-1")
    assert set(theirs) <= set(panel), "every element of HL7's panel is there"
    assert [unversioned(p) for p in theirs["meta"]["profile"]] == panel["meta"]["profile"]
    assert panel["meta"]["profile"] == [PROFILE]
    assert panel["status"] == theirs["status"] == "final"
    assert panel["category"][0] == theirs["category"][0]  # survey, with its display
    # The second category: a code of US Core's category system (ours: Mental/Cognitive Status).
    assert (
        panel["category"][1]["coding"][0]["system"] == theirs["category"][1]["coding"][0]["system"]
    )
    assert panel["code"]["coding"] == theirs["code"]["coding"]  # code and LOINC's display
    # hasMember in HL7's order (item 1..9, total, difficulty by their ids' LOINC codes) holds
    # the same LOINC codes as ours.
    their_members = [ref["reference"].rsplit("-example-", 1)[1] for ref in theirs["hasMember"]]
    ours = [by_id[ref["reference"].split("/", 1)[1]] for ref in panel["hasMember"]]
    assert sorted(their_members) == sorted(m["code"]["coding"][0]["code"] for m in ours)
    assert [r["reference"].split("/")[0] for r in panel["derivedFrom"]] == [
        r["reference"].split("/")[0] for r in theirs["derivedFrom"]
    ]
    assert panel["effectiveDateTime"].startswith(theirs["effectiveDateTime"][:19])
    assert [k for k in panel if k.startswith("value")] == []
    assert [k for k in theirs if k.startswith("value")] == []


@pytest.mark.parametrize(
    ("example", "link_id"),
    [
        ("Observation-PHQ9-item-example-44250-9", "phq9_1"),
        ("Observation-PHQ9-item-example-44260-8", "phq9_9"),
        ("Observation-PHQ9-item-example-69722-7", "phq9_difficulty"),
    ],
)
def test_an_item_matches_hl7s(waypoint_phq9, example, link_id):
    by_id, _ = waypoint_phq9
    ours = by_id[f"{CHECKIN}-{link_id}".replace("_", "-")]
    theirs = us_core_example(example)
    assert set(theirs) <= set(ours)
    assert ours["meta"]["profile"] == [unversioned(p) for p in theirs["meta"]["profile"]]
    assert ours["category"][0] == theirs["category"][0]
    ours_code, their_code = ours["code"]["coding"][0], theirs["code"]["coding"][0]
    assert (ours_code["system"], ours_code["code"]) == (their_code["system"], their_code["code"])
    # The same answer, coded the same (LA code and LOINC's display), the words in text.
    assert ours["valueCodeableConcept"]["coding"] == theirs["valueCodeableConcept"]["coding"]
    assert ours["valueCodeableConcept"]["text"] == theirs["valueCodeableConcept"]["text"]
    assert ours["derivedFrom"] == [{"reference": QR}]
    # The patient answered: the performer is the patient (HL7's example names a practitioner).
    assert ours["performer"] == [{"reference": SUBJECT}]


def test_the_total_matches_hl7s_with_a_number(waypoint_phq9):
    by_id, _ = waypoint_phq9
    ours = by_id[f"{CHECKIN}-total"]
    theirs = us_core_example("Observation-PHQ9-item-example-44261-6")
    assert ours["code"]["coding"] == theirs["code"]["coding"]
    assert ours["category"][0] == theirs["category"][0]
    # HL7's example carries the total as the string "12"; ours is the same number as a
    # Quantity in UCUM {score}, the profile's must-support type an analysis can sum.
    assert ours["valueQuantity"]["value"] == int(theirs["valueString"]) == 12
    assert ours["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert ours["derivedFrom"][0] == {"reference": QR}
    assert len(ours["derivedFrom"]) == 1 + 9  # and the nine answers it sums


def test_the_response_matches_hl7s():
    phq9 = get_definition("phq9")
    ours = questionnaire_response(phq9, CHECKIN, example_answers(), AT, SUBJECT)
    theirs = us_core_example("QuestionnaireResponse-phq-9-example")
    assert set(theirs) - {"text"} <= set(ours)
    assert ours["meta"]["profile"] == [unversioned(p) for p in theirs["meta"]["profile"]]
    # The same answers, coded the same, question by question (ours by linkId, theirs by code).
    by_loinc = {item.link_id: item.loinc for item in phq9.items}
    ours_answers = {
        by_loinc[i["linkId"]]: i["answer"][0] for i in ours["item"] if i["linkId"] in by_loinc
    }
    for entry in theirs["item"]:
        code = entry["linkId"].lstrip("/")
        if "valueCoding" in entry["answer"][0]:
            assert ours_answers[code]["valueCoding"] == entry["answer"][0]["valueCoding"], code


def test_the_schema_is_r4s():
    assert schema_id() == "http://hl7.org/fhir/json-schema/4.0"
    for name in ("Observation-PHQ9-panel-example-44249-1", "QuestionnaireResponse-phq-9-example"):
        assert schema_errors(us_core_example(name)) == []


def test_the_schema_catches_a_broken_resource(waypoint_phq9):
    """It is a real check: a misspelt element and a bad code type are refused."""
    _, (panel, *_) = waypoint_phq9
    broken = {**panel, "valueQuantiti": {"value": 1}}
    assert any("valueQuantiti" in e for e in schema_errors(broken))
    assert schema_errors({**panel, "status": 3}) != []


def test_every_instrument_has_sample_answers():
    assert set(SAMPLE_ANSWERS) == set(all_definitions())


@pytest.mark.parametrize("code", sorted(SAMPLE_ANSWERS))
def test_every_instruments_resources_pass_the_r4_schema(code):
    definition = all_definitions()[code]
    answers = SAMPLE_ANSWERS[code]
    documents = [
        questionnaire(definition),
        questionnaire_response(definition, CHECKIN, answers, AT, SUBJECT),
        *screening_observations(
            definition, CHECKIN, score(definition, answers), answers, AT, SUBJECT, QR
        ),
    ]
    for document in documents:
        assert schema_errors(document) == [], document["id"]


@pytest.mark.parametrize("code", sorted(d.code for d in every_translation()))
def test_every_translations_resources_pass_the_r4_schema_with_loincs_displays(code):
    """In another language every word is the translation's, but a LOINC code's display stays
    LOINC's (the English definition's), the translation beside it where a Coding stands alone."""
    (definition,) = [d for d in every_translation() if d.code == code]
    english = get_definition(code)
    answers = SAMPLE_ANSWERS[code]
    response, observations = checkin_resources(definition, CHECKIN, answers, AT, SUBJECT)
    documents = [questionnaire(definition), response, *observations]
    for document in documents:
        assert schema_errors(document) == [], document["id"]
    assert {response["language"]} | {o["language"] for o in observations} == {"es"}
    loinc = {
        o.loinc: o.loinc_display or o.text
        for item in english.items
        for o in item.options
        if o.loinc
    }
    codings = [
        a["valueCoding"] for i in response["item"] for a in i["answer"] if "valueCoding" in a
    ]
    codings += [
        o["valueCodeableConcept"]["coding"][0]
        for o in observations[1:]
        if "valueCodeableConcept" in o
    ]
    codings += [
        option["valueCoding"]
        for item in documents[0]["item"]
        for option in item.get("answerOption", [])
    ]
    assert codings
    for coding in codings:
        if coding["system"] == "http://loinc.org":
            assert coding["display"] == loinc[coding["code"]], coding
    # The words the patient saw are there too, as the translation of the response's displays.
    translated = [c for c in codings if "_display" in c]
    assert translated or not loinc
    for coding in translated:
        lang, content = coding["_display"]["extension"][0]["extension"]
        assert (
            lang == {"url": "lang", "valueCode": "es"}
            and content["valueString"] != coding["display"]
        )
