"""The post-session check's red flags with a real worker: the urgent warning sign, sent as a
safety signal, is delivered by email and webhook; the finished check-in joins it, and its high
red flag is raised into the same case without a second notification; no notification names
what was answered."""

import json
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import surveys
from api.models import Alert, Checkin, Delivery
from tests.support.answers import checkin_body
from tests.support.worker import wait_for

pytestmark = pytest.mark.worker

DEFINITION = surveys.get_definition("post_session")
CALM = {i.link_id: min(i.values) for i in DEFINITION.items if i.type == "choice"}
#: Words of the answers that must never travel in a notification.
ANSWER_WORDS = ("chest", "blood", "pressure", "drove", "drive", "911", "post-session")


def count(session, model, *where):
    session.rollback()  # a new snapshot: the worker commits in another process
    return session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar()


def test_a_warning_sign_and_a_high_red_flag_are_raised_and_delivered(
    committed_team, committed_db, live, smtp, webhooks
):
    live.start_worker()
    headers = {"X-CSRF-Token": live.csrf}
    checkin_id = str(uuid.uuid4())
    signal = {
        "id": checkin_id,
        "instrument": "post_session",
        "answers": {"ps_bp_headache": 0, "ps_bp_chest": 2},
        "answered_at": datetime.now(UTC).isoformat(),
    }
    response = live.client.post("/api/v1/checkins/partial", json=signal, headers=headers)
    assert response.status_code == 201, response.json
    address = committed_team.clinician.email
    wait_for(
        lambda: smtp.to(address) and webhooks.received,
        timeout=30,
        what="the email and the webhook of the warning sign",
    )
    hook = json.loads(webhooks.received[0]["body"])
    assert hook["priority"] == "urgent"

    answers = {**CALM, "ps_bp_chest": 2, "ps_drove": 1}
    finished = checkin_body(answers, instrument="post_session", checkin_id=checkin_id)
    response = live.client.post("/api/v1/checkins", json=finished, headers=headers)
    assert response.status_code == 201, response.json
    wait_for(
        lambda: count(committed_db, Checkin, Checkin.evaluated_at.is_not(None)) == 1,
        timeout=20,
        what="the worker's evaluation of the finished check",
    )
    committed_db.rollback()
    alerts = {a.rule: a for a in committed_db.scalars(sa.select(Alert))}
    assert {rule: a.priority for rule, a in alerts.items()} == {
        "bp_crisis_signs": "urgent",
        "drove_on_treatment_day": "high",
    }
    assert {str(a.checkin_id) for a in alerts.values()} == {checkin_id}
    # One case: the high flag joins the urgent one the care team was told of, no second round.
    assert alerts["bp_crisis_signs"].case_id == alerts["drove_on_treatment_day"].case_id
    assert alerts["drove_on_treatment_day"].notify is False
    wait_for(
        lambda: count(committed_db, Delivery, Delivery.status == "sent") == 2,
        timeout=20,
        what="the warning sign's two deliveries sent",
    )
    assert count(committed_db, Delivery) == 2
    assert len(smtp.to(address)) == 1 and len(webhooks.received) == 1
    assert [json.loads(h["body"])["priority"] for h in webhooks.received] == ["urgent"]
    # Notifications are free of what was answered.
    for text in [m["subject"] + m["body"] for m in smtp.to(address)] + [
        h["body"].decode() for h in webhooks.received
    ]:
        assert not any(word in text.lower() for word in ANSWER_WORDS), text
