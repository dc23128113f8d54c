"""Public readiness says ok / not ok per dependency and nothing else (issue #14, finding 10).

It once reported how many suicidal-ideation check-ins were waiting, across all clinics, to
anyone, and opened a broker connection on every call.
"""

import json
import uuid
from datetime import timedelta

import redis
import sqlalchemy as sa

from api.models import Checkin
from api.models.base import utcnow


def _numbers(value):
    """Every number in a JSON value (booleans are not numbers here)."""
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [value]
    return []


def _overdue_safety_checkin(db_session, create_patient):
    import surveys
    from api.checkins.operations import scored_checkin

    definition = surveys.get_definition("phq9")
    answers = {**{f"phq9_{n}": 1 for n in range(1, 10)}, "phq9_difficulty": 1}
    row = scored_checkin(
        create_patient(),
        definition,
        answers,
        surveys.score(definition, answers),
        checkin_id=uuid.uuid4(),
        completed_at=utcnow() - timedelta(minutes=5),
        received_at=utcnow() - timedelta(minutes=5),
    )
    db_session.add(row)
    db_session.flush()
    return row


def test_overdue_evaluations_show_as_not_ok_with_no_count(
    client, db_session, create_patient, caplog, monkeypatch
):
    from api.health import checks

    monkeypatch.setattr(checks, "LOG_EVERY_SECONDS", 0.0)
    assert client.get("/readyz").json["checks"]["evaluations"] == {"ok": True}
    _overdue_safety_checkin(db_session, create_patient)
    _overdue_safety_checkin(db_session, create_patient)
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "degraded"
    assert body["checks"]["evaluations"] == {"ok": False}
    assert _numbers(body) == []
    # Only the consumers check names queues ("urgent" among them when no worker runs): a
    # fact about workers, the same whatever check-ins wait.
    about_checkins = {k: v for k, v in body["checks"].items() if k != "consumers"}
    assert "urgent" not in json.dumps(about_checkins)
    # The operator's detail is in the log (counts only, no ids or PHI).
    [record] = [r for r in caplog.records if r.getMessage() == "evaluations overdue"]
    assert record.overdue == 2 and record.overdue_safety == 2


def test_any_overdue_checkin_degrades_readiness_not_only_safety_ones(
    client, db_session, create_patient
):
    """A safety-only check would tell the public when a suicidal-ideation answer waits."""
    row = _overdue_safety_checkin(db_session, create_patient)
    db_session.execute(sa.update(Checkin).where(Checkin.id == row.id).values(safety_endorsed=False))
    assert client.get("/readyz").json["checks"]["evaluations"] == {"ok": False}


def test_the_broker_check_does_not_connect_on_every_call(app, client, fresh_redis):
    celery_app = app.extensions["celery"]
    original = celery_app.conf.broker_url
    counter = redis.Redis.from_url(fresh_redis.url)
    before = counter.info("stats")["total_connections_received"]
    celery_app.conf.broker_url = fresh_redis.url
    try:
        answers = [client.get("/readyz") for _ in range(20)]
    finally:
        celery_app.conf.broker_url = original
    opened = counter.info("stats")["total_connections_received"] - before
    counter.close()
    assert all(r.status_code == 200 for r in answers)
    assert all(r.json["checks"]["broker"] == {"ok": True} for r in answers)
    assert opened <= 2, opened
