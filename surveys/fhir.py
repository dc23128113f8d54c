"""FHIR R4 resources for instruments and scored check-ins (plain dicts, JSON-ready).

A check-in is a QuestionnaireResponse and, in the shape of the US Core Observation Screening
Assessment profile (US Core 6.0.0 and later), a panel Observation whose `hasMember` lists one
Observation per answer and a total Observation (docs/interoperability.md). LOINC codes are used
where docs/clinical.md lists them. Instruments without LOINC codes (the ASQ, the daily mood and
the post-session check) and the ASQ result are coded in Waypoint's own code system,
`WAYPOINT_SYSTEM`; replace `CANONICAL_BASE` once Waypoint has its canonical domain.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from surveys.definitions import get_definition
from surveys.errors import SurveysError
from surveys.model import Definition, Item, Option
from surveys.scoring import Score, validate_answers
from surveys.scoring import score as score_answers
from surveys.translations import DEFAULT_LANGUAGE

LOINC = "http://loinc.org"
#: `.example` is reserved (RFC 2606): a placeholder nobody else can own.
CANONICAL_BASE = "https://waypoint.example/fhir"
WAYPOINT_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/waypoint"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
CALCULATED_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
#: Unversioned: the profile's shape is the same from US Core 6.0.0 (which introduced it) to 9.0.0.
SCREENING_PROFILE = f"{US_CORE}/us-core-observation-screening-assessment"
QUESTIONNAIRE_RESPONSE_PROFILE = f"{US_CORE}/us-core-questionnaireresponse"
US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-category"
SURVEY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
#: USCDI's Mental/Cognitive Status (US Core's `cognitive-status`) names the PHQ as an example;
#: the post-session check is a side-effect checklist, not a mental-status screen.
MENTAL_STATUS = {
    "coding": [
        {"system": US_CORE_CATEGORY, "code": "cognitive-status", "display": "Cognitive Status"}
    ]
}
MENTAL_STATUS_INSTRUMENTS = frozenset({"phq9", "gad7", "asq", "mood"})
#: LOINC's names of the panel and total codes (as in HL7's US Core PHQ-9 example and the
#: LOINC-derived GAD-7 Questionnaire, docs/clinical.md).
LOINC_DISPLAY = {
    "44249-1": "PHQ-9 quick depression assessment panel [Reported.PHQ]",
    "44261-6": "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
    "69737-5": "Generalized anxiety disorder 7 item (GAD-7)",
    "70274-6": "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
}
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def resource_id(value: str) -> str:
    """A FHIR id from a Waypoint id (UUIDs pass as they are); raises SurveysError if invalid."""
    candidate = value.replace("_", "-")
    if not _ID.match(candidate):
        raise SurveysError(f"{value!r} cannot be a FHIR id (A-Z, a-z, 0-9, '-', '.'; 1-64).")
    return candidate


def questionnaire_url(definition: Definition) -> str:
    """The canonical URL of the definition's Questionnaire."""
    return f"{CANONICAL_BASE}/Questionnaire/{resource_id(definition.code)}"


