"""The schedule tick: one full tick at ``--tick-patients`` active patients, on its own worker.

The run's patients are topped up to that number by COPY, then a worker consuming only
``periodic,planning`` (production's periodic worker) gets the tick twice: the first plans
every patient's slots from nothing, the second finds them planned (every later tick). Each
tick's wall time runs from the publish to the last batch's log line; the longest
transaction is the longest ``now() - xact_start`` seen in ``pg_stat_activity``, polled every
20 ms, beside the batches' own timing of theirs. The floor is a bare keyset read of the same
ids in the same pages. Runs on a private redis-server, so that no other worker on a shared
Redis can take a batch.
"""

import json
import re
import shutil
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from api.config import from_env
from api.models.patients import DEFAULT_SCHEDULE
from api.queue import celery_init_app
from worker.tasks.periodic import SCHEDULE_BATCH

from .figures import Line, line, not_measured
from .recovery import private_redis
from .seed import copy_rows
from .services import Processes, free_port, wait_until
from .stack import BIN, ROOT

#: No transaction may last longer (issue 13); the tick must end well inside its period.
LONGEST_TRANSACTION = 5.0
#: The app's default period of the schedule tick (the bench leaves it unset).
SCHEDULE_SECONDS = from_env()["SCHEDULE_SECONDS"]
TICK_TARGET = SCHEDULE_SECONDS / 2
BATCH_LINE = re.compile(r"schedule batch: .* transaction (?P<seconds>[\d.]+) s$")
TICK_LINE = re.compile(r"schedule tick: (?P<patients>\d+) patient\(s\) in (?P<batches>\d+) batch")


