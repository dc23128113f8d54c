"""The audit trail: what a row holds, that it holds no PHI, that the app cannot change it,
and that a clinic's admins can read and export their own clinic's log and no other. The
database roles behind "cannot change it" are tests/security/test_audit_roles.py."""

import csv
import io
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from api.models import AuditEvent


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'tampered'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ],
)
def test_the_database_refuses_to_change_audit_rows(world, db_session, statement):
    before = db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    assert before > 0
    # The app's runtime role lacks the privilege; the trigger stops the owner too
    # (tests/security/test_audit_roles.py).
    with (
        pytest.raises(DBAPIError, match="permission denied for table audit_events"),
        db_session.begin_nested(),
    ):
        db_session.execute(sa.text(statement))
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
    assert not db_session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "tampered")
    )


def test_a_row_says_who_what_where_when(world, as_caller, db_session):
    response = as_caller(world.callers["clinician_a"]).get(f"/api/v1/patients/{world.a1.id}")
    assert response.status_code == 200
    row = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.request_id == response.headers["X-Request-Id"])
    )
    assert (row.actor_kind, row.actor_id, row.role, row.clinic_id) == (
        "staff",
        str(world.clinician_a.id),
        "clinician",
        world.clinic_a.id,
    )
    assert (row.object_type, row.object_id, row.outcome) == ("patient", str(world.a1.id), "success")
    assert row.ip == "127.0.0.1" and row.at is not None


def test_a_request_whose_commit_fails_keeps_its_audit_rows_and_is_logged_as_sent(
    world, as_caller, db_session, monkeypatch, caplog
):
    from api.extensions import db

    real_commit, calls = db.session.commit, []

    def commit_losing_the_connection_once():
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("COMMIT", {}, ConnectionError("server closed"))
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit_losing_the_connection_once)
    reads = (
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "patient.read", AuditEvent.object_id == str(world.a1.id))
    )
    before = db_session.scalar(reads)
    client = as_caller(world.callers["clinician_a"])
    with caplog.at_level("INFO", logger="waypoint.access"):
        response = client.get(f"/api/v1/patients/{world.a1.id}")
    # The answer is the JSON 500 the boundary sent, and the access log says so (not the
    # view's 200 from before the commit).
    assert response.status_code == 500 and response.json["code"] == 500
    assert "display_name" not in response.text
    [line] = [r for r in caplog.records if r.name == "waypoint.access"]
    assert line.status == 500
    assert len(calls) == 2  # the request's own commit, then the audit rows' own
    assert db_session.scalar(reads) == before + 1


def test_authentication_events_are_audited(world, as_caller, make_client, db_session):
    make_client().post(
        "/api/v1/auth/login", json={"email": world.clinician_a.email, "password": "nope"}
    )
    make_client().post("/api/v1/auth/redeem", json={"token": "x" * 30})
    a2 = world.callers["patient_a2"]
    as_caller(a2).post("/api/v1/auth/logout", headers={"X-CSRF-Token": a2.csrf})
    seen = set(db_session.execute(sa.select(AuditEvent.action, AuditEvent.outcome)).all())
    assert {
        ("auth.login", "success"),
        ("auth.login", "failure"),
        ("auth.redeem", "success"),
        ("auth.redeem", "failure"),
        ("auth.logout", "success"),
    } <= seen


def test_audit_rows_hold_no_phi(world, as_caller, db_session):
    admin = world.callers["admin_a"]
    as_caller(admin).get(f"/api/v1/admin/patients/{world.a1.id}/export")
    as_caller(world.callers["clinician_a"]).get(f"/api/v1/patients/{world.a1.id}")
    rows = db_session.scalars(sa.select(AuditEvent)).all()
    assert len(rows) > 5
    text = json.dumps([[r.action, r.object_id, r.actor_id, r.detail] for r in rows], default=str)
    phi = [world.a1.display_name, world.a1.email, world.a1.ref, "phq9_9", "Session note"]
    assert [s for s in phi if s in text] == []


def test_admin_reads_the_clinics_log_page_by_page(world, as_caller, db_session):
    admin = as_caller(world.callers["admin_a"])
    # Other tests' committed rows (a live server's audit reads) are not this test's.
    before = db_session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)))
    first = admin.get("/api/v1/admin/audit?limit=3")
    assert first.status_code == 200
    assert len(first.json["items"]) == 3
    ids = [e["id"] for e in first.json["items"]]
    assert ids == sorted(ids, reverse=True)
    second = admin.get(f"/api/v1/admin/audit?limit=3&before_id={first.json['next_before_id']}")
    assert max(e["id"] for e in second.json["items"]) < min(ids)

    everything = admin.get("/api/v1/admin/audit?limit=1000").json["items"]
    assert {e["clinic_id"] for e in everything} == {world.clinic_a.id}
    clinic_b_rows = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.clinic_id == world.clinic_b.id)
    )
    assert clinic_b_rows > 0  # there was something to leak, and it did not
    logins = admin.get("/api/v1/admin/audit?action=auth.login&limit=1000").json["items"]
    assert logins and {e["action"] for e in logins} == {"auth.login"}
    assert admin.get("/api/v1/admin/audit?outcome=maybe").status_code == 422
    reads = db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "audit.read", AuditEvent.id > before)
    )
    assert len(reads.all()) == 4


def test_admin_exports_the_log_as_csv(world, as_caller):
    response = as_caller(world.callers["admin_a"]).get("/api/v1/admin/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows and {r["clinic_id"] for r in rows} == {str(world.clinic_a.id)}
    assert {"auth.login", "checkin.create"} <= {r["action"] for r in rows}
    json.loads(rows[0]["detail"])


def test_csv_cells_cannot_become_formulas(world, db_session, as_caller):
    from api.audit import record

    record("test.event", clinic_id=world.clinic_a.id, object_id="=HYPERLINK(1)")
    db_session.flush()
    text = as_caller(world.callers["admin_a"]).get("/api/v1/admin/audit.csv").get_data(True)
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text
