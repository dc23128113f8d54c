"""Escalation with a controlled clock: care team, then on-call at the deadline, then admins,
repeating until someone acknowledges; every step on the timeline."""

from datetime import timedelta

import sqlalchemy as sa

from api.models import Alert, Delivery
from tests.support.answers import phq9, submit


def _round(session, alert_id, level):
    return session.scalars(
        sa.select(Delivery).where(Delivery.alert_id == alert_id, Delivery.round == level)
    ).all()


def test_unacknowledged_alert_escalates_to_on_call_then_admins_until_acknowledged(
    app, client, make_client, redeem, login, team, db_session, run_task, smtp, run_tick
):
    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q9=1))
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    created = alert.created_at
    assert alert.escalate_at == created + timedelta(minutes=15)
    run_task("waypoint.evaluate_checkin", str(checkin_id))

    def escalate(minutes):
        return run_tick("waypoint.escalate_alerts", now=(created + minutes).isoformat())

    def send_round(level, minutes):
        at = (created + minutes).isoformat()
        for delivery in _round(db_session, alert.id, level):
            assert run_task("waypoint.send_delivery", delivery.id, now=at) == "sent"

    assert escalate(timedelta(minutes=14, seconds=59)) == {"escalated": 0}
    assert escalate(timedelta(minutes=15)) == {"escalated": 1}
    assert escalate(timedelta(minutes=15)) == {"escalated": 0}  # the same deadline, run twice
    send_round(1, timedelta(minutes=15))
    [page] = smtp.to(team.on_call.email)
    assert "Escalated" in page["subject"] and "on call" in page["body"]
    assert smtp.to(team.admin.email) == []

    assert escalate(timedelta(minutes=30)) == {"escalated": 1}
    send_round(2, timedelta(minutes=30))
    assert len(smtp.to(team.admin.email)) == 1
    assert escalate(timedelta(minutes=45)) == {"escalated": 1}  # admins again, every deadline
    send_round(3, timedelta(minutes=45))
    assert len(smtp.to(team.admin.email)) == 2
    assert len(smtp.to(team.on_call.email)) == 1

    staff_client = make_client()
    token = login(staff_client, team.clinician)
    response = staff_client.post(
        f"/api/v1/alerts/{alert.id}/acknowledge",
        json={"note": "Called the patient; safe, plan made."},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "acknowledged"
    assert response.json["acknowledged_by"] == {"id": team.clinician.id, "name": "Carer"}
    assert escalate(timedelta(hours=5)) == {"escalated": 0}
    db_session.expire_all()
    assert db_session.get(Alert, alert.id).escalation_level == 3

    timeline = staff_client.get(f"/api/v1/alerts/{alert.id}").json["timeline"]
    steps = [(e["kind"], e["detail"].get("to")) for e in timeline if e["kind"] != "delivered"]
    assert steps == [
        ("created", None),
        ("notified", "care_team"),
        ("escalated", "on_call"),
        ("escalated", "admins"),
        ("escalated", "admins"),
        ("acknowledged", None),
    ]
    assert timeline[-1]["actor"]["id"] == team.clinician.id
    assert timeline[-1]["detail"]["note"] == "Called the patient; safe, plan made."


def test_imminent_alert_escalates_after_the_clinic_deadline_and_without_on_call(
    client, redeem, team, db_session, run_task, run_tick
):
    team.clinic.escalate_imminent_minutes = 3
    team.on_call.on_call = False  # nobody on call: escalation goes straight to the admins
    db_session.flush()
    csrf = redeem(client, team.patient)
    checkin_id = submit(
        client,
        csrf,
        {"asq_1": 1, "asq_2": 1, "asq_3": 0, "asq_4": 0, "asq_5": 1},
        instrument="asq",
    )
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    assert alert.priority == "imminent"
    at = alert.created_at + timedelta(minutes=3)
    assert run_tick("waypoint.escalate_alerts", now=at.isoformat()) == {"escalated": 1}
    recipients = {d.recipient for d in _round(db_session, alert.id, 1) if d.channel == "email"}
    assert recipients == {f"staff:{team.admin.id}"}


def test_routine_and_high_alerts_never_escalate(
    client, redeem, team, db_session, run_task, run_tick
):
    csrf = redeem(client, team.patient)
    checkin_id = submit(client, csrf, phq9(q1=3, q2=3, q3=3, q4=3, q5=3, q6=3, q7=2))  # severe
    run_task("waypoint.evaluate_checkin", str(checkin_id))
    alert = db_session.scalar(sa.select(Alert).where(Alert.checkin_id == checkin_id))
    assert alert.priority == "high" and alert.escalate_at is None
    later = alert.created_at + timedelta(days=2)
    assert run_tick("waypoint.escalate_alerts", now=later.isoformat()) == {"escalated": 0}
