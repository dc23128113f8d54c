"""Migration 0014 carries existing sessions over without guessing (their blood pressures
become untimed checkpoint readings, a CADSS total is the full CADSS, the drug stays
unknown), and goes down again with the pressures back in their columns."""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

T0 = datetime(2026, 10, 5, 15, 0, tzinfo=UTC)


def _session(conn, patient, course, modality, pre=None, post=None, cadss=None):
    session_id = uuid.uuid4()
    conn.execute(
        sa.text(
            "INSERT INTO treatment_sessions (id, patient_id, course_id, administered_at, modality,"
            " dose_mg, bp_pre_systolic, bp_pre_diastolic, bp_post_systolic, bp_post_diastolic,"
            " cadss, created_at) VALUES (:id, :p, :c, :at, :m, 56, :s1, :d1, :s2, :d2, :cadss,"
            " :at)"
        ),
        {
            "id": session_id,
            "p": patient,
            "c": course,
            "at": T0,
            "m": modality,
            "s1": pre[0] if pre else None,
            "d1": pre[1] if pre else None,
            "s2": post[0] if post else None,
            "d2": post[1] if post else None,
            "cadss": cadss,
        },
    )
    return session_id


@pytest.fixture
def before_0010(app, committed_db):
    """A patient with a course, and the database taken down to 0009."""
    from flask_migrate import downgrade

    from api.extensions import db
    from api.models import Clinic, TreatmentCourse
    from api.patients.operations import enrol_patient

    with app.test_request_context():
        clinic = Clinic(name=f"Before monitoring {uuid.uuid4().hex[:6]}")
        committed_db.add(clinic)
        committed_db.flush()
        patient = enrol_patient(clinic, display_name="Carried over")
        course = TreatmentCourse(patient_id=patient.id, label="Induction", started_at=T0)
        committed_db.add(course)
        committed_db.flush()
        ids = (patient.id, course.id)
        committed_db.commit()
    committed_db.remove()
    db.engine.dispose()
    downgrade(revision="0013_intake")
    return ids


def test_existing_sessions_are_carried_over_and_go_down_again(app, before_0010):
    from flask_migrate import downgrade, upgrade

    from api.extensions import db

    patient, course = before_0010
    with db.engine.begin() as conn:
        spray = _session(conn, patient, course, "intranasal", (132, 84), (146, 92), cadss=14)
        infusion = _session(conn, patient, course, "iv", pre=(120, 80))
        bare = _session(conn, patient, course, "oral")
    db.engine.dispose()
    upgrade()
    try:
        with db.engine.connect() as conn:
            readings = conn.execute(
                sa.text(
                    "SELECT session_id, kind, taken_at, systolic, diastolic FROM session_readings"
                    " ORDER BY session_id, kind"
                )
            ).all()
            rows = {
                r.id: r
                for r in conn.execute(
                    sa.text("SELECT id, drug, cadss, cadss_form FROM treatment_sessions")
                )
            }
            records = conn.scalar(sa.text("SELECT count(*) FROM rems_records"))
        mine = [r for r in readings if r.session_id in (spray, infusion, bare)]
        assert sorted((r.session_id, r.kind, r.systolic, r.diastolic) for r in mine) == sorted(
            [
                (spray, "post_40", 146, 92),
                (spray, "pre_dose", 132, 84),
                (infusion, "pre_dose", 120, 80),
            ]
        )
        assert all(r.taken_at is None for r in mine)  # the time was never recorded
        # The drug is not guessed from the route, and no REMS record is invented.
        assert rows[spray].drug is None and rows[infusion].drug is None and records == 0
        assert (rows[spray].cadss, rows[spray].cadss_form) == (14, "full")
        assert rows[bare].cadss_form is None
    finally:
        db.engine.dispose()
        downgrade(revision="0013_intake")
    try:
        with db.engine.connect() as conn:
            back = {
                r.id: r
                for r in conn.execute(
                    sa.text(
                        "SELECT id, bp_pre_systolic, bp_pre_diastolic, bp_post_systolic,"
                        " bp_post_diastolic FROM treatment_sessions"
                    )
                )
            }
        assert tuple(back[spray])[1:] == (132, 84, 146, 92)
        assert tuple(back[infusion])[1:] == (120, 80, None, None)
        assert tuple(back[bare])[1:] == (None, None, None, None)
    finally:
        db.engine.dispose()
        upgrade()
        db.engine.dispose()


def test_a_subcutaneous_session_stops_the_downgrade_naming_why(app, before_0010):
    from flask_migrate import downgrade, upgrade

    from api.extensions import db

    patient, course = before_0010
    upgrade()
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO treatment_sessions (id, patient_id, course_id, administered_at,"
                " modality, dose_mg, created_at) VALUES (:id, :p, :c, :at, 'subcutaneous', 30,"
                " :at)"
            ),
            {"id": uuid.uuid4(), "p": patient, "c": course, "at": T0},
        )
    db.engine.dispose()
    try:
        with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError, then exits
            downgrade(revision="0013_intake")
    finally:
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM treatment_sessions WHERE modality = 'subcutaneous'"))
        db.engine.dispose()
