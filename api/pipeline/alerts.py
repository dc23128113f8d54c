"""Raising alerts from rule hits, exactly once per (check-in, rule) or dedupe key.

The safety rules (``surveys.safety_hits``: item 9, the ASQ's acuity question) raise
*episodes*: while a patient has an open alert of one of these rules, a further answer of the
same rule is attached to it (a "repeated" event with the check-in and its time; the alert's
``repeats`` and ``latest_answered_at`` move on) instead of raising an alert and a notification
round of its own. A flood of answers is then one alert in the inbox and one round of sends,
and the person who opens it sees every answer. An answer of another rule (an imminent one
while only an urgent alert is open) still raises its own alert; once the alert is
acknowledged or resolved, the next answer opens a new episode.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

import surveys
from surveys.rules import CHECKIN_ONLY_RULES, is_red_flag, priority_rank

from ..checkins.answers import safety_answer_rows
from ..extensions import db
from ..models import Alert, AlertEvent, Checkin, Patient
from ..models.base import dialect_insert, new_uuid, utcnow
from .cases import file_alert
from .notify import escalation_deadline

log = logging.getLogger("waypoint.pipeline")

#: The rules whose alerts are episodes (one open alert per patient and rule): every safety
#: rule, the ASQ's non-acute positive screen included, and every red flag (the post-session
#: check's warning signs).
EPISODE_RULES = frozenset(CHECKIN_ONLY_RULES)
#: Attempts to open or join an episode while others acknowledge it at that very moment.
EPISODE_ATTEMPTS = 3


@dataclass(frozen=True)
class Answered:
    """When the answers behind a rule hit were given and reached the server, and the safety
    items' answers among them (``api.checkins.answers.safety_answer_rows``)."""

    at: datetime | None = None
    received_at: datetime | None = None
    safety_answers: list | None = None


def raise_alerts(
    patient: Patient,
    hits,
    *,
    checkin_id=None,
    answered_at: datetime | None = None,
    received_at: datetime | None = None,
    safety_answers: list | None = None,
) -> list[Alert]:
    """Insert an alert per rule hit unless its key exists; return the ones inserted now.

    ``hits`` are ``surveys.RuleHit``. Uses INSERT ... ON CONFLICT DO NOTHING so that two
    evaluations racing on the same check-in cannot both create (or fail on) an alert; a
    safety hit while its episode is open is attached to it and returns nothing.
    ``safety_answers`` are stored on the safety rules' alerts only.
    """
    created = []
    now = utcnow()
    # The most pressing first: it opens the patient's case and is the one notification of
    # the others it raises with it (api.pipeline.cases).
    for hit in sorted(hits, key=lambda h: priority_rank(h.priority)):
        if hit.rule in EPISODE_RULES:
            answered = Answered(answered_at, received_at, safety_answers)
            alert = _raise_episode(patient, hit, checkin_id, answered, now)
        else:
            answered = Answered(answered_at, received_at)
            alert = _insert(patient, hit, checkin_id, answered, now, episode=False)
        if alert is not None:
            created.append(alert)
    db.session.flush()
    return created


def raise_checkin_alerts(patient: Patient, hits, checkin: Checkin) -> list[Alert]:
    """``raise_alerts`` for a stored check-in's hits, with its times and safety answers."""
    answers = None
    if any(hit.rule in EPISODE_RULES for hit in hits):
        definition = surveys.get_definition(checkin.instrument, checkin.instrument_version)
        answers = safety_answer_rows(definition, checkin.answers)
    return raise_alerts(
        patient,
        hits,
        checkin_id=checkin.id,
        answered_at=checkin.completed_at,
        received_at=checkin.received_at,
        safety_answers=answers,
    )


