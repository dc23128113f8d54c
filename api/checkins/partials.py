"""A check-in still under way, sent the moment an answer triggers a safety rule. Flushes only.

The app sends the answers given so far under the check-in's own client-made id, before the
patient finishes (or abandons) it. Stored once; its safety alert and first notifications are
raised in the same transaction, with the key the finished check-in will use, so that the
finished check-in joins that alert instead of raising a second one.
"""

from dataclasses import dataclass

import surveys

from ..boundary import after_commit
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Checkin, CheckinPartial, Patient
from ..models.base import utcnow
from ..pipeline.submit import partial_hits, partial_stored
from .answers import answer_rows
from .operations import (
    answer_time,
    definition_of,
    insert_once,
    payload_hash,
    replayed,
    safety_body,
)


@dataclass
class PartialSubmission:
    partial: CheckinPartial
    created: bool


def submit_partial(patient: Patient, body: dict) -> PartialSubmission:
    """Store a safety signal once and raise its alert; a replay returns it, a conflict refuses."""
    hashed = payload_hash(body, "answered_at")
    existing = db.session.get(CheckinPartial, body["id"])
    if existing is not None:
        return PartialSubmission(replayed(existing, patient, hashed), created=False)
    now = utcnow()
    definition = definition_of(body["instrument"])
    try:
        answers = surveys.validate_partial(definition, body["answers"])
    except surveys.AnswerError as exc:
        raise Invalid("Some answers are not valid.", {"answers": exc.errors}) from None
    # A safety answer is never refused for its time (a fast clock or a time that cannot be
    # stored gives the arrival time), exactly as for a finished check-in.
    answered_at, reported, _unusable = answer_time(
        body["answered_at"], now, safety_endorsed=True, field="answered_at"
    )
    partial = CheckinPartial(
        id=body["id"],
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        instrument=definition.code,
        instrument_version=definition.version,
        answers=answers,
        payload_hash=hashed,
        safety_level=surveys.evaluate_safety(definition, answers).level,
        answered_at=answered_at,
        reported_answered_at=reported,
        received_at=now,
    )
    hits = partial_hits(patient, partial, definition)
    if not hits:
        raise Invalid(
            "These answers trigger no safety rule: send the check-in when it is finished.",
            {"answers": ["No safety rule is triggered by these answers."]},
            reason="no_safety_rule",
        )
    taken = db.session.get(Checkin, body["id"])
    if taken is not None and taken.patient_id != patient.id:
        raise Conflict("This id belongs to another check-in.")
    if not insert_once(partial):
        # Another request with this id won the race: answer as a replay of it.
        existing = db.session.get(CheckinPartial, body["id"])
        if existing is None:
            raise Conflict("This id was used and is no longer available.")
        return PartialSubmission(replayed(existing, patient, hashed), created=False)
    partial_stored(
        patient, partial, definition, hits, now, after_commit, finished=taken is not None
    )
    return PartialSubmission(partial, created=True)


def partial_body(partial: CheckinPartial, patient: Patient) -> dict:
    """The response body for a stored safety signal (identical on every replay)."""
    definition = surveys.get_definition(partial.instrument, partial.instrument_version)
    return {
        "id": partial.id,
        "instrument": partial.instrument,
        "answered_at": partial.answered_at,
        "received_at": partial.received_at,
        "safety": safety_body(
            definition,
            partial.answers,
            patient.clinic,
            level=partial.safety_level,
        ),
    }


def with_signals(items: list[dict], patient_id) -> list[dict]:
    """Add to each finished check-in that began as a safety signal when that answer was given,
    and the signal's answers where the patient changed one before finishing."""
    ids = [item["id"] for item in items if item.get("status") == "complete"]
    if not ids:
        return items
    query = db.select(CheckinPartial).where(
        CheckinPartial.patient_id == patient_id, CheckinPartial.id.in_(ids)
    )
    signals = {row.id: row for row in db.session.scalars(query)}
    for item in items:
        row = signals.get(item["id"])
        if row is None:
            continue
        given = {a["link_id"]: a["value"] for a in item["answers"]}
        changed = any(given.get(key) != value for key, value in row.answers.items())
        definition = surveys.get_definition(row.instrument, row.instrument_version)
        item["signal"] = {
            "answered_at": row.answered_at,
            "changed_answers": answer_rows(definition, row.answers) if changed else None,
        }
    return items


def merged_unfinished(items: list[dict], patient_id, instrument: str | None, limit: int) -> list:
    """The clinic's check-in list ``items`` with the patient's unfinished partials merged in.

    Newest first by when the patient answered; an unfinished one has no completion time.
    """
    finished = db.select(Checkin.id).where(Checkin.id == CheckinPartial.id).exists()
    query = db.select(CheckinPartial).where(CheckinPartial.patient_id == patient_id, ~finished)
    if instrument is not None:
        query = query.where(CheckinPartial.instrument == instrument)
    rows = db.session.scalars(query.order_by(CheckinPartial.answered_at.desc()).limit(limit))
    unfinished = [_unfinished(row) for row in rows]
    if not unfinished:
        return items
    merged = sorted(items + unfinished, key=lambda item: item["answered_at"], reverse=True)
    return merged[:limit]


def _unfinished(row: CheckinPartial) -> dict:
    definition = surveys.get_definition(row.instrument, row.instrument_version)
    return {
        "id": row.id,
        "status": "unfinished",
        "instrument": row.instrument,
        "instrument_title": definition.short_title,
        "answered_at": row.answered_at,
        "completed_at": None,
        "received_at": row.received_at,
        "total": None,
        "severity": None,
        "severity_label": None,
        "result": None,
        "safety_endorsed": True,
        "safety_level": row.safety_level,
        "asq_result": None,
        "prorated": False,
        "answers": answer_rows(definition, row.answers),
    }
