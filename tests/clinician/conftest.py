"""Fixtures for the clinician views: check-ins and sessions written through the ORM, signed-in
staff clients."""

import secrets
import uuid
from datetime import timedelta

import pytest

import surveys


def answers_for(code: str, total: int, item9: int = 0) -> dict:
    """A valid answer set of ``code`` with this total (PHQ-9 item 9 as given)."""
    definition = surveys.get_definition(code)
    ids = list(definition.scored_item_ids)
    answers = {}
    if code == "phq9":
        answers["phq9_9"] = item9
        ids.remove("phq9_9")
        total -= item9
    for n, link_id in enumerate(ids):
        value = min(3, -(-total // (len(ids) - n)))
        answers[link_id] = value
        total -= value
    assert total == 0
    if code == "phq9" and any(answers.values()):
        answers["phq9_difficulty"] = 1
    return answers


@pytest.fixture
def add_checkin(db_session):
    """Store a scored check-in as the check-in API would (ORM insert, same scoring)."""
    from api.models import Checkin

    def add(patient, total, at, instrument="phq9", item9=0):
        definition = surveys.get_definition(instrument)
        answers = answers_for(instrument, total, item9)
        score = surveys.score(definition, answers)
        row = Checkin(
            id=uuid.uuid4(),
            patient_id=patient.id,
            clinic_id=patient.clinic_id,
            instrument=instrument,
            instrument_version=definition.version,
            answers=answers,
            payload_hash=secrets.token_hex(32),
            total=score.total,
            severity=score.severity,
            safety_endorsed=score.safety.endorsed,
            safety_level=score.safety.level,
            completed_at=at,
            received_at=at,
        )
        db_session.add(row)
        db_session.flush()
        return row

    return add


@pytest.fixture
def add_session(db_session):
    """Record a treatment session (and its course) directly."""
    from api.models import TreatmentCourse, TreatmentSession

    def add(patient, at, course=None, modality="iv", dose_mg=35.0, label="Induction"):
        if course is None:
            course = TreatmentCourse(patient_id=patient.id, label=label, started_at=at)
            db_session.add(course)
            db_session.flush()
        row = TreatmentSession(
            patient_id=patient.id,
            course_id=course.id,
            administered_at=at,
            modality=modality,
            dose_mg=dose_mg,
        )
        db_session.add(row)
        db_session.flush()
        return row

    return add


@pytest.fixture
def add_alert(db_session):
    """An alert row as the worker would insert it."""
    from api.models import Alert
    from api.models.base import utcnow

    def add(patient, priority="urgent", rule="suicidal_ideation", status="open", ago=None):
        at = utcnow() - (ago or timedelta(0))
        row = Alert(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            dedupe_key=f"test:{uuid.uuid4()}",
            rule=rule,
            priority=priority,
            reason="test alert",
            status=status,
            created_at=at,
        )
        db_session.add(row)
        db_session.flush()
        return row

    return add


@pytest.fixture
def staff_client(client, login, create_clinician):
    """(client, csrf, staff) of a clinician signed in on the default client."""
    staff = create_clinician()
    return client, login(client, staff), staff


@pytest.fixture
def other_clinic(make_client, login, create_clinician, create_patient, create_clinic):
    """A second clinic with a patient, and a signed-in clinician client of it."""
    clinic = create_clinic()
    staff = create_clinician(clinic=clinic)
    client = make_client()
    csrf = login(client, staff)
    return {"clinic": clinic, "staff": staff, "client": client, "csrf": csrf}