def _instant(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise SurveysError("FHIR dateTimes with a time need a timezone; got a naive datetime.")
    return at.isoformat()


def _loinc(code: str) -> dict[str, str]:
    coding = {"system": LOINC, "code": code}
    if code in LOINC_DISPLAY:
        coding["display"] = LOINC_DISPLAY[code]
    return coding


def _panel_coding(definition: Definition) -> dict[str, str]:
    if definition.loinc_panel:
        return _loinc(definition.loinc_panel)
    return {"system": WAYPOINT_SYSTEM, "code": definition.code, "display": definition.title}


def _total_coding(definition: Definition) -> dict[str, str]:
    if definition.loinc_total:
        return _loinc(definition.loinc_total)
    return {"system": WAYPOINT_SYSTEM, "code": _total_link_id(definition), "display": "Total score"}


def _item_coding(item: Item) -> dict[str, str]:
    if item.loinc:
        return {"system": LOINC, "code": item.loinc}
    return {"system": WAYPOINT_SYSTEM, "code": item.link_id}


def _answer_coding(item: Item, option: Option) -> dict[str, str]:
    if option.loinc:
        # The code system's own display (LA18938-3 is "More days than not" in LOINC), else the
        # form's wording; the patient always sees the form's wording (option.text).
        return {
            "system": LOINC,
            "code": option.loinc,
            "display": option.loinc_display or option.text,
        }
    return {
        "system": WAYPOINT_SYSTEM,
        "code": f"{item.link_id}={option.value}",
        "display": option.text,
    }


@functools.cache
def _loinc_answer_displays(code: str, version: str) -> dict[tuple[str, int], str]:
    """LOINC's display of each LOINC-coded answer of a version, from the English definition:
    a coding's display is the code system's, whatever language the patient answered in."""
    english = get_definition(code, version)
    return {
        (item.link_id, option.value): option.loinc_display or option.text
        for item in english.items
        for option in item.options
        if option.loinc
    }


def _answered_coding(
    definition: Definition, item: Item, option: Option, words: bool = False
) -> dict[str, Any]:
    """An answer's coding. In a translation a LOINC code keeps LOINC's English display; with
    ``words`` the words the patient saw go with it (FHIR's translation extension), where no
    CodeableConcept's text carries them (a response's or a Questionnaire's bare Coding)."""
    coding: dict[str, Any] = _answer_coding(item, option)
    language = definition.data["language"]
    if not option.loinc or language == DEFAULT_LANGUAGE:
        return coding
    coding["display"] = _loinc_answer_displays(definition.code, definition.version)[
        (item.link_id, option.value)
    ]
    if words and option.text != coding["display"]:
        translation = [
            {"url": "lang", "valueCode": language},
            {"url": "content", "valueString": option.text},
        ]
        coding["_display"] = {"extension": [{"url": TRANSLATION, "extension": translation}]}
    return coding


def _total_link_id(definition: Definition) -> str:
    return f"{definition.code}_total"


def _enable_when(definition: Definition, item: Item) -> dict[str, Any]:
    """R4 allows only `=` / `!=` on codings, so list every answer that satisfies the condition."""
    condition = item.enable_when
    assert condition is not None
    entries = [
        {
            "question": link_id,
            "operator": "=",
            "answerCoding": _answered_coding(definition, source, option),
        }
        for link_id in condition.any_of
        for source in [definition.item(link_id)]
        for option in source.options
        if condition.comparison.holds(option.value)
    ]
    out: dict[str, Any] = {"enableWhen": entries}
    if len(entries) > 1:
        out["enableBehavior"] = "any"
    return out


def _question(definition: Definition, item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {
        "linkId": item.link_id,
        "code": [_item_coding(item)],
        "text": item.text,
        "type": "choice" if item.type == "choice" else "text",
        "required": item.required,
    }
    if item.enable_when is not None:
        out.update(_enable_when(definition, item))
    if item.type == "text":
        out["maxLength"] = item.max_length
    else:
        out["answerOption"] = [
            {
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
                "valueCoding": _answered_coding(definition, item, option, words=True),
            }
            for option in item.options
        ]
    return out


def questionnaire(definition: Definition) -> dict[str, Any]:
    """The definition as an R4 Questionnaire: LOINC-coded items and answers, ordinal values."""
    items: list[dict[str, Any]] = []
    if definition.data.get("preamble"):
        items.append(
            {
                "linkId": f"{definition.code}_preamble",
                "text": definition.data["preamble"],
                "type": "display",
            }
        )
    items.extend(_question(definition, item) for item in definition.items)
    if definition.scored:
        ids = ", ".join(f"'{link_id}'" for link_id in definition.scored_item_ids)
        total: dict[str, Any] = {
            "extension": [
                {
                    "url": CALCULATED_EXPRESSION,
                    "valueExpression": {
                        "language": "text/fhirpath",
                        "expression": f"%resource.item.where(linkId in ({ids}))"
                        ".answer.value.ordinal().sum()",
                    },
                }
            ],
            "linkId": _total_link_id(definition),
            "text": "Total score",
            "type": "integer",
            "readOnly": True,
        }
        if definition.loinc_total:
            total["code"] = [_loinc(definition.loinc_total)]
        items.append(total)
    out: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": resource_id(definition.code),
        "url": questionnaire_url(definition),
        "version": definition.version,
        "name": "".join(part.capitalize() for part in definition.code.split("_")),
        "title": definition.title,
        "status": "active",
        "subjectType": ["Patient"],
        "language": definition.data["language"],
        "description": definition.data.get("notice") or definition.data["source"],
        "copyright": definition.data["copyright"],
        "code": [_panel_coding(definition)],
        "item": items,
    }
    return out


@dataclass(frozen=True)
class _Answer:
    """One validated answer and its codings (None for free text), built once per check-in:
    the Observation's, and the response's with the words the patient saw."""

    item: Item
    value: int | str
    coding: dict[str, Any] | None
    response_coding: dict[str, Any] | None
    text: str


def _answers(definition: Definition, clean: Mapping[str, int | str]) -> list[_Answer]:
    out = []
    for item in definition.items:
        if item.link_id not in clean:
            continue
        value = clean[item.link_id]
        if item.type == "text":
            out.append(_Answer(item, value, None, None, str(value)))
            continue
        option = item.option(int(value))
        in_words = _answered_coding(definition, item, option, words=True)
        coding = {k: v for k, v in in_words.items() if k != "_display"}
        out.append(_Answer(item, value, coding, in_words, option.text))
    return out


def checkin_resources(
    definition: Definition,
    checkin_id: str,
    answers: Mapping[str, object],
    completed: datetime,
    subject_ref: str,
    result: Score | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A check-in's QuestionnaireResponse and its screening-assessment Observations, the
    answers validated (AnswerError) and coded once; ``result`` is their score if known."""
    clean = validate_answers(definition, answers)
    result = result or score_answers(definition, clean)
    given = _answers(definition, clean)
    at = _instant(completed)
    response = _response(definition, checkin_id, given, result, at, subject_ref)
    qr_ref = f"QuestionnaireResponse/{response['id']}"
    return response, _observations(definition, checkin_id, given, result, at, subject_ref, qr_ref)


def questionnaire_response(
    definition: Definition,
    checkin_id: str,
    answers: Mapping[str, object],
    authored: datetime,
    subject_ref: str,
    result: Score | None = None,
) -> dict[str, Any]:
    """A completed QuestionnaireResponse; the answers are validated (AnswerError) first.

    ``result`` is their score when the caller has it already.
    """
    clean = validate_answers(definition, answers)
    result = result or score_answers(definition, clean)
    given = _answers(definition, clean)
    return _response(definition, checkin_id, given, result, _instant(authored), subject_ref)


def _response(
    definition: Definition,
    checkin_id: str,
    given: list[_Answer],
    result: Score,
    authored: str,
    subject_ref: str,
) -> dict[str, Any]:
    items = [
        {
            "linkId": a.item.link_id,
            "text": a.item.text,
            "answer": [
                {"valueString": a.value}
                if a.response_coding is None
                else {"valueCoding": a.response_coding}
            ],
        }
        for a in given
    ]
    if result.total is not None:
        items.append(
            {
                "linkId": _total_link_id(definition),
                "text": "Total score",
                "answer": [{"valueInteger": result.total}],
            }
        )
    subject = {"reference": subject_ref}
    return {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id(checkin_id),
        "meta": {"profile": [QUESTIONNAIRE_RESPONSE_PROFILE]},
        # The language the patient answered in: a translation's definition carries its own.
        "language": definition.data["language"],
        "questionnaire": f"{questionnaire_url(definition)}|{definition.version}",
        "status": "completed",
        "subject": subject,
        "authored": authored,
        # The patient answered on their own phone: author and source of every answer.
        "author": subject,
        "source": subject,
        "item": items,
    }


def screening_observations(
    definition: Definition,
    checkin_id: str,
    score: Score,
    answers: Mapping[str, object],
    effective: datetime,
    subject_ref: str,
    qr_ref: str,
) -> list[dict[str, Any]]:
    """The check-in as US Core screening-assessment Observations: the panel first, then one
    Observation per answer (performer: the patient), then the derived total and result.

    Answers are validated (AnswerError) first; ids are the check-in's id and the item's.
    """
    given = _answers(definition, validate_answers(definition, answers))
    return _observations(
        definition, checkin_id, given, score, _instant(effective), subject_ref, qr_ref
    )


def _observations(
    definition: Definition,
    checkin_id: str,
    given: list[_Answer],
    score: Score,
    effective: str,
    subject_ref: str,
    qr_ref: str,
) -> list[dict[str, Any]]:
    category = [SURVEY]
    if definition.code in MENTAL_STATUS_INSTRUMENTS:
        category.append(MENTAL_STATUS)
    # What every Observation of the check-in shares (one object each: JSON writes it out).
    common = {
        "meta": {"profile": [SCREENING_PROFILE]},
        # The words of the codes' and values' text: the language the patient answered in.
        "language": definition.data["language"],
        "status": "final",
        "category": category,
        "subject": {"reference": subject_ref},
        "effectiveDateTime": effective,
    }

    def assessment(suffix: str | None, code: dict[str, Any]) -> dict[str, Any]:
        obs_id = checkin_id if suffix is None else f"{checkin_id}-{suffix}"
        return {"resourceType": "Observation", "id": resource_id(obs_id), **common, "code": code}

    derived_from = [{"reference": qr_ref}]
    patient = [{"reference": subject_ref}]
    scored = set(definition.scored_item_ids)
    members: list[dict[str, Any]] = []
    scored_refs = []
    for a in given:
        resource = assessment(
            a.item.link_id, {"coding": [_item_coding(a.item)], "text": a.item.text}
        )
        resource["performer"] = patient
        if a.coding is None:
            resource["valueString"] = a.value
        else:
            resource["valueCodeableConcept"] = {"coding": [a.coding], "text": a.text}
        resource["derivedFrom"] = derived_from
        members.append(resource)
        if a.item.link_id in scored:
            scored_refs.append({"reference": f"Observation/{resource['id']}"})
    answered = [{"reference": f"Observation/{m['id']}"} for m in members]
    if score.total is not None:
        total = assessment("total", {"coding": [_total_coding(definition)], "text": "Total score"})
        # A derived answer: no performer, derived from the answers it sums (US Core's guidance).
        total["valueQuantity"] = {
            "value": score.total,
            "unit": "{score}",
            "system": UCUM,
            "code": "{score}",
        }
        if score.severity_label:
            total["interpretation"] = [
                {"text": f"{score.severity_label} ({definition.short_title})"}
            ]
        total["derivedFrom"] = [*derived_from, *scored_refs]
        members.append(total)
    if score.result:
        label = score.result_label or score.result
        name = f"{definition.short_title} result"
        code = {
            "coding": [
                {"system": WAYPOINT_SYSTEM, "code": f"{definition.code}_result", "display": name}
            ],
            "text": name,
        }
        result = assessment("result", code)
        result["valueCodeableConcept"] = {
            "coding": [
                {
                    "system": WAYPOINT_SYSTEM,
                    "code": f"{definition.code}-{score.result}",
                    "display": label,
                }
            ],
            "text": label,
        }
        result["derivedFrom"] = [*derived_from, *answered]
        members.append(result)
    panel = assessment(None, {"coding": [_panel_coding(definition)], "text": definition.title})
    panel["performer"] = patient
    panel["hasMember"] = [{"reference": f"Observation/{m['id']}"} for m in members]
    panel["derivedFrom"] = derived_from
    return [panel, *members]
