"""FHIR R4 resources for instruments and scored check-ins (plain dicts, JSON-ready).

LOINC codes are used where CLINICAL.md lists them. Instruments without LOINC codes (the ASQ
and the post-session check) and the ASQ result are coded in Waypoint's own code system,
`WAYPOINT_SYSTEM`; replace `CANONICAL_BASE` once Waypoint has its canonical domain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from surveys.errors import SurveysError
from surveys.model import Definition, Item, Option
from surveys.scoring import Score, validate_answers
from surveys.scoring import score as score_answers

LOINC = "http://loinc.org"
#: `.example` is reserved (RFC 2606): a placeholder nobody else can own.
CANONICAL_BASE = "https://waypoint.example/fhir"
WAYPOINT_SYSTEM = f"{CANONICAL_BASE}/CodeSystem/waypoint"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
CALCULATED_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
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


def _panel_coding(definition: Definition) -> dict[str, str]:
    if definition.loinc_panel:
        return {"system": LOINC, "code": definition.loinc_panel}
    return {"system": WAYPOINT_SYSTEM, "code": definition.code, "display": definition.title}


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


def _total_link_id(definition: Definition) -> str:
    return f"{definition.code}_total"


def _enable_when(definition: Definition, item: Item) -> dict[str, Any]:
    """R4 allows only `=` / `!=` on codings, so list every answer that satisfies the condition."""
    condition = item.enable_when
    assert condition is not None
    entries = [
        {"question": link_id, "operator": "=", "answerCoding": _answer_coding(source, option)}
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
                "valueCoding": _answer_coding(item, option),
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
            total["code"] = [{"system": LOINC, "code": definition.loinc_total}]
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


def _answer(item: Item, value: int | str) -> dict[str, Any]:
    if item.type == "text":
        return {"valueString": value}
    return {"valueCoding": _answer_coding(item, item.option(int(value)))}


def questionnaire_response(
    definition: Definition,
    checkin_id: str,
    answers: Mapping[str, object],
    authored: datetime,
    subject_ref: str,
) -> dict[str, Any]:
    """A completed QuestionnaireResponse; the answers are validated (AnswerError) first."""
    result = score_answers(definition, answers)
    clean = validate_answers(definition, answers)
    items = [
        {"linkId": item.link_id, "text": item.text, "answer": [_answer(item, clean[item.link_id])]}
        for item in definition.items
        if item.link_id in clean
    ]
    if result.total is not None:
        items.append(
            {
                "linkId": _total_link_id(definition),
                "text": "Total score",
                "answer": [{"valueInteger": result.total}],
            }
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id(checkin_id),
        "questionnaire": f"{questionnaire_url(definition)}|{definition.version}",
        "status": "completed",
        "subject": {"reference": subject_ref},
        "authored": _instant(authored),
        "item": items,
    }


def observation(
    definition: Definition,
    checkin_id: str,
    score: Score,
    answers: Mapping[str, object],
    effective: datetime,
    subject_ref: str,
    qr_ref: str,
) -> dict[str, Any]:
    """The check-in as a survey panel Observation: items and total as components."""
    clean = validate_answers(definition, answers)
    components: list[dict[str, Any]] = []
    for item in definition.items:
        if item.link_id not in clean:
            continue
        value = clean[item.link_id]
        component: dict[str, Any] = {"code": {"coding": [_item_coding(item)], "text": item.text}}
        if item.type == "text":
            component["valueString"] = value
        else:
            option = item.option(int(value))
            component["valueCodeableConcept"] = {
                "coding": [_answer_coding(item, option)],
                "text": option.text,
            }
        components.append(component)
    if score.total is not None:
        total_code = (
            {"system": LOINC, "code": definition.loinc_total}
            if definition.loinc_total
            else {"system": WAYPOINT_SYSTEM, "code": _total_link_id(definition)}
        )
        components.append(
            {"code": {"coding": [total_code], "text": "Total score"}, "valueInteger": score.total}
        )
    out: dict[str, Any] = {
        "resourceType": "Observation",
        "id": resource_id(checkin_id),
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {"coding": [_panel_coding(definition)], "text": definition.title},
        "subject": {"reference": subject_ref},
        "effectiveDateTime": _instant(effective),
        "derivedFrom": [{"reference": qr_ref}],
        "component": components,
    }
    if score.severity_label:
        out["interpretation"] = [{"text": f"{score.severity_label} ({definition.short_title})"}]
    if score.result:
        out["valueCodeableConcept"] = {
            "coding": [
                {
                    "system": WAYPOINT_SYSTEM,
                    "code": f"{definition.code}-{score.result}",
                    "display": score.result_label or score.result,
                }
            ],
            "text": score.result_label or score.result,
        }
    return out
