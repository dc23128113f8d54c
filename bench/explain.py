"""``--explain``: the plans of the statements the app really runs for the clinician's reads and
the reconciler, on the loaded network.

The app is built in-process on the run's database (``create_bench_app``, the environment of
the stack) and driven as the clinician with Flask's test client: the panel, the trend and
forecast of the trend patient (the chart with its band), the open cases (the inbox). The
reconciler's tick runs as the worker runs it (``worker.tasks.periodic.reconcile``, its body,
in the app's context). SQLAlchemy's ``before_cursor_execute`` hands over every statement with
its parameters as sent to psycopg; each SELECT is then run again under ``EXPLAIN (ANALYZE,
BUFFERS)`` with the same parameters in a transaction that is rolled back. A sequential scan
on a table of more than ``LARGE_ROWS`` rows is named in the summary.
"""

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from .seed import BENCH_PASSWORD

#: A table this large read in full is worth a line of justification (or an index).
LARGE_ROWS = 10_000
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
EXECUTION = re.compile(r"Execution Time: ([\d.]+) ms")


@contextmanager
def _environment(env: dict):
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def capture(env: dict, network) -> dict[str, list[tuple[str, dict]]]:
    """Reads -> the SELECT statements the app ran for each, with their parameters."""
    from api.extensions import db

    from .app import create_bench_app

    with _environment(env):
        app = create_bench_app()
    captured: dict[str, list] = {}
    current: list = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            current.append((statement, parameters))

    patient = network.trend_patient_id
    reads = {
        "panel": "/api/v1/patients?sort=risk&limit=50",
        "trend": f"/api/v1/patients/{patient}/trend?instrument=phq9",
        "forecast band": f"/api/v1/patients/{patient}/forecast",
        "inbox (open cases)": "/api/v1/cases?status=open",
    }
    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", keep)
        try:
            client = app.test_client()
            login = client.post(
                "/api/v1/auth/login",
                json={"email": network.clinician_email, "password": BENCH_PASSWORD},
            )
            if login.status_code != 200:
                raise RuntimeError(f"the clinician's login answered {login.status_code}")
            for name, url in reads.items():
                client.get(url)  # a first read warms the caches and the app's imports
                current.clear()
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                captured[name] = list(current)
            from worker.tasks.periodic import reconcile

            current.clear()
            reconcile.run()
            db.session.rollback()
            captured["reconciler tick"] = list(current)
        finally:
            sa.event.remove(engine, "before_cursor_execute", keep)
        db.session.remove()
        engine.dispose()
    return captured


def explain_all(engine: sa.Engine, captured: dict) -> list[dict]:
    """Each captured statement's plan (EXPLAIN ANALYZE, BUFFERS), its time and large seq scans."""
    with engine.connect() as conn:
        sizes = dict(
            conn.execute(
                sa.text(
                    "SELECT relname, reltuples::bigint FROM pg_class"
                    " WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                )
            ).all()
        )
    results = []
    raw = engine.raw_connection()
    try:
        for read, statements in captured.items():
            for n, (statement, parameters) in enumerate(statements, 1):
                cursor = raw.cursor()
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                raw.rollback()
                seq = sorted({t for t in SEQ_SCAN.findall(plan) if sizes.get(t, 0) > LARGE_ROWS})
                found = EXECUTION.search(plan)
                results.append(
                    {
                        "read": read,
                        "n": n,
                        "sql": statement,
                        "parameters": {k: repr(v)[:80] for k, v in (parameters or {}).items()},
                        "plan": plan,
                        "ms": float(found.group(1)) if found else None,
                        "large_seq_scans": {t: sizes[t] for t in seq},
                    }
                )
    finally:
        raw.close()
    return results


def render(results: list[dict], heading: str) -> str:
    """Markdown: a summary table, then every statement with its plan."""
    lines = [
        f"# {heading}",
        "",
        "| read | statement | execution (ms) | sequential scans on large tables (rows) |",
        "| --- | --- | --- | --- |",
    ]
    for r in results:
        seq = ", ".join(f"{t} ({n:,})" for t, n in r["large_seq_scans"].items()) or "none"
        first = " ".join(r["sql"].split())[:70].replace("|", "\\|")
        lines.append(f"| {r['read']} | {r['n']}: `{first}...` | {r['ms']} | {seq} |")
    for r in results:
        lines += ["", f"## {r['read']}, statement {r['n']} ({r['ms']} ms)", "", "```sql"]
        lines += [r["sql"].strip(), "```", "", f"parameters: {r['parameters']}", "", "```"]
        lines += [r["plan"], "```"]
    return "\n".join(lines) + "\n"


def write(engine: sa.Engine, env: dict, network, path: Path) -> list[dict]:
    """Capture, explain and write the plans to ``path``; returns the results."""
    started = time.monotonic()
    results = explain_all(engine, capture(env, network))
    counts = network.counts
    heading = (
        f"Query plans at {counts['patients']:,} patients, {counts['checkins']:,} check-ins, "
        f"{counts['clinics']} clinics (captured in {time.monotonic() - started:.0f} s)"
    )
    path.write_text(render(results, heading))
    return results
