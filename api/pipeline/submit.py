"""What a stored check-in sets off inside the patient's own transaction.

The safety alerts (item 9, the ASQ's acuity question) need nothing but the check-in, so they
are raised at submit with their first round of notifications: an urgent alert never waits on
a broker or a worker. The trend rules and the panel's summary are left to the evaluation,
which the commit publishes (and the reconciler re-publishes if that publish is lost).
"""

from datetime import datetime

from flask import current_app

import surveys

from ..models import Checkin, Patient
from ..queue import publish
from .alerts import raise_alerts
from .fairness import paced
from .notify import notify_first_round
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
    alerts = raise_alerts(patient, hits, checkin_id=checkin.id, answered_at=checkin.completed_at)
    # The first round too: the care team hears of item 9 even if the evaluation is slow.
    deliveries = notify_first_round(alerts, now)
    app = current_app._get_current_object()
    # The notifications first: they are what tells a person; the evaluation can follow.
    messages = delivery_messages(deliveries, paced(sum(deliveries.values(), []), now))
    queue = evaluation_queue(checkin, repeat=bool(hits) and not alerts)
    messages.append((EVALUATE_CHECKIN, [str(checkin.id)], queue))
    after_commit(lambda: publish(app, messages))