def tick(cfg, engine: sa.Engine, env: dict, processes: Processes, rundir: Path) -> Line:
    """Top the patients up, run two ticks on a periodic worker, measure them and the floor."""
    if shutil.which("redis-server") is None:
        return not_measured("tick", "redis-server is not installed")
    active = top_up(engine, cfg.tick_patients)
    floor = keyset_floor(engine)
    port = free_port()
    if not private_redis(processes, rundir, port):
        return not_measured("tick", "the private redis-server did not start")
    broker = f"redis://127.0.0.1:{port}/0"
    name = f"tick-{uuid.uuid4().hex[:6]}@bench"
    processes.start(
        "tick-worker",
        [
            str(BIN / "celery"),
            "-A",
            "worker.celery_app",
            "worker",
            "-Q",
            "periodic,planning",
            "-c",
            str(cfg.concurrency),
            "-n",
            name,
            "-l",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        {**env, "CELERY_BROKER_URL": broker, "RATELIMIT_STORAGE_URI": broker},
        ROOT,
    )
    log_path = rundir / "tick-worker.log"
    try:
        if not wait_until(lambda: " ready." in _read(log_path), 90, interval=0.2):
            return not_measured("tick", "the periodic worker did not start within 90 s")
        flask_app = Flask("bench-tick")
        flask_app.config["CELERY"] = {"broker_url": broker}
        celery = celery_init_app(flask_app)
        first = _one_tick(celery, engine, log_path, 0)
        second = _one_tick(celery, engine, log_path, first["batches"])
        celery.close()
    finally:
        processes.stop("tick-worker")
        processes.stop("redis-private")
    return _line(active, floor, first, second)


def top_up(engine: sa.Engine, patients: int) -> int:
    """Add active patients in a clinic of their own until there are ``patients``; how many."""
    with engine.begin() as conn:
        have = conn.scalar(sa.text("SELECT count(*) FROM patients WHERE status = 'active'"))
        if have >= patients:
            return have
        clinic = conn.scalar(
            sa.text(
                "INSERT INTO clinics (name, timezone, crisis_resources, rule_settings,"
                " created_at) VALUES ('Bench tick clinic', 'Europe/Berlin', '[]', '{}', now())"
                " RETURNING id"
            )
        )
        created = datetime.now(UTC) - timedelta(days=400)
        schedule = json.dumps(DEFAULT_SCHEDULE)
        copy_rows(
            conn,
            "patients",
            ["id", "clinic_id", "ref", "display_name", "timezone", "schedule", "status",
             "created_at"],
            (
                (uuid.uuid4(), clinic, f"T-{n:06d}", f"Tick Patient {n:06d}", "Europe/Berlin",
                 schedule, "active", created)
                for n in range(patients - have)
            ),
        )  # fmt: skip
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE patients"))
        conn.commit()
    return patients


def keyset_floor(engine: sa.Engine) -> float:
    """Seconds to read every active patient's id in the tick's pages, one read each."""
    started = time.monotonic()
    after = None
    with engine.connect() as conn:
        while True:
            where = "status = 'active'" + (" AND id > :after" if after else "")
            ids = conn.scalars(
                sa.text(f"SELECT id FROM patients WHERE {where} ORDER BY id LIMIT :n"),  # noqa: S608
                {"after": after, "n": SCHEDULE_BATCH},
            ).all()
            conn.commit()
            if len(ids) < SCHEDULE_BATCH:
                return time.monotonic() - started
            after = ids[-1]


def _one_tick(celery, engine: sa.Engine, log_path: Path, batches_before: int) -> dict:
    """Publish one tick; wait for all its batches; wall time and longest transactions."""
    longest = _Longest(engine)
    longest.start()
    started = time.monotonic()
    celery.send_task("waypoint.run_schedules", queue="periodic", retry=False)
    ticks_before = 1 if batches_before else 0

    def done():
        messages = _messages(log_path)
        ticks = [m for m in map(TICK_LINE.match, messages) if m]
        if len(ticks) <= ticks_before:
            return None
        expected = batches_before + int(ticks[ticks_before]["batches"])
        batch_seconds = [float(m["seconds"]) for m in map(BATCH_LINE.match, messages) if m]
        return batch_seconds if len(batch_seconds) >= expected else None

    batch_seconds = None
    deadline = started + 2 * SCHEDULE_SECONDS
    while batch_seconds is None and time.monotonic() < deadline:
        batch_seconds = done()
        time.sleep(0.05)
    wall = time.monotonic() - started
    longest.stop()
    if batch_seconds is None:
        raise RuntimeError(f"the tick did not finish within {2 * SCHEDULE_SECONDS} s")
    own = batch_seconds[batches_before:]
    return {
        "wall": wall,
        "batches": len(batch_seconds),
        "count": len(own),
        "longest_xact": longest.seconds,
        "longest_batch": max(own, default=0.0),
    }


class _Longest(threading.Thread):
    """Polls pg_stat_activity for the oldest open transaction of the run's database."""

    def __init__(self, engine: sa.Engine):
        super().__init__(daemon=True)
        self.engine, self.seconds, self.halt = engine, 0.0, threading.Event()

    def run(self):
        query = sa.text(
            "SELECT coalesce(extract(epoch FROM max(clock_timestamp() - xact_start)), 0)"
            " FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            # Autovacuum after the COPY is the database's own work, not a transaction of ours.
            " AND backend_type = 'client backend'"
        )
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            while not self.halt.is_set():
                self.seconds = max(self.seconds, float(conn.scalar(query)))
                time.sleep(0.02)

    def stop(self):
        self.halt.set()
        self.join(timeout=5)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _messages(path: Path) -> list[str]:
    """The messages of the worker's ``waypoint.*`` JSON log lines (Celery repeats each one in
    its own format: only the JSON line is counted)."""
    found = []
    for text in _read(path).splitlines():
        if text.startswith("{"):
            try:
                found.append(json.loads(text).get("message", ""))
            except ValueError:
                continue  # a line cut short while the worker writes it
    return found


def _line(active: int, floor: float, first: dict, second: dict) -> Line:
    result = line("tick")
    worst_wall = max(first["wall"], second["wall"])
    worst_xact = max(first["longest_xact"], second["longest_xact"])
    result.value = (
        f"first tick {first['wall']:.1f} s, next {second['wall']:.1f} s for {active:,} patients"
        f" ({first['count']} batches of {SCHEDULE_BATCH}); longest transaction"
        f" {worst_xact:.2f} s (batches' own max {first['longest_batch']:.2f} s,"
        f" {second['longest_batch']:.2f} s)"
    )
    result.floor = f"{floor:.2f} s (keyset read of the same ids, pages of {SCHEDULE_BATCH})"
    missing = []
    if worst_wall > TICK_TARGET:
        missing.append(f"a tick took {worst_wall:.0f} s")
    if worst_xact > LONGEST_TRANSACTION:
        missing.append(f"a transaction lasted {worst_xact:.1f} s")
    result.verdict = f"missed ({'; '.join(missing)})" if missing else "met"
    result.numbers = {
        "patients": active,
        "first_s": round(first["wall"], 3),
        "next_s": round(second["wall"], 3),
        "batches": first["count"],
        "longest_transaction_s": round(worst_xact, 3),
        "longest_batch_s": round(max(first["longest_batch"], second["longest_batch"]), 3),
        "floor_s": round(floor, 3),
    }
    return result
