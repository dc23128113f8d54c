"""The FHIR export of a long record (issue #23: 500 check-ins, 20 sessions): a fixed number of
statements however long the record, each check-in built once, and at the next export not at all."""

import contextlib
from datetime import timedelta

import sqlalchemy as sa

import surveys
from api.extensions import db
from api.models import SessionReading
from api.models.base import utcnow
from surveys import fhir
from tests.support.answers import SAMPLE_ANSWERS

#: The instruments of the long record, in turn (a Spanish PHQ-9 and GAD-7 among them).
ROTATION = (("phq9", "en"), ("gad7", "en"), ("phq9", "es"), ("mood", "en"), ("gad7", "es"))


def long_record(db_session, patient, add_session, checkins=500, sessions=20):
    """``checkins`` check-ins in ROTATION, then ``sessions`` sessions with three readings."""
    from api.checkins.operations import scored_checkin

    start = utcnow() - timedelta(days=checkins)
    for n in range(checkins):
        code, language = ROTATION[n % len(ROTATION)]
        definition = surveys.get_definition(code)
        answers = SAMPLE_ANSWERS[code]
        row = scored_checkin(
            patient,
            definition,
            answers,
            surveys.score(definition, answers),
            completed_at=start + timedelta(days=n),
        )
        row.language = language
        db_session.add(row)
    course = None
    for n in range(sessions):
        session = add_session(patient, start + timedelta(days=n, hours=3), course=course)
        course = session.course
        session.drug, session.cadss, session.cadss_form, session.moaas = "ketamine", 9, "full", 4
        at = session.administered_at
        session.readings = [
            SessionReading(
                kind=kind,
                taken_at=at + timedelta(minutes=minutes),
                systolic=130,
                diastolic=84,
                heart_rate=78,
                spo2=97,
            )
            for kind, minutes in (("pre_dose", -10), ("post_40", 40), ("discharge", 110))
        ]
    db_session.flush()
    db_session.expire_all()  # the export reads from the database, as a request would


@contextlib.contextmanager
def counted_statements():
    """The SQL statements run inside the block, as a list of their texts."""
    found: list[str] = []

    def count(conn, cursor, statement, *_):
        found.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield found
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_export_runs_a_fixed_number_of_statements(
    staff_client, create_patient, add_session, db_session, monkeypatch
):
    client, _, staff = staff_client
    short = create_patient(staff.clinic)
    long_record(db_session, short, add_session, checkins=5, sessions=1)
    long = create_patient(staff.clinic)
    long_record(db_session, long, add_session)

    calls = []
    for name in ("validate_answers", "score_answers"):
        real = getattr(fhir, name)
        monkeypatch.setattr(fhir, name, lambda *a, _n=name, _f=real: calls.append(_n) or _f(*a))
    with counted_statements() as few:
        assert client.get(f"/api/v1/patients/{short.id}/fhir").status_code == 200
    calls.clear()
    with counted_statements() as many:
        response = client.get(f"/api/v1/patients/{long.id}/fhir")
    assert response.status_code == 200
    # The check-ins' stored pieces, the check-ins lacking one, the sessions (courses joined),
    # their readings and REMS records, besides the sign-in, the patient, the pieces' upsert and
    # the audit: the same however long the record.
    assert len(many) == len(few), many
    exported = [s for s in many if "FROM checkins" in s or "FROM session_readings" in s]
    assert len(exported) == 3, exported
    # Each check-in's answers validated once and scored once, for its response and Observations.
    assert (calls.count("validate_answers"), calls.count("score_answers")) == (500, 500)
    kinds = [e["resource"]["resourceType"] for e in response.get_json(force=True)["entry"]]
    assert kinds.count("QuestionnaireResponse") == 500
    assert kinds.count("MedicationAdministration") == 20

    # Again: every check-in from its stored piece, none built or even read whole.
    calls.clear()
    with counted_statements() as warm:
        again = client.get(f"/api/v1/patients/{long.id}/fhir")
    assert again.status_code == 200 and calls == []
    assert len(warm) <= len(many) - 2, warm
    reads = [s for s in warm if "FROM checkins" in s]
    assert len(reads) == 1 and "fhir_checkin_entries" in reads[0], reads  # the pieces only
    assert not any(s.startswith("INSERT INTO fhir_checkin_entries") for s in warm)
    assert again.data.split(b'"entry":')[1] == response.data.split(b'"entry":')[1]
