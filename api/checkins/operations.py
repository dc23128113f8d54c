"""Submitting a check-in: validate, score, store, raise safety alerts. Flushes only."""

import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

import surveys

from .. import timebounds
from ..boundary import after_commit
from ..errors import Conflict, Invalid
from ..extensions import db
from ..models import Checkin, Patient
from ..models.base import dialect_insert, utcnow
from ..pipeline.submit import checkin_stored
from ..queue import broker_marked_down
from .limits import count_checkin

log = logging.getLogger("waypoint.checkins")

MAX_FUTURE = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)


@dataclass
class Submission:
    checkin: Checkin
    created: bool


def submit_checkin(patient: Patient, body: dict, device: str = "") -> Submission:
    """Store a scored check-in once; a replay returns the stored one, a conflict refuses.

    ``device`` names the signed-in device for the check-in limits (``limits``), which a
    check-in endorsing a safety item or raising an urgent red flag never meets. A new
    check-in's safety alerts and what its commit publishes: ``api.pipeline.submit``.
    """
    payload_hash_ = payload_hash(body, "completed_at")
    now = utcnow()
    try:
        definition, score, (completed_at, reported_at, unusable) = _validated(body, now)
    except Invalid:
        # A replay is answered as stored even if it would no longer validate (too old now).
        existing = db.session.get(Checkin, body["id"])
        if existing is None:
            raise
        return Submission(replayed(existing, patient, payload_hash_), created=False)
    checkin = scored_checkin(
        patient,
        definition,
        body["answers"],
        score,
        checkin_id=body["id"],
        payload_hash=payload_hash_,
        completed_at=completed_at,
        reported_completed_at=reported_at,
        reported_time_unusable=unusable,
        received_at=now,
        # The evaluation is published after the commit (api/pipeline/submit.py): recorded in
        # the same INSERT, for the reconciler's backoff (api/pipeline/outbox.py); not while
        # this process skips the broker, so that the reconciler sends it at its next tick.
        last_published_at=None if broker_marked_down(current_app) else now,
        follow_up_of=body.get("follow_up_of"),
        # What the phone could have shown: an instrument not offered in the language asked
        # for was shown in English (surveys.translated), and is stored as such.
        language=surveys.translated(definition, body.get("language", "en")).data["language"],
    )
    if not insert_once(checkin):
        # The id is taken: a replay (or another request with it won the race).
        existing = db.session.get(Checkin, body["id"])
        if existing is None:  # taken and erased in between: nothing sane to answer with
            raise Conflict("This id was used and is no longer available.")
        return Submission(replayed(existing, patient, payload_hash_), created=False)
    if not surveys.is_pressing(definition, score):
        # Counted once it is known to be new (a resend of a stored one is a replay above);
        # a refusal rolls the insert back with the request.
        count_checkin(patient.id, device)
    checkin_stored(patient, checkin, definition, score, now, after_commit)
    return Submission(checkin, created=True)


def _validated(body: dict, now: datetime):
    """The definition, score, completion time and device time of a submission, or refuse."""
    definition = definition_of(body["instrument"], body.get("version"))
    try:
        score = surveys.score(definition, body["answers"])
    except surveys.AnswerError as exc:
        raise Invalid("Some answers are missing or not valid.", {"answers": exc.errors}) from None
    pressing = surveys.is_pressing(definition, score)
    return definition, score, answer_time(body["completed_at"], now, pressing)


def definition_of(code: str, version: str | None = None) -> surveys.Definition:
    """The instrument named by a submission (in the kept ``version`` it was asked in, if one
    is given), or Invalid naming the field."""
    try:
        return surveys.get_definition(code, version)
    except surveys.UnknownInstrument:
        raise Invalid(
            "Unknown instrument.", {"instrument": ["No instrument with this code."]}
        ) from None


def insert_once(row) -> bool:
    """INSERT ``row`` (a check-in or a safety signal) unless its id exists; False if it did.

    One statement, no savepoint. A Core insert, not an ORM add: nothing else is flushed with
    it, and the panel's summary is left to the evaluation (``api.pipeline.summary``).
    """
    table = type(row).__table__
    values = {c.key: value for c in table.columns if (value := getattr(row, c.key)) is not None}
    # The values go as parameters, not into the statement: its compiled form is cached.
    insert = dialect_insert(table).on_conflict_do_nothing(index_elements=["id"])
    return db.session.execute(insert.returning(table.c.id), values).scalar() is not None


