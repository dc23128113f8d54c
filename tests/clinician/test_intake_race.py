"""Two clinicians signing the same item of a new patient's screen at once both succeed, and
one answer is kept: the patient's row lock (api/intake/operations.py) orders them, where two
INSERTs of the same answer would otherwise fail one request with a server error."""

import sqlalchemy as sa

from api.models import IntakeAnswer
from tests.support.races import race, racing_staff


def test_two_clinicians_answering_one_item_at_once(make_client, login, committed_db, app):
    from api.patients.operations import enrol_patient

    clinic, staff = racing_staff(committed_db, "Intake race")
    with app.test_request_context():
        patient = enrol_patient(clinic, display_name="Raced Patient")
        patient_id = patient.id
        committed_db.commit()

    def answer(member, value):
        client = make_client()
        csrf = login(client, member)
        return lambda: (
            client.patch(
                f"/api/v1/patients/{patient_id}/intake/screen",
                json={"answers": {"pregnancy": {"answer": value}}},
                headers={"X-CSRF-Token": csrf},
            ).status_code
        )

    assert race(answer(staff[0], "no"), answer(staff[1], "unknown")) == [200, 200]
    rows = committed_db.scalars(
        sa.select(IntakeAnswer).where(IntakeAnswer.patient_id == patient_id)
    ).all()
    assert len(rows) == 1 and rows[0].answer in ("no", "unknown")
    assert rows[0].signed_by in {s.id for s in staff}
