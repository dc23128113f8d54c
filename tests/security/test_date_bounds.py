"""Every datetime the API accepts is bounded after conversion to UTC (issue #14, findings 4, 8).

On PostgreSQL ``9999-12-31T23:59:59-05:00`` is year 10000 in UTC and ``0001-01-01T00:00:00+05:00``
is 1 BC: both are stored, and psycopg cannot read either back, so one check-in broke every
read of a patient's record. A safety answer with such a time is stored at its arrival and
marked (never refused: the phone would keep it as refused and the care team never hear).
"""

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from api.models import Alert, Checkin, TreatmentSession
from tests.support.answers import phq9_every
from tests.support.intake import clear_intake

YEAR_10000 = "9999-12-31T23:59:59-05:00"
YEAR_0 = "0001-01-01T00:00:00+05:00"
OUT_OF_RANGE = [YEAR_10000, YEAR_0, "2100-01-01T00:00:00Z", "1999-12-31T23:59:59Z"]


def error_fields(response) -> set:
    """Field names of a 4xx body, whether flat or under its location (``json``, ``query``)."""
    errors = response.json.get("errors") or {}
    found = set(errors)
    for location in ("json", "query"):
        if isinstance(errors.get(location), dict):
            found |= set(errors[location])
    return found | {part for name in found for part in str(name).split(".")}


@pytest.fixture
def patient(create_patient):
    return create_patient()


@pytest.fixture
def patient_csrf(client, patient, redeem):
    return redeem(client, patient)


def post_checkin(client, csrf, answers, completed_at):
    body = {
        "id": str(uuid.uuid4()),
        "instrument": "phq9",
        "answers": {**answers, "phq9_difficulty": 1},
        "completed_at": completed_at,
    }
    response = client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": csrf})
    return response, body


@pytest.mark.parametrize("completed_at", OUT_OF_RANGE)
def test_an_out_of_range_time_is_refused_naming_the_field(
    client, patient_csrf, db_session, completed_at
):
    response, _ = post_checkin(client, patient_csrf, phq9_every(item9=0), completed_at)
    assert response.status_code == 422, response.json
    assert "completed_at" in error_fields(response)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 0


@pytest.mark.parametrize("completed_at", [YEAR_10000, YEAR_0])
def test_a_safety_answer_with_an_unusable_time_is_stored_at_arrival_and_marked(
    client,
    make_client,
    patient,
    patient_csrf,
    db_session,
    create_clinician,
    login,
    completed_at,
):
    response, body = post_checkin(client, patient_csrf, phq9_every(item9=2), completed_at)
    assert response.status_code == 201, response.json
    row = db_session.get(Checkin, uuid.UUID(body["id"]))
    assert row.completed_at == row.received_at
    assert row.reported_completed_at is None and row.reported_time_unusable
    assert db_session.scalar(sa.select(Alert).where(Alert.checkin_id == row.id)).answered_at == (
        row.received_at
    )
    assert client.post("/api/v1/checkins", json=body, headers={"X-CSRF-Token": patient_csrf}).json
    # Every read of the record still answers.
    assert client.get("/api/v1/me/checkins").status_code == 200
    staff = make_client()
    login(staff, create_clinician(clinic=patient.clinic))
    for path in ("checkins", "export.csv", "fhir"):
        assert staff.get(f"/api/v1/patients/{patient.id}/{path}").status_code == 200, path
    admin = make_client()
    login(admin, create_clinician(clinic=patient.clinic, role="admin"))
    assert admin.get(f"/api/v1/admin/patients/{patient.id}/export").status_code == 200


