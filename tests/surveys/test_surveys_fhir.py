"""FHIR output: LOINC codes in order, ordinal values, the US Core screening-assessment shape,
and validation by fhir.resources (its R4B models, which match R4 for these resources)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.observation import Observation
from fhir.resources.questionnaire import Questionnaire
from fhir.resources.questionnaireresponse import QuestionnaireResponse

from surveys import AnswerError, SurveysError, all_definitions, get_definition, score
from surveys.fhir import (
    LOINC,
    ORDINAL_VALUE,
    WAYPOINT_SYSTEM,
    questionnaire,
    questionnaire_response,
    resource_id,
    screening_observations,
)
from tests.support.answers import SAMPLE_ANSWERS

CHECKIN = "3f1c2b9e-5a7d-4c1e-9b2a-0d6f8e4a1c3b"
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
PHQ9_ITEMS = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7",
    "44258-2", "44252-5", "44253-3", "44260-8",
]  # fmt: skip
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]
SAMPLE = SAMPLE_ANSWERS


def codes(concepts):
    return [(c["system"], c["code"]) for c in concepts]


def questions(q):
    return [item for item in q["item"] if item["type"] in ("choice", "text")]


def test_phq9_questionnaire_codes(phq9):
    q = questionnaire(phq9)
    assert codes(q["code"]) == [(LOINC, "44249-1")]
    items = questions(q)
    assert [item["code"][0]["code"] for item in items[:9]] == PHQ9_ITEMS
    assert items[9]["code"][0]["code"] == "69722-7"
    for item in items[:9]:
        answers = [(o["valueCoding"]["code"], o["extension"][0]) for o in item["answerOption"]]
        assert answers == [
            (code, {"url": ORDINAL_VALUE, "valueDecimal": value})
            for value, code in enumerate(["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"])
        ]
        assert item["required"] is True
    total = q["item"][-1]
    assert (total["linkId"], total["type"], total["readOnly"]) == ("phq9_total", "integer", True)
    assert codes(total["code"]) == [(LOINC, "44261-6")]
    assert q["item"][0]["type"] == "display" and q["item"][0]["text"].startswith("Over the last 2")
    Questionnaire.parse_obj(q)


def test_phq9_difficulty_enable_when_lists_every_answer_above_0(phq9):
    difficulty = questions(questionnaire(phq9))[9]
    assert difficulty["required"] is False
    assert difficulty["enableBehavior"] == "any"
    when = [
        (w["question"], w["operator"], w["answerCoding"]["code"]) for w in difficulty["enableWhen"]
    ]
    assert when == [
        (f"phq9_{i}", "=", code)
        for i in range(1, 10)
        for code in ("LA6569-3", "LA6570-1", "LA6571-9")
    ]
    assert [o["valueCoding"]["code"] for o in difficulty["answerOption"]] == [
        "LA6572-7",
        "LA6573-5",
        "LA6575-0",
        "LA6574-3",
    ]


def test_gad7_questionnaire_codes_in_published_order(gad7):
    q = questionnaire(gad7)
    assert codes(q["code"]) == [(LOINC, "69737-5")]
    assert [item["code"][0]["code"] for item in questions(q)] == [*GAD7_ITEMS, "69722-7"]
    assert codes(q["item"][-1]["code"]) == [(LOINC, "70274-6")]
    # LOINC's answer list for item 2 (68509-9) codes value 2 as LA18938-3.
    assert [o["valueCoding"]["code"] for o in questions(q)[1]["answerOption"]] == [
        "LA6568-5",
        "LA6569-3",
        "LA18938-3",
        "LA6571-9",
    ]
    Questionnaire.parse_obj(q)


def test_gad7_difficulty_is_optional_conditional_and_outside_the_total(gad7):
    q = questionnaire(gad7)
    difficulty = questions(q)[7]
    assert (difficulty["linkId"], difficulty["required"]) == ("gad7_difficulty", False)
    assert difficulty["enableBehavior"] == "any"
    assert {w["question"] for w in difficulty["enableWhen"]} == {f"gad7_{i}" for i in range(1, 8)}
    assert [o["valueCoding"]["code"] for o in difficulty["answerOption"]] == [
        "LA6572-7",
        "LA6573-5",
        "LA6575-0",
        "LA6574-3",
    ]
    expression = q["item"][-1]["extension"][0]["valueExpression"]["expression"]
    assert "gad7_7" in expression and "gad7_difficulty" not in expression


def test_gad7_questionnaire_response_carries_the_difficulty_unscored(gad7):
    qr = questionnaire_response(gad7, CHECKIN, SAMPLE["gad7"], AT, "Patient/p-1")
    assert qr["questionnaire"].endswith("/Questionnaire/gad7|1.1.0")
    by_id = {item["linkId"]: item["answer"][0] for item in qr["item"]}
    # LOINC's own display of its code; the patient read the form's "More than half the days".
    assert by_id["gad7_2"]["valueCoding"] == {
        "system": LOINC,
        "code": "LA18938-3",
        "display": "More days than not",
    }
    assert by_id["gad7_difficulty"]["valueCoding"] == {
        "system": LOINC,
        "code": "LA6574-3",
        "display": "Extremely difficult",
    }
    assert by_id["gad7_total"] == {"valueInteger": 8}  # 1 x 6 + 2: difficulty (3) not counted
    QuestionnaireResponse.parse_obj(qr)
    panel, *members = screening_observations(
        gad7, CHECKIN, score(gad7, SAMPLE["gad7"]), SAMPLE["gad7"], AT, "Patient/p-1", "QR/x"
    )
    assert [m["code"]["coding"][0]["code"] for m in members] == [
        *GAD7_ITEMS,
        "69722-7",
        "70274-6",
    ]
    assert members[-1]["valueQuantity"]["value"] == 8
    # The total derives from the seven scored answers, not the difficulty question.
    summed = {ref["reference"] for ref in members[-1]["derivedFrom"][1:]}
    assert summed == {f"Observation/{CHECKIN}-gad7-{i}" for i in range(1, 8)}


def test_a_gad7_1_0_0_check_in_is_read_with_the_questions_it_was_asked():
    old = get_definition("gad7", "1.0.0")
    answers = {f"gad7_{i}": 2 for i in range(1, 8)}
    qr = questionnaire_response(old, CHECKIN, answers, AT, "Patient/p-1")
    assert qr["questionnaire"].endswith("/Questionnaire/gad7|1.0.0")
    by_id = {item["linkId"]: item for item in qr["item"]}
    assert by_id["gad7_7"]["text"] == "Feeling afraid, as if something awful might happen"
    assert by_id["gad7_2"]["answer"][0]["valueCoding"]["code"] == "LA6570-1"
    assert "gad7_difficulty" not in by_id and by_id["gad7_total"]["answer"][0]["valueInteger"] == 14


def test_asq_and_post_session_use_waypoints_code_system(asq, post_session):
    q = questionnaire(asq)
    assert codes(q["code"]) == [(WAYPOINT_SYSTEM, "asq")]
    acuity = questions(q)[4]
    assert acuity["required"] is True
    assert [(w["question"], w["answerCoding"]["code"]) for w in acuity["enableWhen"]] == [
        (f"asq_{i}", "LA33-6") for i in range(1, 5)
    ]
    ps = questionnaire(post_session)
    assert ps["id"] == "post-session"
    assert "not a validated instrument" in ps["description"]
    other = questions(ps)[-1]
    assert (other["type"], other["maxLength"]) == ("text", 1000)
    (nausea,) = [q for q in questions(ps) if q["linkId"] == "ps_nausea"]
    assert nausea["answerOption"][1]["valueCoding"] == {
        "system": WAYPOINT_SYSTEM,
        "code": "ps_nausea=1",
        "display": "A little",
    }


@pytest.mark.parametrize("code", sorted(SAMPLE_ANSWERS))
def test_every_resource_validates_as_fhir_r4(code):
    definition = all_definitions()[code]
    answers = SAMPLE[code]
    q = Questionnaire.parse_obj(questionnaire(definition))
    assert q.status == "active"
    qr = questionnaire_response(definition, CHECKIN, answers, AT, "Patient/p-1")
    QuestionnaireResponse.parse_obj(qr)
    result = score(definition, answers)
    observations = screening_observations(
        definition, CHECKIN, result, answers, AT, "Patient/p-1", f"QuestionnaireResponse/{CHECKIN}"
    )
    for obs in observations:
        Observation.parse_obj(obs)
    ids = [obs["id"] for obs in observations]
    assert len(set(ids)) == len(ids) and ids[0] == CHECKIN
    assert observations[0]["hasMember"] == [{"reference": f"Observation/{i}"} for i in ids[1:]]


def test_phq9_questionnaire_response(phq9):
    qr = questionnaire_response(phq9, CHECKIN, SAMPLE["phq9"], AT, "Patient/p-1")
    assert qr["id"] == CHECKIN and qr["status"] == "completed"
    assert qr["questionnaire"].endswith("/Questionnaire/phq9|1.0.0")
    assert qr["authored"] == "2026-11-02T09:30:00+00:00"
    by_id = {item["linkId"]: item["answer"][0] for item in qr["item"]}
    assert by_id["phq9_9"]["valueCoding"] == {
        "system": LOINC,
        "code": "LA6569-3",
        "display": "Several days",
    }
    assert by_id["phq9_difficulty"]["valueCoding"]["code"] == "LA6575-0"
    assert by_id["phq9_total"] == {"valueInteger": 13}


def test_phq9_observation_panel(phq9):
    answers = SAMPLE["phq9"]
    result = score(phq9, answers)
    panel, *members = screening_observations(
        phq9, CHECKIN, result, answers, AT, "Patient/p-1", "QuestionnaireResponse/x"
    )
    assert [c["coding"][0]["code"] for c in panel["category"]] == ["survey", "cognitive-status"]
    assert codes(panel["code"]["coding"]) == [(LOINC, "44249-1")]
    assert panel["derivedFrom"] == [{"reference": "QuestionnaireResponse/x"}]
    assert panel["subject"] == {"reference": "Patient/p-1"} == panel["performer"][0]
    assert not [k for k in panel if k.startswith("value")]  # a panel: members, no value
    assert [m["code"]["coding"][0]["code"] for m in members] == [*PHQ9_ITEMS, "69722-7", "44261-6"]
    item9 = members[8]
    assert item9["id"] == f"{CHECKIN}-phq9-9"
    assert item9["valueCodeableConcept"]["coding"] == [
        {"system": LOINC, "code": "LA6569-3", "display": "Several days"}
    ]
    assert item9["effectiveDateTime"] == "2026-11-02T09:30:00+00:00"
    total = members[-1]
    assert total["valueQuantity"] == {
        "value": 13,
        "unit": "{score}",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert "performer" not in total  # derived, not answered
    assert total["interpretation"] == [{"text": "Moderate (PHQ-9)"}]


def test_asq_result_is_an_observation_of_its_own(asq):
    answers = SAMPLE["asq"]
    panel, *members = screening_observations(
        asq, CHECKIN, score(asq, answers), answers, AT, "Patient/p", "QuestionnaireResponse/q"
    )
    result = members[-1]
    assert result["id"] == f"{CHECKIN}-result"
    assert result["valueCodeableConcept"]["coding"][0] == {
        "system": WAYPOINT_SYSTEM,
        "code": "asq-imminent",
        "display": "Acute positive screen (imminent risk identified)",
    }
    # No LOINC codes for the ASQ's questions: Waypoint's own, with LOINC's yes/no answers.
    assert members[0]["code"]["coding"][0] == {"system": WAYPOINT_SYSTEM, "code": "asq_1"}
    assert members[0]["valueCodeableConcept"]["coding"][0]["code"] == "LA33-6"
    assert "total" not in str([m["id"] for m in members])


def test_post_session_free_text_is_a_string_and_no_mental_status_category(post_session):
    answers = SAMPLE["post_session"]
    panel, *members = screening_observations(
        post_session, CHECKIN, score(post_session, answers), answers, AT, "Patient/p", "QR/q"
    )
    assert [c["coding"][0]["code"] for c in panel["category"]] == ["survey"]
    (other,) = [m for m in members if m["id"].endswith("ps-other")]
    assert other["valueString"] == "A little tired in the morning."


def test_invalid_input_is_refused(phq9):
    with pytest.raises(AnswerError):
        questionnaire_response(phq9, CHECKIN, {"phq9_1": 1}, AT, "Patient/p")
    with pytest.raises(SurveysError, match="timezone"):
        questionnaire_response(phq9, CHECKIN, SAMPLE["phq9"], datetime(2026, 1, 1), "Patient/p")
    with pytest.raises(SurveysError, match="cannot be a FHIR id"):
        resource_id("has space")
    assert resource_id("post_session") == "post-session"
