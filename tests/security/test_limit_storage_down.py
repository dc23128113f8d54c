"""Rate-limit storage down: sign-in and redemption keep working and keep being throttled.

The app runs as its own gunicorn process with RATELIMIT_STORAGE_URI on a closed port
(the limiter is process-wide state, so an in-process second app would repoint the test
app's limiter too). Flask-Limiter must fall back to counting in memory, never a 500.
"""

import uuid

import pytest

from api.auth.operations import create_invite
from api.auth.passwords import hash_password
from api.models import Clinic, StaffUser
from api.patients.operations import enrol_patient
from tests.support.servers import free_port, gunicorn, server_env

PASSWORD = "correct horse battery staple"


@pytest.fixture
def server_without_limit_storage(app, committed_db, database_url, redis_url, tmp_path):
    """The app in a gunicorn process whose limit storage is a closed port."""
    dead, port = free_port(), free_port()  # nothing listens on `dead` once it is closed
    env = server_env(
        database_url,
        tmp_path,
        port,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{dead}/0",
        CELERY_BROKER_URL=redis_url,
    )
    with gunicorn(env, port, tmp_path / "server.log") as client:
        yield client


@pytest.fixture
def accounts(app, committed_db):
    """A committed clinician and a fresh invite token of a committed patient."""
    clinic = Clinic(name=f"Storage-down clinic {uuid.uuid4().hex[:8]}")
    committed_db.add(clinic)
    committed_db.flush()
    staff = StaffUser(
        clinic_id=clinic.id,
        email=f"down-{uuid.uuid4().hex[:8]}@example.org",
        name="Dr. Down",
        role="clinician",
        password_hash=hash_password(PASSWORD),
    )
    committed_db.add(staff)
    patient = enrol_patient(clinic, display_name="Down Patient")
    with app.test_request_context():
        token = create_invite(patient).rsplit("/", 1)[1]
    committed_db.commit()
    return staff.email, token


def test_sign_in_and_redeem_work_and_are_throttled_in_memory(
    accounts, server_without_limit_storage
):
    email, token = accounts
    server = server_without_limit_storage
    login = "/api/v1/auth/login"
    status, body = server.call("POST", login, {"email": email, "password": PASSWORD})
    assert status == 200, body
    assert body["signed_in"] is True
    for _ in range(5):
        status, body = server.call("POST", login, {"email": email, "password": "wrong"})
        assert status == 401, body
    # The limits still hold, counted in the server's memory meanwhile.
    status, body = server.call("POST", login, {"email": email, "password": PASSWORD})
    assert status == 429, body
    status, body = server.call("POST", "/api/v1/auth/redeem", {"token": "x" * 43})
    assert status == 400, body
    status, body = server.call("POST", "/api/v1/auth/redeem", {"token": token})
    assert status == 200, body
    assert body["kind"] == "patient"
