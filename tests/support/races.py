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


PASSWORD = "correct horse battery staple"


def racing_staff(session, clinic_name: str, count: int = 2, role: str = "clinician", totp=False):
    """A clinic of its own and ``count`` staff of it, committed (a race's requests each run
    on their own connection, so they must see them); password ``PASSWORD``, a TOTP secret
    enrolled when ``totp`` (admins sign in with it). Returns (clinic, staff)."""
    import uuid

    import pyotp

    from api.auth.passwords import hash_password
    from api.models import Clinic, StaffUser

    clinic = Clinic(name=f"{clinic_name} {uuid.uuid4().hex[:8]}")
    session.add(clinic)
    session.flush()
    staff = [
        StaffUser(
            clinic_id=clinic.id,
            email=f"race-{uuid.uuid4().hex[:8]}@example.org",
            name=f"Staff {n}",
            role=role,
            password_hash=hash_password(PASSWORD),
            totp_secret=pyotp.random_base32() if totp else None,
            totp_enabled=totp,
        )
        for n in range(count)
    ]
    session.add_all(staff)
    session.commit()
    return clinic, staff
