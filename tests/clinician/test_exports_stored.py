"""The FHIR export from stored pieces (api/exports/stored.py): the same Bundle as one built
from scratch, whether the pieces are new, stored or outdated; as one gzip member that a
single-member decoder (curl's) reads whole; pieces gone with an erased patient."""

import gzip
import json
import random
import shutil
import subprocess
import zlib

import pytest
import requests
import sqlalchemy as sa

from api.exports import stored
from api.exports.bundle import build_bundle
from api.exports.operations import _checkins
from api.models import Checkin, CheckinEntries, Patient
from api.models.base import utcnow
from api.trend.operations import active_sessions
from tests.support.records import checkin_of, full_record
from tests.support.walker import TEST_PASSWORD


def _without_time(text: bytes) -> dict:
    bundle = json.loads(text)
    assert bundle.pop("timestamp")
    return bundle


def _fresh(patient) -> dict:
    """The Bundle built from the rows, as the admin's full export builds it."""
    bundle, _ = build_bundle(patient, _checkins(patient), active_sessions(patient))
    return _without_time(stored._dumps(bundle))


def _get(client, patient, encoding=None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    response = client.get(f"/api/v1/patients/{patient.id}/fhir", headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert "Accept-Encoding" in response.headers["Vary"]
    return response


def _one_member(data: bytes) -> bytes:
    """Inflate as a decoder that reads one gzip member and checks its CRC and size (zlib)."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    text = decoder.decompress(data)
    assert decoder.eof and decoder.unused_data == b"", "not a single, complete gzip member"
    return text


def _pieces(db_session, patient):
    return db_session.execute(
        sa.select(CheckinEntries.digest, CheckinEntries.skipped)
        .join(Checkin, Checkin.id == CheckinEntries.checkin_id)
        .where(Checkin.patient_id == patient.id)
    ).all()


def test_stored_pieces_give_the_bundle_built_from_scratch(
    staff_client, create_patient, add_session, add_alert, db_session
):
    client, _, staff = staff_client
    patient, _ = full_record(db_session, create_patient, add_session, add_alert, staff.clinic)
    fresh = _fresh(patient)

    first = _get(client, patient)  # builds and stores every piece
    assert "Content-Encoding" not in first.headers
    assert _without_time(first.data) == fresh
    pieces = _pieces(db_session, patient)
    assert len(pieces) == 6 and {p.digest for p in pieces} == {stored.entries_digest()}

    again = _get(client, patient)  # from the stored pieces alone
    assert again.data.split(b'"entry":', 1)[1] == first.data.split(b'"entry":', 1)[1]

    zipped = _get(client, patient, "gzip, deflate, br")
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert len(zipped.data) < len(again.data) / 3
    assert _without_time(_one_member(zipped.data)) == fresh
    assert _without_time(gzip.decompress(zipped.data)) == fresh
    # A client that refuses gzip gets the text.
    assert "Content-Encoding" not in _get(client, patient, "gzip;q=0, identity").headers


def test_outdated_or_missing_pieces_are_rebuilt(
    staff_client, create_patient, add_session, add_alert, db_session, monkeypatch
):
    client, _, staff = staff_client
    patient, phq9 = full_record(db_session, create_patient, add_session, add_alert, staff.clinic)
    _get(client, patient)
    # Pieces stored by other code (another digest) with other text are never sent.
    db_session.execute(
        sa.update(CheckinEntries).values(digest="0123456789abcdef", body=zlib.compress(b"x")[2:-4])
    )
    db_session.execute(sa.delete(CheckinEntries).where(CheckinEntries.checkin_id == phq9.id))
    db_session.expire_all()
    assert _without_time(_get(client, patient).data) == _fresh(patient)
    assert {p.digest for p in _pieces(db_session, patient)} == {stored.entries_digest()}
    assert len(_pieces(db_session, patient)) == 6

    # The next code's pieces replace these at its first export.
    monkeypatch.setattr(stored, "entries_digest", lambda: "fedcba9876543210")
    zipped = _get(client, patient, "gzip")
    assert _without_time(_one_member(zipped.data)) == _fresh(patient)
    assert {p.digest for p in _pieces(db_session, patient)} == {"fedcba9876543210"}


def test_a_check_in_without_a_response_is_counted_as_skipped(
    staff_client, create_patient, db_session
):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    checkin_of(db_session, patient, "phq9", {f"phq9_{i}": 1 for i in range(1, 10)}, utcnow())
    imported = checkin_of(
        db_session, patient, "gad7", {f"gad7_{i}": 1 for i in range(1, 8)}, utcnow()
    )
    imported.answers = {"gad7_1": 1}  # an import prorated the rest
    db_session.flush()
    for encoding in (None, "gzip", None):
        response = _get(client, patient, encoding)
        text = _one_member(response.data) if encoding else response.data
        kinds = [e["resource"]["resourceType"] for e in json.loads(text)["entry"]]
        assert kinds.count("QuestionnaireResponse") == 1, kinds
    assert sorted(p.skipped for p in _pieces(db_session, patient)) == [False, True]


def test_crc32_combine_is_zlibs():
    chance = random.Random(23)
    for _ in range(200):
        a = chance.randbytes(chance.choice([0, 1, 7, 100, 5000]))
        b = chance.randbytes(chance.choice([0, 1, 3, 64, 17_000]))
        combined = stored.crc32_combine(zlib.crc32(a), zlib.crc32(b), stored.crc_shift(len(b)))
        assert combined == zlib.crc32(a + b)


def test_the_digest_names_the_sources_not_their_place(tmp_path, monkeypatch):
    here = stored.entries_digest()
    copies = []
    for root, patterns in stored.SOURCES:
        copy = tmp_path / "elsewhere" / root.name
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
        copies.append((copy, patterns))
    monkeypatch.setattr(stored, "SOURCES", tuple(copies))
    stored.entries_digest.cache_clear()
    try:
        assert stored.entries_digest() == here  # another node, another install path
        phq9 = copies[0][0] / "instruments" / "phq9.json"
        phq9.write_text(phq9.read_text().replace("Little interest", "Little  interest"))
        stored.entries_digest.cache_clear()
        assert stored.entries_digest() != here  # an instrument's words changed
    finally:
        stored.entries_digest.cache_clear()


@pytest.fixture
def demo_clinician(committed_db):
    """The demo clinic (committed): its clinician's email, and its patients' ids."""
    from api import demo
    from api.auth.passwords import hash_password
    from api.models import StaffUser

    clinic = demo._create_clinic()
    member = committed_db.scalar(
        sa.select(StaffUser).where(StaffUser.email == demo.CLINICIAN_EMAIL)
    )
    member.password_hash = hash_password(TEST_PASSWORD)
    committed_db.commit()
    ids = committed_db.scalars(sa.select(Patient.id).where(Patient.clinic_id == clinic.id)).all()
    return demo.CLINICIAN_EMAIL, ids


def test_http_clients_read_the_gzip_export_whole(demo_clinician, database_url, redis_url):
    """requests (urllib3) and curl, which reads one gzip member only, over a real socket."""
    from tests.support.live import serving

    assert shutil.which("curl"), "curl is missing (.ci/run installs it)"
    email, patient_ids = demo_clinician
    with serving(database_url, redis_url, SECRET_KEY="stored-export-test") as server:
        signed_in = requests.Session()
        login = signed_in.post(
            f"{server.url}/api/v1/auth/login", json={"email": email, "password": TEST_PASSWORD}
        )
        assert login.status_code == 200, login.text
        cookie = "; ".join(f"{c.name}={c.value}" for c in signed_in.cookies)
        responses = 0
        for patient_id in patient_ids:
            url = f"{server.url}/api/v1/patients/{patient_id}/fhir"
            plain = signed_in.get(url, headers={"Accept-Encoding": "identity"})
            zipped = signed_in.get(url)  # requests asks for gzip and inflates it
            assert zipped.headers["Content-Encoding"] == "gzip"
            curl = subprocess.run(
                ["curl", "-sS", "--compressed", "-H", f"Cookie: {cookie}", url],
                capture_output=True,
                check=True,
                timeout=30,
            )
            expected = _without_time(plain.content)
            assert _without_time(zipped.content) == expected
            assert _without_time(curl.stdout) == expected
            kinds = [e["resource"]["resourceType"] for e in expected["entry"]]
            responses += kinds.count("QuestionnaireResponse")
        assert responses > 10  # the demo patients' check-ins went through the stored pieces
