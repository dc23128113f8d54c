"""One-time codes are single-use even when two sign-ins race with the same code."""

import uuid
from datetime import UTC, datetime

import pyotp
import pytest

from api.auth.operations import normalise_recovery_code
from api.auth.passwords import hash_password
from api.models import Clinic, StaffUser
from tests.support.races import race

PASSWORD = "correct horse battery staple"
RECOVERY = "abcd-efgh-jkmn"


@pytest.fixture
def enrolled_staff(committed_db):
    """A committed clinician with TOTP and one recovery code (threads need real commits)."""
    clinic = Clinic(name=f"Race clinic {uuid.uuid4().hex[:8]}")
    committed_db.add(clinic)
    committed_db.flush()
    staff = StaffUser(
        clinic_id=clinic.id,
        email=f"race-{uuid.uuid4().hex[:8]}@example.org",
        name="Dr. Race",
        role="clinician",
        password_hash=hash_password(PASSWORD),
        totp_secret=pyotp.random_base32(),
        totp_enabled=True,
        recovery_codes=[hash_password(normalise_recovery_code(RECOVERY))],
    )
    committed_db.add(staff)
    committed_db.commit()
    return staff


@pytest.mark.parametrize("kind", ["totp", "recovery"])
def test_two_sign_ins_racing_with_one_code_let_exactly_one_in(
    app, make_client, enrolled_staff, kind
):
    totp = pyotp.TOTP(enrolled_staff.totp_secret)
    code = totp.at(datetime.now(UTC)) if kind == "totp" else RECOVERY
    body = {"email": enrolled_staff.email, "password": PASSWORD, "totp": code}

    def sign_in(ip):
        client = make_client()
        client.environ_base["REMOTE_ADDR"] = ip
        return lambda: client.post("/api/v1/auth/login", json=body).status_code

    answers = race(sign_in("198.51.100.1"), sign_in("198.51.100.2"))
    assert sorted(answers) == [200, 401]
