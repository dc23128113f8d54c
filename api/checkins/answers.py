"""Answers as the clinic reads them: each question's text and the answer in its own words."""

import surveys


def answer_rows(definition: surveys.Definition, answers: dict) -> list[dict]:
    """Every answered question in item order, with its text and the answer's label."""
    rows = []
    for item in definition.items:
        if item.link_id not in answers:
            continue
        value = answers[item.link_id]
        label = value if item.type == "text" else None
        if item.type == "choice" and value in item.values:
            label = item.option(value).text
        rows.append({"link_id": item.link_id, "text": item.text, "value": value, "label": label})
    return rows


def safety_answer_rows(definition: surveys.Definition, answers: dict) -> list[dict]:
    """The rows of the safety items these answers endorse (item 9 "Nearly every day"...)."""
    endorsed = set(surveys.evaluate_safety(definition, answers).items)
    return answer_rows(definition, {k: v for k, v in answers.items() if k in endorsed})
