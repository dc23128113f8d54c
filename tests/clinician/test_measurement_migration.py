"""Migration 0009 carries existing data over, up and down (issue #18).

Up: a summary stored by the old rules ("response" from a PHQ-9 of 3) is recomputed by the new
ones, existing courses keep their sessions and get no planned start. Down: a "worsening after
response" becomes "worsening", the word the old code knew, before the column narrows."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from api.models.base import utcnow


def test_the_migration_recomputes_stored_summaries_and_goes_down_again(app, committed_db):
    from flask_migrate import downgrade, upgrade

    from api.extensions import db
    from api.models import Clinic
    from api.patients.operations import enrol_patient

    clinic = Clinic(name=f"Measures {uuid.uuid4().hex[:6]}")
    committed_db.add(clinic)
    committed_db.flush()
    small = enrol_patient(clinic, display_name="Baseline of three")
    relapse = enrol_patient(clinic, display_name="Twenty, two, eight")
    ids = {"small": small.id, "relapse": relapse.id, "clinic": clinic.id}
    committed_db.commit()
    committed_db.remove()
    db.engine.dispose()
    downgrade(revision="0008_risk_flags")
    now = utcnow()
    with db.engine.begin() as conn:
        course = conn.execute(
            sa.text(
                "INSERT INTO treatment_courses (patient_id, label, started_at, created_at)"
                " VALUES (:p, 'Induction', :at, now()) RETURNING id"
            ),
            {"p": ids["small"], "at": now - timedelta(days=20)},
        ).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO treatment_sessions (id, patient_id, course_id, administered_at,"
                " modality, dose_mg, created_at) VALUES (:id, :p, :c, :at, 'iv', 35, now())"
            ),
            {"id": uuid.uuid4(), "p": ids["small"], "c": course, "at": now - timedelta(days=20)},
        )
        for patient, totals in (("small", (3, 1)), ("relapse", (20, 2, 8))):
            for n, total in enumerate(totals):
                at = now - timedelta(days=21 - 10 * n)  # days -21, -11, -1
                conn.execute(
                    sa.text(
                        "INSERT INTO checkins (id, patient_id, clinic_id, instrument,"
                        " instrument_version, answers, payload_hash, total, severity,"
                        " safety_endorsed, safety_level, prorated, completed_at, received_at,"
                        " enqueue_count) VALUES (:id, :p, :clinic, 'phq9', '1.0.0', '{}', 'x',"
                        " :total, 'minimal', false, 'none', false, :at, :at, 0)"
                    ),
                    {"id": uuid.uuid4(), "p": ids[patient], "total": total, "at": at, **ids},
                )
        # What the old rules stored: a "response" from 3 -> 1, a "worsening" for 20 -> 2 -> 8.
        for patient, status in (("small", "response"), ("relapse", "worsening")):
            conn.execute(
                sa.text(
                    "INSERT INTO patient_summaries (patient_id, worsening, severity_rank,"
                    " trend_status, instruments, updated_at) VALUES (:p, :w, 0, :s,"
                    ' \'{"phq9": {"status": "old"}}\', now())'
                ),
                {"p": ids[patient], "w": status == "worsening", "s": status},
            )
    db.engine.dispose()
    upgrade()
    with db.engine.begin() as conn:
        rows = {
            row.patient_id: row
            for row in conn.execute(
                sa.text(
                    "SELECT patient_id, worsening, trend_status, instruments"
                    " FROM patient_summaries WHERE patient_id IN (:a, :b)"
                ),
                {"a": ids["small"], "b": ids["relapse"]},
            )
        }
        planned = conn.execute(
            sa.text("SELECT planned_start_at FROM treatment_courses WHERE patient_id = :p"),
            {"p": ids["small"]},
        ).scalar_one()
    small_phq = rows[ids["small"]].instruments["phq9"]
    # 3 (one day before the session) -> 1: not measurable for response (baseline <= 9).
    assert rows[ids["small"]].trend_status == "no_change"
    assert small_phq["baseline"] == 3 and small_phq["baseline_kind"] == "pre_treatment"
    assert small_phq["response_measurable"] is False and small_phq["response"] is False
    assert rows[ids["relapse"]].trend_status == "worsening_after_response"
    assert rows[ids["relapse"]].worsening is True
    assert rows[ids["relapse"]].instruments["phq9"]["baseline_kind"] == "first_checkin"
    assert planned is None

    db.engine.dispose()
    downgrade(revision="0008_risk_flags")
    with db.engine.begin() as conn:
        down = conn.execute(
            sa.text("SELECT trend_status FROM patient_summaries WHERE patient_id = :p"),
            {"p": ids["relapse"]},
        ).scalar_one()
        width = conn.execute(
            sa.text(
                "SELECT character_maximum_length FROM information_schema.columns"
                " WHERE table_name = 'patient_summaries' AND column_name = 'trend_status'"
            )
        ).scalar_one()
        columns = conn.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'treatment_courses'"
            )
        ).scalars()
        assert "planned_start_at" not in set(columns)
    assert (down, width) == ("worsening", 20)
    db.engine.dispose()
    upgrade()
