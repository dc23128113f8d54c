"""Make two requests race deterministically: hold back their audit inserts until both wait.

Every request writes its audit rows at the request boundary, just before its commit. With
audit_events locked against inserts, each racing request runs up to that point (or up to a
row lock it needs) and waits; once both wait, the lock goes and they commit in turn. So
both have read whatever they read before either could commit: a check that is not guarded
by a row lock lets both through.
"""

import contextlib
import threading
import time

import sqlalchemy as sa
from flask import current_app

from api.database_roles import migrations_engine
from api.extensions import db


def _waiting_on_locks() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(
            sa.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


@contextlib.contextmanager
def audit_inserts_held():
    """Within the block, no transaction can insert an audit row (nor commit a request)."""
    # Only the owner may lock the audit table against inserts: the app's role cannot.
    gate = migrations_engine(current_app).connect()
    held = gate.begin()
    gate.execute(sa.text("LOCK TABLE audit_events IN SHARE MODE"))
    try:
        yield
    finally:
        held.rollback()
        gate.close()


def race(*calls, timeout: float = 20) -> list:
    """Run each call in its own thread, release them together; their results (or errors)."""
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 (the test reports what went wrong)
            results[index] = exc

    threads = [
        threading.Thread(target=run, args=(n, call), daemon=True) for n, call in enumerate(calls)
    ]
    with audit_inserts_held():
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        while _waiting_on_locks() < len(calls) and time.monotonic() < deadline:
            time.sleep(0.05)
        waiting = _waiting_on_locks()
    for thread in threads:
        thread.join(timeout=timeout)
    assert waiting == len(calls), f"only {waiting} of {len(calls)} requests reached the race"
    return results