@pytest.mark.parametrize("administered_at", OUT_OF_RANGE)
def test_session_times_are_bounded(
    client, patient, create_clinician, login, db_session, administered_at
):
    clinician = create_clinician(clinic=patient.clinic)
    clear_intake(patient, clinician)
    csrf = login(client, clinician)
    url = f"/api/v1/patients/{patient.id}/sessions"
    body = {"administered_at": administered_at, "modality": "iv", "drug": "ketamine", "dose_mg": 35}
    response = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422, response.json
    assert "administered_at" in error_fields(response)
    good = {**body, "administered_at": datetime.now(UTC).isoformat()}
    created = client.post(url, json=good, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.json
    patch = client.patch(
        f"{url}/{created.json['id']}",
        json={"administered_at": administered_at},
        headers={"X-CSRF-Token": csrf},
    )
    assert patch.status_code == 422, patch.json
    assert "administered_at" in error_fields(patch)


@pytest.mark.parametrize("name", ["since", "until"])
def test_audit_query_times_are_bounded(client, create_clinician, login, name):
    login(client, create_clinician(role="admin"))
    response = client.get("/api/v1/admin/audit", query_string={name: YEAR_0})
    assert response.status_code == 422, response.json
    assert name in error_fields(response)


@pytest.mark.parametrize("column", ["completed_at", "reported_completed_at", "received_at"])
@pytest.mark.parametrize("stored", ["10000-01-01 04:59:59+00", "0001-12-31 19:00:00+00 BC"])
def test_the_database_refuses_an_out_of_range_time(db_session, create_patient, column, stored):
    """No path (an import, a script, a future bug) can store what the readers cannot read."""
    row = _stored_checkin(db_session, create_patient(), datetime.now(UTC))
    update = sa.text(f"UPDATE checkins SET {column} = :at WHERE id = :id")
    refused = pytest.raises(sa.exc.IntegrityError, match=f"ck_checkins_{column}_in_range")
    with refused, db_session.begin_nested():
        db_session.execute(update, {"at": stored, "id": row.id})


def test_the_database_refuses_an_out_of_range_session(db_session, create_patient, create_clinician):
    from api.models import TreatmentCourse

    patient = create_patient()
    course = TreatmentCourse(patient_id=patient.id, label="c", started_at=datetime.now(UTC))
    db_session.add(course)
    db_session.flush()
    session = TreatmentSession(
        patient_id=patient.id,
        course_id=course.id,
        administered_at=datetime.fromisoformat(YEAR_10000),
        modality="iv",
    )
    db_session.add(session)
    with pytest.raises(sa.exc.IntegrityError, match="ck_treatment_sessions_administered_at_in"):
        db_session.flush()


def test_the_database_refuses_a_year_10000_checkin(db_session, create_patient):
    with pytest.raises(sa.exc.IntegrityError, match="ck_checkins_completed_at_in_range"):
        _stored_checkin(db_session, create_patient(), datetime.fromisoformat(YEAR_10000))


def _stored_checkin(db_session, patient, completed_at):
    import surveys
    from api.checkins.operations import scored_checkin

    definition = surveys.get_definition("phq9")
    answers = {**phq9_every(item9=0), "phq9_difficulty": 1}
    row = scored_checkin(
        patient,
        definition,
        answers,
        surveys.score(definition, answers),
        completed_at=completed_at,
        received_at=datetime.now(UTC),
    )
    db_session.add(row)
    db_session.flush()
    return row


def test_the_migration_repairs_rows_written_before_it_and_goes_down_again(app, committed_db):
    """A database the attack already reached upgrades (its rows repaired) and downgrades."""
    from flask_migrate import downgrade, upgrade

    from api.models import Clinic
    from api.patients.operations import enrol_patient

    clinic = Clinic(name=f"Bounds {uuid.uuid4().hex[:6]}")
    committed_db.add(clinic)
    committed_db.flush()
    patient = enrol_patient(clinic, display_name="Before the fix")
    ids = {"patient": patient.id, "clinic": clinic.id}
    committed_db.commit()
    committed_db.remove()
    from api.extensions import db

    db.engine.dispose()
    downgrade(revision="0001")
    checkin_id = uuid.uuid4()
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO checkins (id, patient_id, clinic_id, instrument, instrument_version,"
                " answers, payload_hash, safety_endorsed, safety_level, prorated, completed_at,"
                " reported_completed_at, received_at, enqueue_count) VALUES (:id, :patient,"
                " :clinic, 'phq9', '1', '{}', 'x', true, 'positive', false, :late, :late, now(), 0)"
            ),
            {"id": checkin_id, "late": YEAR_10000, **ids},
        )
    db.engine.dispose()
    upgrade()
    row = db.session.get(Checkin, checkin_id)
    assert row.completed_at == row.received_at and row.reported_completed_at is None
    assert row.reported_time_unusable
    db.session.remove()
    db.engine.dispose()
    downgrade(revision="0001")  # and down again with the repaired row in place
    db.engine.dispose()
    upgrade()
