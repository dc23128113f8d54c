"""Recovery: check-ins posted while Redis is down, then Redis started again (empty).

Runs on a private redis-server on its own port, started and stopped by its process id:
the shared Redis on 6379 that other test suites use is never touched.
"""

import shutil
import time
import uuid
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from .figures import Line, _alerts_of, _first, line, not_measured
from .services import Arrivals, Processes, free_port, redis_ping, wait_until
from .stack import Session, Stack, locust

TARGET_SECONDS = 60


def private_redis(processes: Processes, rundir: Path, port: int) -> bool:
    """Start (or restart) the private redis-server: no persistence, so it comes back empty."""
    binary = shutil.which("redis-server")
    argv = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "noeviction",
        "--dir",
        str(rundir),
    ]
    processes.start("redis-private", argv, {"PATH": "/usr/bin:/bin"}, rundir)
    return wait_until(lambda: redis_ping(port), 10, interval=0.1)


def recovery(
    make_stack,
    sessions: list[Session],
    cfg,
    rundir: Path,
    engine: sa.Engine,
    arrivals: Arrivals,
    processes: Processes,
) -> Line:
    """Post while the broker is down, bring it back, time until all is evaluated and alerted."""
    if shutil.which("redis-server") is None:
        return not_measured("recovery", "redis-server is not installed")
    port = free_port()
    if not private_redis(processes, rundir, port):
        return not_measured("recovery", "the private redis-server did not start")
    stack: Stack = make_stack(f"redis://127.0.0.1:{port}/0")
    try:
        stack.start()
        if stack.worker_error:
            return not_measured("recovery", stack.worker_error)
        if "waypoint.reconcile" not in stack.registered_tasks():
            return not_measured("recovery", "the reconciler task waypoint.reconcile is not there")
        return _measure(stack, sessions, cfg, rundir, engine, arrivals, processes, port)
    finally:
        stack.stop()
        processes.stop("redis-private")


def _measure(stack, sessions, cfg, rundir, engine, arrivals, processes, port) -> Line:
    arrivals.clear()
    processes.stop("redis-private")  # the outage begins
    users = max(1, cfg.recovery_rate // 2)
    records = locust(
        stack,
        "checkin",
        sessions,
        users,
        cfg.recovery_checkins / cfg.recovery_rate + 60,
        rundir,
        rate=cfg.recovery_rate / users,
        urgent=cfg.urgent_fraction,
        limit=cfg.recovery_checkins,
    )
    if not private_redis(processes, rundir, port):
        return not_measured("recovery", "the private redis-server did not come back")
    back = time.time()
    accepted = [r for r in records if r[2]]
    if not accepted:
        return not_measured(
            "recovery", f"no check-in was accepted while Redis was down ({len(records)} tried)"
        )
    ids = [uuid.UUID(r[3]) for r in accepted]
    alerts = _alerts_of(engine, [r[3] for r in accepted if r[4]])
    quiet = len(_alerts_of(engine, [r[3] for r in accepted if r[4]], notify=False))

    def status():
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT count(evaluated_at) AS done, min(evaluated_at) AS first,"
                    " max(evaluated_at) AS last FROM checkins WHERE id = ANY(:ids)"
                ),
                {"ids": ids},
            ).one()
        email, webhook = _first(arrivals.of("email")), _first(arrivals.of("webhook"))
        told = [max(email[a], webhook[a]) for a in alerts if a in email and a in webhook]
        return row, told

    def finished() -> bool:
        row, told = status()
        return row.done == len(ids) and len(told) == len(alerts)

    wait_until(finished, cfg.recovery_wait, interval=0.5)
    time.sleep(2)  # a duplicate would arrive right behind the first
    row, told = status()
    duplicates = _duplicates(engine, ids, arrivals, alerts)
    evaluated_s = row.last.timestamp() - back if row.last else float("inf")
    alerted_s = (max(told) - back) if told else (0.0 if not alerts else float("inf"))
    worst_post = max(r[1] for r in records)
    result = line("recovery")
    result.value = (
        f"{row.done}/{len(ids)} evaluated by +{evaluated_s:.1f} s, {len(told)}/{len(alerts)} "
        f"urgent alerts emailed and webhooked by +{alerted_s:.1f} s after Redis returned"
        + (f" ({quiet} more filed into an open case of the same signal)" if quiet else "")
        + f"; {duplicates} duplicates; {len(accepted)}/{len(records)} POSTs 2xx during the outage "
        f"(slowest {worst_post:.0f} ms)"
    )
    span = (row.last - row.first).total_seconds() if row.first and row.last else None
    result.floor = f"{span:.1f} s (the worker's own evaluation span)" if span is not None else "-"
    met = (
        row.done == len(ids)
        and len(told) == len(alerts)
        and max(evaluated_s, alerted_s) <= TARGET_SECONDS
        and duplicates == 0
        and len(accepted) == len(records)
    )
    result.verdict = "met" if met else "missed"
    result.numbers = {
        "evaluated_s": evaluated_s,
        "alerted_s": alerted_s,
        "duplicates": duplicates,
        "checkins": len(ids),
        "alerts": len(alerts),
        "done": row.done,
        "quiet": quiet,
        "told": len(told),
        "accepted": len(accepted),
        "posts": len(records),
        "span_s": span,
        "worst_post_ms": worst_post,
    }
    return result


def _duplicates(engine, ids, arrivals: Arrivals, alerts: dict) -> int:
    """Alerts raised twice for one (check-in, rule), and notifications that arrived twice."""
    with engine.connect() as conn:
        twice = conn.scalar(
            sa.text(
                "SELECT count(*) FROM (SELECT checkin_id, rule FROM alerts"
                " WHERE checkin_id = ANY(:ids) GROUP BY checkin_id, rule HAVING count(*) > 1) d"
            ),
            {"ids": ids},
        )
    counts = Counter((kind, key) for kind, key, _ in arrivals.items if key in alerts)
    return twice + sum(n - 1 for n in counts.values() if n > 1)
