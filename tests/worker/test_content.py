"""What a notification says: no PHI, and in plain English."""

import pytest

from worker.channels.content import alert_email


@pytest.mark.parametrize(
    ("priority", "opening"),
    [
        ("urgent", "An urgent alert"),
        ("imminent", "An imminent"),
        ("high", "A high"),
        ("routine", "A routine"),
    ],
)
def test_the_alert_email_uses_the_right_article(priority, opening):
    subject, body = alert_email(priority, "P-ABC123", "https://waypoint.test/clinic/alerts/x", 0)
    assert body.startswith(opening)
    assert "P-ABC123" in subject and "P-ABC123" in body


def test_an_alerts_answer_and_its_times_never_leave_in_a_notification(
    client, redeem, team, db_session, run_task, smtp, webhooks
):
    """The alert now keeps the answer in the instrument's words and when it was given; the
    email, the webhook and the push still carry only priority, reference and link."""
    import json
    import uuid
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from api.models import Alert, Delivery
    from worker.channels.content import alert_push

    csrf = redeem(client, team.patient)
    answered = datetime.now(UTC) - timedelta(days=3)  # kept on an offline phone, unfinished
    response = client.post(
        "/api/v1/checkins/partial",
        json={
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": {"phq9_1": 2, "phq9_9": 3},
            "answered_at": answered.isoformat(),
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.json
    alert = db_session.scalar(sa.select(Alert).where(Alert.patient_id == team.patient.id))
    [answer] = alert.safety_answers
    assert answer["label"] == "Nearly every day"  # what must not leak is really there
    for row in db_session.scalars(sa.select(Delivery).where(Delivery.alert_id == alert.id)):
        assert run_task("waypoint.send_delivery", row.id) == "sent"
    [mail] = smtp.to(team.clinician.email)
    [hook] = webhooks.received
    payload = json.loads(hook["body"])
    assert set(payload) == {
        "type", "alert_id", "priority", "patient_ref", "escalation_level", "url",
        "created_at", "delivery_id",
    }  # fmt: skip
    push = alert_push(alert.priority, team.patient.ref, payload["url"], alert.id)
    leaks = (
        answer["label"],
        answer["text"],
        "every day",
        "several days",
        "offline",
        "answered",
        "unfinished",
        team.patient.display_name,
        answered.date().isoformat(),
        answered.strftime("%d %b"),
    )
    for text in (mail["subject"], mail["body"], hook["body"].decode(), json.dumps(push)):
        for leak in leaks:
            assert leak.lower() not in text.lower(), (leak, text)