def scored_checkin(
    patient: Patient,
    definition: surveys.Definition,
    answers: dict,
    score: surveys.Score,
    *,
    completed_at: datetime,
    checkin_id: uuid.UUID | None = None,
    payload_hash: str | None = None,
    **times,
) -> Checkin:
    """A Checkin row for answers already scored against ``definition`` (not yet added).

    The one place a row is built from a score: the API, the demo seed and the tests agree.
    ``times`` may give ``received_at``, ``evaluated_at``, ``reported_completed_at``,
    ``last_published_at`` or ``follow_up_of``.
    """
    return Checkin(
        id=checkin_id or uuid.uuid4(),
        patient_id=patient.id,
        clinic_id=patient.clinic_id,
        instrument=definition.code,
        instrument_version=definition.version,
        answers=dict(answers),
        payload_hash=payload_hash or secrets.token_hex(32),
        total=score.total,
        severity=score.severity,
        safety_endorsed=score.safety.endorsed,
        safety_level=score.safety.level,
        result=score.result,
        completed_at=completed_at,
        received_at=times.pop("received_at", completed_at),
        **times,
    )


def answer_time(
    reported: datetime, now: datetime, safety_endorsed: bool, field: str = "completed_at"
) -> tuple[datetime, datetime | None, bool]:
    """The time to store for answers the device says were given at ``reported``, the device's
    own when it had to be replaced, and whether the device's could not be stored at all.

    A time more than 5 minutes ahead (a fast device clock) or over 30 days old is refused,
    except when the answers endorse a safety item: those are never refused for their time.
    A future time is then stored as the arrival time, the device's kept beside it.
    """
    if not timebounds.in_range(reported):
        # Outside what can be stored and read back (in UTC). A safety answer is stored at
        # its arrival and marked rather than refused: the app keeps a 422 on the phone as
        # "refused" and never resends it, so a refusal would mean the care team never hears.
        if safety_endorsed:
            log.warning("safety answers with an unusable %s stored at their arrival", field)
            return now, None, True
        raise Invalid(f"{field} is out of range.", {field: [timebounds.MESSAGE]})
    if reported > now + MAX_FUTURE:
        if safety_endorsed:
            return now, reported, False
        raise Invalid(
            f"{field} is in the future.",
            {field: ["More than 5 minutes in the future; check the device's clock."]},
        )
    if reported < now - MAX_AGE and not safety_endorsed:
        raise Invalid(f"{field} is too old.", {field: ["More than 30 days ago."]})
    return reported, None, False


def replayed(existing, patient: Patient, payload_hash: str):
    """The stored row (check-in or safety signal) this submission replays, or Conflict."""
    if existing.patient_id != patient.id or existing.payload_hash != payload_hash:
        raise Conflict("Other answers were already sent with this id.", reason="id_taken")
    return existing


def payload_hash(body: dict, time_key: str) -> str:
    """The hash of what a submission says (instrument, answers, its time under ``time_key``):
    the same id sent again with another payload is a conflict, not a replay."""
    canonical = json.dumps(
        {
            "instrument": body["instrument"],
            "answers": body["answers"],
            time_key: body[time_key].isoformat(),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def checkin_body(checkin: Checkin, patient: Patient) -> dict:
    """The response body for a stored check-in (identical on every replay).

    Built from the stored columns plus the definition's band label and safety rule, which
    read partial answers too: a later change of a definition cannot break old check-ins.
    """
    definition = surveys.get_definition(checkin.instrument, checkin.instrument_version)
    band = definition.band_for(checkin.total) if checkin.total is not None else None
    return {
        "id": checkin.id,
        "instrument": checkin.instrument,
        "total": checkin.total,
        "severity": checkin.severity,
        "severity_label": band.label if band else None,
        "result": checkin.result,
        "completed_at": checkin.completed_at,
        "received_at": checkin.received_at,
        "safety": safety_body(
            definition,
            checkin.answers,
            patient.clinic,
            endorsed=checkin.safety_endorsed,
            level=checkin.safety_level,
        ),
    }


def safety_body(
    definition: surveys.Definition,
    answers: dict,
    clinic,
    *,
    endorsed: bool | None = None,
    level: str | None = None,
) -> dict:
    """The safety block of a check-in's or a safety signal's answer: what was endorsed (as
    stored, else as the definition reads the answers), the items, the follow-up, and the
    clinic's crisis resources when there is something to act on."""
    safety = surveys.evaluate_safety(definition, answers)
    endorsed = safety.endorsed if endorsed is None else endorsed
    level = level or safety.level
    return {
        "endorsed": endorsed,
        "level": level,
        "items": list(safety.items),
        "follow_up": safety.follow_up,
        "resources": clinic.effective_crisis_resources() if endorsed else [],
        "monitoring": clinic.monitoring_hours,
    }
