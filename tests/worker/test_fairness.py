"""Sends fair between clinics (api/pipeline/fairness.py): beyond SEND_BURST of a clinic's
sends waiting, the next wait a step per burst; another clinic's send goes at once."""

import uuid

from api.models import Delivery
from api.models.base import utcnow
from api.pipeline.alerts import raise_alerts
from api.pipeline.fairness import SEND_BURST, SEND_STEP, paced
from surveys import RuleHit
from tests.support.worker import build_team


def _deliveries(session, patient, n, now):
    [alert] = raise_alerts(patient, [RuleHit(f"test:{uuid.uuid4()}", "worsening", "high", "t")])
    rows = [
        Delivery(
            alert_id=alert.id,
            channel="email",
            recipient=f"staff:{k}",
            round=0,
            status="pending",
            next_attempt_at=now,
        )
        for k in range(n)
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def test_a_clinics_burst_is_paced_and_another_clinic_goes_first(db_session, team):
    now = utcnow()
    other = build_team(db_session)
    _deliveries(db_session, team.patient, SEND_BURST + 5, now)  # waiting now
    burst = _deliveries(db_session, team.patient, 2 * SEND_BURST, now)
    single = _deliveries(db_session, other.patient, 1, now)
    countdowns = paced(burst + single, now)
    assert countdowns[single[0]] == 0
    # 25 waiting: the burst's first 15 join the second step, the next 20 the third, then 4th.
    steps = [countdowns[i] / SEND_STEP for i in burst]
    assert steps == [1] * 15 + [2] * 20 + [3] * 5
    assert paced([], now) == {}


def test_sends_already_made_or_waiting_for_a_retry_do_not_count(db_session, team):
    now = utcnow()
    ids = _deliveries(db_session, team.patient, 3 * SEND_BURST, now)
    for row in db_session.query(Delivery).filter(Delivery.id.in_(ids[:SEND_BURST])):
        row.status = "sent"
    for row in db_session.query(Delivery).filter(Delivery.id.in_(ids[SEND_BURST:-1])):
        row.next_attempt_at = now.replace(year=now.year + 1)  # backing off
    db_session.flush()
    [last] = ids[-1:]
    assert paced([last], now) == {last: 0}
