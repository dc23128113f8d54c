"""Migration 0010 files the alerts raised before it into cases without losing any history
(their events and deliveries stay theirs), and goes down again."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

T0 = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)


def _alert(conn, patient, clinic, rule, priority, created, status="open", resolved=None):
    alert_id = uuid.uuid4()
    conn.execute(
        sa.text(
            "INSERT INTO alerts (id, clinic_id, patient_id, dedupe_key, rule, priority, reason,"
            " status, created_at, answered_at, acknowledged_at, resolved_at, escalate_at)"
            " VALUES (:id, :clinic, :patient, :key, :rule, :priority, 'before cases', :status,"
            " :created, :created, :acked, :resolved, :escalate)"
        ),
        {
            "id": alert_id,
            "clinic": clinic,
            "patient": patient,
            "key": f"old:{alert_id}",
            "rule": rule,
            "priority": priority,
            "status": status,
            "created": created,
            "acked": resolved or (created + timedelta(minutes=5) if status != "open" else None),
            "resolved": resolved,
            "escalate": created + timedelta(minutes=15) if status == "open" else None,
        },
    )
    return alert_id


def test_existing_alerts_are_filed_into_cases_and_keep_their_history(app, committed_db):
    from flask_migrate import downgrade, upgrade

    from api.extensions import db
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Before cases {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        first = enrol_patient(clinic, display_name="Two episodes")
        second = enrol_patient(clinic, display_name="Acknowledged")
        ids = (clinic.id, first.id, second.id)
        committed_db.commit()
    clinic_id, first_id, second_id = ids
    committed_db.remove()
    db.engine.dispose()
    downgrade(revision="0009_measurement_baselines")
    with db.engine.begin() as conn:
        # An episode resolved within the hour...
        done = _alert(
            conn,
            first_id,
            clinic_id,
            "suicidal_ideation",
            "urgent",
            T0,
            "resolved",
            T0 + timedelta(hours=1),
        )
        conn.execute(
            sa.text(
                "INSERT INTO notification_deliveries (alert_id, channel, recipient, round,"
                " status, attempts, created_at) VALUES (:a, 'email', 'staff:1', 0, 'sent', 1,"
                " :at)"
            ),
            {"a": done, "at": T0},
        )
        # ...then a new one, and an open alert five days on that has not been dealt with.
        later = _alert(conn, first_id, clinic_id, "worsening", "high", T0 + timedelta(hours=2))
        again = _alert(conn, first_id, clinic_id, "severe", "high", T0 + timedelta(hours=3))
        stale = _alert(conn, first_id, clinic_id, "imminent", "imminent", T0 + timedelta(days=5))
        acked = _alert(conn, second_id, clinic_id, "worsening", "high", T0, "acknowledged")
    db.engine.dispose()
    upgrade()
    try:
        with db.engine.connect() as conn:
            case_of = dict(conn.execute(sa.text("SELECT id, case_id FROM alerts")).all())
            cases = {
                row.id: row
                for row in conn.execute(
                    sa.text(
                        "SELECT id, patient_id, status, priority, alert_count, resolved_at"
                        " FROM cases WHERE clinic_id = :c"
                    ),
                    {"c": clinic_id},
                )
            }
            deadlines = dict(conn.execute(sa.text("SELECT id, escalate_at FROM alerts")).all())
            deliveries = conn.scalar(
                sa.text("SELECT count(*) FROM notification_deliveries WHERE alert_id = :a"),
                {"a": done},
            )
        assert deliveries == 1
        assert case_of[later] == case_of[again] == case_of[stale] != case_of[done]
        resolved, open_ = cases[case_of[done]], cases[case_of[later]]
        assert (resolved.status, resolved.alert_count) == ("resolved", 1)
        assert resolved.resolved_at == T0 + timedelta(hours=1)
        # The patient's unresolved alerts are one case, at the most pressing priority.
        assert (open_.status, open_.priority, open_.alert_count) == ("open", "imminent", 3)
        assert cases[case_of[acked]].status == "acknowledged"
        # One escalation per case: the imminent alert's; the high ones' deadlines cleared.
        assert deadlines[stale] is not None
        assert deadlines[later] is None and deadlines[again] is None
        assert len(cases) == 3
    finally:
        db.engine.dispose()
        downgrade(revision="0009_measurement_baselines")  # and down again with the cases in place
        db.engine.dispose()
        upgrade()
        db.engine.dispose()
