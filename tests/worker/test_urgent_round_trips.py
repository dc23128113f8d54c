"""An urgent alert's request makes no round trip it does not need before it publishes.

The patient's POST raises the alert, plans its first round and publishes the sends after its
commit: every statement before that commit is time the care team waits (the urgent figure's
"queued" stage, bench/README.md). These tests count the statements, so that a statement
added on that path fails here, not only in a noisy benchmark.
"""

import uuid
from contextlib import contextmanager

import sqlalchemy as sa

from api.models import Alert, Checkin, Delivery
from api.pipeline import fairness
from api.pipeline.notify import recipients
from tests.support.answers import checkin_body, phq9


@contextmanager
def statements(db_session):
    """The SQL statements run meanwhile on the test's connection, savepoints left out."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if "SAVEPOINT" not in statement:
            seen.append(" ".join(statement.split()))

    engine = db_session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def matching(seen, *parts):
    return [s for s in seen if all(part in s for part in parts)]


def post_urgent(client, csrf):
    body = checkin_body(phq9(q1=1, q9=2))
    response = client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.json
    return uuid.UUID(response.json["id"])


def test_an_urgent_checkin_plans_its_sends_in_a_few_statements(client, redeem, team, db_session):
    csrf = redeem(client, team.patient)
    with statements(db_session) as seen:
        checkin_id = post_urgent(client, csrf)
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    sends = db_session.scalars(sa.select(Delivery).where(Delivery.alert_id == alert.id)).all()
    assert {d.channel for d in sends} == {"email", "webhook"}
    # The care team is the audience: read alone, not beside the rungs below it.
    assert len(matching(seen, "FROM staff_users")) == 1
    # Both sends in one INSERT, stamped as published in it: no UPDATE after, no lookup of
    # the clinic the request already knows, no push subscriptions without a VAPID key.
    assert len(matching(seen, "INSERT INTO notification_deliveries")) == 1
    assert not matching(seen, "UPDATE notification_deliveries")
    assert not matching(seen, "SELECT notification_deliveries.id, alerts.clinic_id")
    assert not matching(seen, "push_subscriptions")
    checkin = db_session.get(Checkin, checkin_id)
    assert {d.last_published_at for d in sends} == {checkin.last_published_at}
    # The whole request (session, check-in, alert, its case, round, pacing, audit,
    # response): 16, of which the case is four (api/pipeline/cases.py); 23 before.
    assert len(seen) <= 16, "\n".join(seen)


def test_a_safety_send_held_by_pacing_is_stamped_for_its_countdown(
    client, redeem, team, db_session, monkeypatch
):
    # A burst of one: the alert's second send waits a step, as a clinic's burst would.
    monkeypatch.setattr(fairness, "SEND_BURST", 1)
    csrf = redeem(client, team.patient)
    with statements(db_session) as seen:
        checkin_id = post_urgent(client, csrf)
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    sends = db_session.scalars(
        sa.select(Delivery).where(Delivery.alert_id == alert.id).order_by(Delivery.id)
    ).all()
    published = db_session.get(Checkin, checkin_id).last_published_at
    step = fairness.SEND_STEP
    assert [(d.last_published_at - published).total_seconds() for d in sends] == [0, step]
    assert len(matching(seen, "UPDATE notification_deliveries")) == 1


def alert_of(db_session, patient):
    alert = Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        dedupe_key=f"test:{uuid.uuid4()}",
        rule="suicidal_ideation",
        priority="urgent",
        reason="test",
    )
    db_session.add(alert)
    db_session.flush()
    return alert


def test_each_rung_of_the_ladder_is_read_only_when_the_ones_before_are_empty(team, db_session):
    alert = alert_of(db_session, team.patient)
    expected = {
        0: ("care_team", [team.clinician], 1),
        1: ("on_call", [team.on_call], 1),
        2: ("admins", [team.admin], 1),
    }
    for level, (audience, members, reads) in expected.items():
        db_session.expire_all()
        with statements(db_session) as seen:
            found = recipients(alert, level)
        assert found == (audience, members)
        assert len(matching(seen, "FROM staff_users")) == reads

    # No active care team: the clinic's clinicians (the carer is inactive, the on-call
    # clinician is one), then on call, then admins.
    team.clinician.active = False
    db_session.flush()
    db_session.expire_all()
    with statements(db_session) as seen:
        assert recipients(alert, 0) == ("clinicians", [team.on_call])
    assert len(matching(seen, "FROM staff_users")) == 2
    team.on_call.active = False
    db_session.flush()
    assert recipients(alert, 0) == ("admins", [team.admin])
    team.admin.active = False
    db_session.flush()
    assert recipients(alert, 0) == ("nobody", [])
