"""The one set of answer helpers: answer sets and check-in bodies the way the app sends them."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

import surveys

PHQ9_ZERO = {f"phq9_{n}": 0 for n in range(1, 10)}
#: One complete answer set of every shipped instrument (the post-session check's free text too).
SAMPLE_ANSWERS = {
    "phq9": {**{f"phq9_{i}": i % 4 for i in range(1, 10)}, "phq9_difficulty": 2},
    "gad7": {**{f"gad7_{i}": 1 for i in range(1, 8)}, "gad7_2": 2, "gad7_difficulty": 3},
    "asq": {"asq_1": 1, "asq_2": 0, "asq_3": 0, "asq_4": 0, "asq_5": 1},
    "post_session": {
        **dict.fromkeys(surveys.get_definition("post_session").item_ids, 0),
        "ps_nausea": 1,
        "ps_headache": 2,
        "ps_sleep": 1,
        "ps_other": "A little tired in the morning.",
    },
    "mood": {"mood_today": 6},
}


def phq9(**answers) -> dict:
    """A complete PHQ-9: zeros unless given (``q9=1`` endorses item 9); the unscored
    difficulty question answered when any item is above 0, as the app asks it."""
    result = {**PHQ9_ZERO, **{f"phq9_{k[1:]}": v for k, v in answers.items()}}
    if any(result.values()):
        result["phq9_difficulty"] = 1
    return result


def phq9_every(level: int = 1, item9: int = 0) -> dict:
    """PHQ-9 answers with items 1-8 at ``level`` and item 9 at ``item9`` (no difficulty)."""
    answers = {f"phq9_{n}": level for n in range(1, 9)}
    answers["phq9_9"] = item9
    return answers


def answers_for(code: str, total: int, item9: int = 0) -> dict:
    """A valid answer set of instrument ``code`` with this total (PHQ-9 item 9 as given)."""
    definition = surveys.get_definition(code)
    ids = list(definition.scored_item_ids)
    answers = {}
    if code == "phq9":
        answers["phq9_9"] = item9
        ids.remove("phq9_9")
        total -= item9
    for n, link_id in enumerate(ids):
        value = min(3, -(-total // (len(ids) - n)))
        answers[link_id] = value
        total -= value
    assert total == 0
    if code == "phq9" and any(answers.values()):
        answers["phq9_difficulty"] = 1
    return answers


def checkin_body(answers=None, instrument="phq9", completed_at=None, checkin_id=None) -> dict:
    """A POST /api/v1/checkins body (a fresh client id, answered now unless given)."""
    return {
        "id": str(checkin_id or uuid.uuid4()),
        "instrument": instrument,
        "answers": answers if answers is not None else phq9(),
        "completed_at": (completed_at or datetime.now(UTC)).isoformat(),
    }


def submit(client, csrf, answers, **kwargs) -> uuid.UUID:
    """POST a check-in as a signed-in patient; its id (the POST must be a 201)."""
    response = client.post(
        "/api/v1/checkins", json=checkin_body(answers, **kwargs), headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.json
    return uuid.UUID(response.json["id"])


def post(client, csrf, payload):
    """POST a check-in body as a signed-in patient; the response, whatever it is."""
    return client.post("/api/v1/checkins", json=payload, headers={"X-CSRF-Token": csrf})


def count_checkins(db_session) -> int:
    """How many check-ins are stored (of every patient)."""
    from api.models import Checkin

    return db_session.scalar(sa.select(sa.func.count()).select_from(Checkin))
