"""Readiness sees a queue with no live consumer (issue #16, item 1), apart from overdue
evaluations, with real workers on a private Redis (api/health/consumers.py)."""

import os
import signal
import time

import pytest
import sqlalchemy as sa

from api.models import Checkin
from api.pipeline.routing import QUEUES
from tests.support.answers import checkin_body, phq9
from tests.support.worker import https_client, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.timeout(240)]

HEARTBEAT = 1.0
STALE = 6.0
#: One broker answer stands this long in each web process (api/health/checks.py).
CACHED = 2.0
FAST = {"CONSUMER_HEARTBEAT_SECONDS": str(HEARTBEAT), "CONSUMER_STALE_SECONDS": str(STALE)}
SENDS = ("urgent", "default", "bulk")
PERIODIC = ("periodic", "planning")


def test_readiness_names_the_queues_without_a_live_consumer_and_keeps_overdue_apart(
    committed_db, live
):
    live.web.config["CONSUMER_STALE_SECONDS"] = STALE
    probe = https_client(live.web)

    def consumers():
        response = probe.get("/readyz")
        assert response.status_code == 200, response.json  # a missing worker never fails it
        return response.json["checks"]["consumers"]

    sends = live.start_worker(queues=SENDS, **FAST)
    wait_for(
        lambda: consumers().get("queues") == list(PERIODIC),
        timeout=15,
        what="readiness to name the queues nobody consumes",
    )
    assert consumers() == {"ok": False, "error": "no live consumer", "queues": list(PERIODIC)}

    periodic = live.start_worker(queues=PERIODIC, **FAST)
    wait_for(lambda: consumers() == {"ok": True}, timeout=15, what="every queue consumed")
    assert probe.get("/readyz").json["status"] == "ok"

    # SIGKILL, pool and all: no clean stop, the beats just end.
    os.killpg(sends.process.pid, signal.SIGKILL)
    sends.process.wait(timeout=10)
    killed = time.monotonic()
    wait_for(
        lambda: consumers().get("queues") == list(SENDS),
        timeout=STALE + CACHED + 5,
        what="readiness to see the killed worker's queues unconsumed",
    )
    assert time.monotonic() - killed <= STALE + CACHED + 1.0

    # A check-in nobody evaluates, waiting for minutes: reported apart, as before.
    response = live.client.post(
        "/api/v1/checkins", json=checkin_body(phq9(q1=1)), headers={"X-CSRF-Token": live.csrf}
    )
    assert response.status_code == 201, response.json
    committed_db.execute(
        sa.update(Checkin).values(received_at=sa.text("received_at - interval '5 minutes'"))
    )
    committed_db.commit()
    body = probe.get("/readyz").json
    assert body["status"] == "degraded"
    assert body["checks"]["evaluations"] == {"ok": False}
    assert body["checks"]["consumers"]["queues"] == list(SENDS)
    assert body["checks"]["database"] == body["checks"]["broker"] == {"ok": True}

    # A clean stop leaves at once, well before its beats would have gone stale.
    periodic.stop()
    stopped = time.monotonic()
    wait_for(
        lambda: consumers().get("queues") == list(QUEUES),
        timeout=STALE,
        what="readiness to drop the stopped worker",
    )
    assert time.monotonic() - stopped < STALE

    # A worker on every queue: the check-in is evaluated and readiness is ok again.
    live.start_worker(**FAST)
    wait_for(
        lambda: probe.get("/readyz").json["status"] == "ok",
        timeout=60,
        what="readiness to be ok once a worker takes every queue and catches up",
    )
    committed_db.rollback()
    assert (
        committed_db.scalar(
            sa.select(sa.func.count()).select_from(Checkin).where(Checkin.evaluated_at.is_(None))
        )
        == 0
    )
