"""GAD-7 1.1.0 beside stored 1.0.0 check-ins (#18 item 6): each is listed, scored and exported
with the questions it was asked; the difficulty answer is shown but never in the total."""

from datetime import timedelta

import surveys
from api.models.base import utcnow
from tests.support.answers import answers_for


def stored(db_session, patient, version, answers, at):
    from api.checkins.operations import scored_checkin

    definition = surveys.get_definition("gad7", version)
    row = scored_checkin(
        patient, definition, answers, surveys.score(definition, answers), completed_at=at
    )
    db_session.add(row)
    db_session.flush()
    return row


def test_each_gad7_check_in_is_listed_with_the_questions_it_was_asked(
    staff_client, create_patient, db_session
):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    now = utcnow()
    old = stored(db_session, patient, "1.0.0", answers_for("gad7", 9), now - timedelta(days=8))
    new_answers = {**answers_for("gad7", 9), "gad7_difficulty": 3}
    new = stored(db_session, patient, "1.1.0", new_answers, now - timedelta(days=1))
    assert (old.instrument_version, new.instrument_version) == ("1.0.0", "1.1.0")
    items = client.get(f"/api/v1/patients/{patient.id}/checkins?instrument=gad7").json["items"]
    by_id = {c["id"]: c for c in items}
    old_rows = {a["link_id"]: a for a in by_id[str(old.id)]["answers"]}
    new_rows = {a["link_id"]: a for a in by_id[str(new.id)]["answers"]}
    assert old_rows["gad7_7"]["text"] == "Feeling afraid, as if something awful might happen"
    assert new_rows["gad7_7"]["text"] == "Feeling afraid as if something awful might happen"
    assert "gad7_difficulty" not in old_rows
    assert new_rows["gad7_difficulty"]["label"] == "Extremely difficult"
    assert new_rows["gad7_difficulty"]["text"].startswith("If you checked off any problems")
    # The difficulty answer (3) is not in the total: both are 9, "mild".
    assert [(c["total"], c["severity_label"]) for c in items] == [(9, "Mild"), (9, "Mild")]
