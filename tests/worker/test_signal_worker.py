"""A safety signal with a real worker: its first notifications go out, and finishing the
check-in (evaluated by the worker) adds no second alert and no second notification."""

import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from api.models import Alert, Checkin, Delivery
from tests.support.answers import checkin_body, phq9
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker


def count(session, model, *where):
    session.rollback()  # a new snapshot: the worker commits in another process
    return session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar()


def test_a_signal_is_delivered_and_its_finished_checkin_joins_it(
    committed_team, committed_db, live, smtp, webhooks
):
    live.start_worker()
    checkin_id = str(uuid.uuid4())
    signal = {
        "id": checkin_id,
        "instrument": "phq9",
        "answers": {"phq9_1": 1, "phq9_9": 2},
        "answered_at": datetime.now(UTC).isoformat(),
    }
    headers = {"X-CSRF-Token": live.csrf}
    response = live.client.post("/api/v1/checkins/partial", json=signal, headers=headers)
    assert response.status_code == 201, response.json

    wait_for(
        lambda: smtp.to(committed_team.clinician.email) and webhooks.received,
        timeout=30,
        what="the email and the webhook of the signal",
    )
    assert json.loads(webhooks.received[0]["body"])["priority"] == "urgent"
    wait_for(
        lambda: count(committed_db, Delivery, Delivery.status == "sent") == 2,
        timeout=10,
        what="both deliveries marked sent",
    )

    finished = checkin_body(phq9(q1=1, q9=2), checkin_id=checkin_id)
    response = live.client.post("/api/v1/checkins", json=finished, headers=headers)
    assert response.status_code == 201, response.json
    wait_for(
        lambda: count(committed_db, Checkin, Checkin.evaluated_at.is_not(None)) == 1,
        timeout=20,
        what="the worker's evaluation of the finished check-in",
    )
    committed_db.rollback()
    (alert,) = committed_db.scalars(sa.select(Alert)).all()
    assert str(alert.checkin_id) == checkin_id
    assert count(committed_db, Delivery) == 2
    assert len(smtp.to(committed_team.clinician.email)) == 1 and len(webhooks.received) == 1
