"""What a stored check-in sets off inside the patient's own transaction.

The safety alerts (item 9, the ASQ's acuity question) and the red flags (the post-session
check's warning signs) need nothing but the check-in, so they are raised at submit with their
first round of notifications: an urgent alert never waits on
a broker or a worker. The trend rules and the panel's summary are left to the evaluation,
which the commit publishes (and the reconciler re-publishes if that publish is lost).
"""

from datetime import datetime

from flask import current_app

import surveys
from surveys.rules import CHECKIN_ONLY_RULES

from ..checkins.answers import safety_answer_rows
from ..extensions import db
from ..models import Alert, Checkin, CheckinPartial, Patient
from ..queue import broker_marked_down, publish
from .alerts import raise_alerts, raise_checkin_alerts
from .fairness import paced
from .notify import notify_first_round
from .outbox import stamp_deliveries
from .routing import EVALUATE_CHECKIN, delivery_messages, evaluation_queue
from .settings import clinic_rule_settings


def checkin_stored(
    patient: Patient,
    checkin: Checkin,
    definition: surveys.Definition,
    score: surveys.Score,
    now: datetime,
    after_commit,
) -> None:
    """Raise the check-in's safety alerts and plan their first notifications (flushes), and
    hand ``after_commit`` the publish of those sends and of the evaluation."""
    hits = surveys.safety_hits(
        definition,
        surveys.CheckinFacts(checkin_id=str(checkin.id), at=checkin.completed_at, score=score),
        clinic_rule_settings(patient.clinic),
    )
    alerts = raise_checkin_alerts(patient, hits, checkin)
    if len(alerts) < len(hits):
        # A hit whose key was taken: its alert may be the one this check-in's safety signal
        # raised before it was finished (only then is there anything to join).
        _join_partial_alerts(patient, checkin.id)
    queue = evaluation_queue(checkin, repeat=bool(hits) and not alerts)
    # The first round too: the care team hears of item 9 even if the evaluation is slow.
    evaluation = (EVALUATE_CHECKIN, [str(checkin.id)], queue)
    _notify_after_commit(patient, alerts, now, after_commit, evaluation)


def partial_hits(
    patient: Patient, partial: CheckinPartial, definition: surveys.Definition
) -> list[surveys.RuleHit]:
    """The safety rule hits of a check-in's answers so far (keyed on the check-in's id)."""
    settings = clinic_rule_settings(patient.clinic)
    return surveys.signal_hits(
        definition, str(partial.id), partial.answered_at, partial.answers, settings
    )


def partial_stored(
    patient: Patient,
    partial: CheckinPartial,
    definition: surveys.Definition,
    hits,
    now: datetime,
    after_commit,
    *,
    finished: bool,
) -> None:
    """Raise a partial's safety alerts with their first notifications (flushes), and hand
    ``after_commit`` the publish of those sends. A partial has no evaluation of its own;
    ``finished``: the check-in itself is stored already (the alert names it then)."""
    alerts = raise_alerts(
        patient,
        hits,
        checkin_id=partial.id if finished else None,
        answered_at=partial.answered_at,
        received_at=partial.received_at,
        safety_answers=safety_answer_rows(definition, partial.answers),
    )
    _notify_after_commit(patient, alerts, now, after_commit)


def _notify_after_commit(patient: Patient, alerts, now: datetime, after_commit, *then) -> None:
    """Plan round 0 of the ``patient``'s ``alerts`` (flushes) and publish its sends after the
    commit, paced per clinic and stamped as published (``api.pipeline.outbox``), then the
    ``then`` messages: the notifications first, they are what tells a person.

    The alert's request waits on each statement here before it publishes: what is known
    (the clinic, the publish time) is not read or written again.
    """
    # Inserted as published now, in this transaction: the reconciler leaves the sends alone
    # while their messages may still be queued. A send that pacing holds back is stamped for
    # when its countdown ends (one UPDATE, for a clinic's burst only): held, not stale. While
    # this process skips the broker nothing is published: not stamped, sent at the next tick.
    app = current_app._get_current_object()
    published = not broker_marked_down(app)
    deliveries = notify_first_round(alerts, now, published_at=now if published else None)
    ids = sum(deliveries.values(), [])
    countdowns = paced(ids, now, clinic_id=patient.clinic_id)
    if published:
        stamp_deliveries([i for i in ids if countdowns.get(i)], now, countdowns)
    messages = delivery_messages(deliveries, countdowns)
    messages += then
    if messages:
        after_commit(lambda: publish(app, messages))


def _join_partial_alerts(patient: Patient, checkin_id) -> None:
    """Attach to a finished check-in the safety alerts its partial raised before it existed.

    They share the key ``checkin:{id}:{rule}``; the insert above waited on (and then skipped)
    any such alert still being committed, so this statement sees it.
    """
    keys = [f"checkin:{checkin_id}:{rule}" for rule in CHECKIN_ONLY_RULES]
    db.session.execute(
        db.update(Alert)
        .where(
            Alert.dedupe_key.in_(keys),
            Alert.patient_id == patient.id,
            Alert.checkin_id.is_(None),
        )
        .values(checkin_id=checkin_id)
        .execution_options(synchronize_session=False)
    )


def alerts_raised(patient: Patient, alerts, now: datetime, after_commit) -> None:
    """Plan round 0 of alerts a patient's request raised (flushes) and publish their sends
    after the commit, as a check-in's safety alerts are (a dose held at home, a misuse sign)."""
    _notify_after_commit(patient, alerts, now, after_commit)


def session_vitals_stored(patient: Patient, session_id, reason: str | None, now, after_commit):
    """Raise a monitored session's urgent-readings alert with its first round of sends.

    One alert per session (key ``session:{id}:session_vitals``): a correction that adds
    another urgent reading joins nothing new, and the alert opens or joins the patient's
    case (``api.pipeline.cases``) like any other. ``reason`` None: nothing is urgent.
    """
    if reason is None:
        return
    hit = surveys.RuleHit(
        f"session:{session_id}:session_vitals", "session_vitals", "urgent", reason
    )
    alerts = raise_alerts(patient, [hit], answered_at=now, received_at=now)
    _notify_after_commit(patient, alerts, now, after_commit)