def _insert(patient, hit, checkin_id, answered: Answered, now, *, episode: bool) -> Alert | None:
    """INSERT the hit's alert unless a unique key stops it; the new alert or None."""
    deadline = escalation_deadline(patient.clinic, hit.priority)
    values = {
        "id": new_uuid(),
        "clinic_id": patient.clinic_id,
        "patient_id": patient.id,
        "checkin_id": checkin_id,
        "dedupe_key": hit.key,
        "rule": hit.rule,
        "priority": hit.priority,
        "reason": hit.reason[:500],
        "answered_at": answered.at,
        "latest_answered_at": answered.at,
        "received_at": answered.received_at,
        "safety_answers": answered.safety_answers,
        "status": "open",
        "episode": episode,
        "red_flag": is_red_flag(hit.rule),
        "repeats": 0,
        "created_at": now,
        "escalation_level": 0,
        "escalate_at": now + deadline if deadline else None,
    }
    insert = dialect_insert(Alert).values(**values)
    alert_id = db.session.execute(insert.on_conflict_do_nothing().returning(Alert.id)).scalar()
    if alert_id is None:
        return None
    db.session.add(
        AlertEvent(
            alert_id=alert_id,
            kind="created",
            at=now,
            detail={"rule": hit.rule, "priority": hit.priority},
        )
    )
    alert = db.session.get(Alert, alert_id)
    file_alert(patient, alert, now)
    return alert


def _raise_episode(patient, hit, checkin_id, answered: Answered, now) -> Alert | None:
    """Open the hit's episode, or attach the hit to the open one; the alert if opened now.

    Race-safe without a lock of its own: the open-episode unique index lets one of two
    concurrent answers insert (the other's INSERT waits for that commit, then does
    nothing), and the loser attaches itself to the winner under the alert's row lock.
    """
    for _ in range(EPISODE_ATTEMPTS):
        if _recorded(hit.key):
            return None  # this answer is an alert already, or attached to one
        alert = _insert(patient, hit, checkin_id, answered, now, episode=True)
        if alert is not None:
            return alert
        if _recorded(hit.key):
            return None  # the insert waited on this very answer's alert (its safety signal)
        open_episode = db.session.scalar(
            db.select(Alert)
            .where(
                Alert.patient_id == patient.id,
                Alert.rule == hit.rule,
                Alert.status == "open",
                Alert.episode.is_(True),
            )
            # NO KEY UPDATE: events inserted on it meanwhile (their foreign key) do not wait.
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        if open_episode is not None:
            _attach(open_episode, hit, checkin_id, answered, now)
            return None
        # The episode was acknowledged between the two statements: try to open a new one.
    # Acknowledged under our feet every time: a safety answer is never lost, so it gets an
    # alert of its own outside the episode index.
    log.error("alert episode of patient kept closing; raising a separate alert")
    return _insert(patient, hit, checkin_id, answered, now, episode=False)


def _recorded(key: str) -> bool:
    """True if the hit ``key`` raised an alert or was attached to one."""
    as_alert = db.select(Alert.id).where(Alert.dedupe_key == key)
    as_repeat = db.select(AlertEvent.id).where(AlertEvent.dedupe_key == key)
    return db.session.scalar(db.select(as_alert.exists() | as_repeat.exists())) or False


def _attach(alert: Alert, hit, checkin_id, answered: Answered, now) -> None:
    """Record a further answer on the open episode ``alert`` (row-locked), once per hit,
    with when it was given and what it was."""
    answered_at = answered.at
    event = dialect_insert(AlertEvent).values(
        alert_id=alert.id,
        kind="repeated",
        at=now,
        detail={
            "checkin_id": str(checkin_id) if checkin_id else None,
            "answered_at": answered_at.isoformat() if answered_at else None,
            "answers": answered.safety_answers,
        },
        dedupe_key=hit.key,
    )
    if db.session.execute(event.on_conflict_do_nothing().returning(AlertEvent.id)).scalar() is None:
        return  # attached by a concurrent evaluation of the same check-in
    alert.repeats += 1
    if answered_at is not None and (
        alert.latest_answered_at is None or answered_at > alert.latest_answered_at
    ):
        alert.latest_answered_at = answered_at
