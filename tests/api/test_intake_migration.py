"""Migration 0013 adds the intake tables, and goes down again with rows in them."""

import uuid

import pytest
import sqlalchemy as sa

INTAKE_TABLES = {"intake_trials", "intake_answers", "intake_overrides"}


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) & INTAKE_TABLES


def test_intake_tables_go_up_and_down(app, committed_db):
    from flask_migrate import downgrade, upgrade

    from api.extensions import db
    from api.models import Clinic, StaffUser
    from api.patients.operations import enrol_patient
    from tests.support.intake import clear_intake

    with app.test_request_context():
        clinic = Clinic(name=f"Intake migration {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        staff = StaffUser(
            clinic_id=clinic.id,
            email=f"m-{uuid.uuid4().hex[:8]}@example.org",
            name="Dr M",
            password_hash="x",
        )
        committed_db.add(staff)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name="Before and after")
        clear_intake(patient, staff)
        ids = {"p": patient.id, "s": staff.id}
        committed_db.commit()
    committed_db.remove()
    db.engine.dispose()
    try:
        assert _tables(db.engine) == INTAKE_TABLES
        downgrade(revision="0012_home_dosing")  # with a signed screen in place
        db.engine.dispose()
        assert _tables(db.engine) == set()
        upgrade()
        db.engine.dispose()
        assert _tables(db.engine) == INTAKE_TABLES
        with db.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM intake_answers")) == 0
            # The item and answer checks hold in the database itself.
            with pytest.raises(sa.exc.IntegrityError):
                conn.execute(
                    sa.text(
                        "INSERT INTO intake_answers (patient_id, item, answer, signed_by,"
                        " signed_at) VALUES (:p, 'pregnant', 'no', :s, now())"
                    ),
                    ids,
                )
    finally:
        db.engine.dispose()
        upgrade()
        db.engine.dispose()
