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
from ..queue import publish
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
    _notify_after_commit(alerts, now, after_commit, (EVALUATE_CHECKIN, [str(checkin.id)], queue))


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
    _notify_after_commit(alerts, now, after_commit)


def _notify_after_commit(alerts, now: datetime, after_commit, *then) -> None:
    """Plan round 0 of ``alerts`` (flushes) and publish its sends after the commit, paced per
    clinic and stamped as published (``api.pipeline.outbox``), then the ``then`` messages:
    the notifications first, they are what tells a person."""
    deliveries = notify_first_round(alerts, now)
    ids = sum(deliveries.values(), [])
    countdowns = paced(ids, now)
    # Recorded in this transaction (one UPDATE): the reconciler leaves the sends alone while
    # their messages may still be queued or held by their countdown.
    stamp_deliveries(ids, now, countdowns)
    messages = delivery_messages(deliveries, countdowns)
    messages += then
    if messages:
        app = current_app._get_current_object()
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
