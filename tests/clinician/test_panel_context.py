"""The panel's steering columns: treatment context, the oldest open alert's wait, and a
labelled tier for every row (routine signals such as "Not on track" included)."""

from datetime import timedelta

import sqlalchemy as sa

from api.models import TreatmentSession
from api.models.base import utcnow


def rows_of(client) -> dict:
    response = client.get("/api/v1/patients")
    assert response.status_code == 200, response.json
    return {row["id"]: row for row in response.json["items"]}


def test_treatment_context_is_the_latest_course_its_session_number_and_days_since(
    staff_client, create_patient, add_session, db_session
):
    client, csrf, staff = staff_client
    now = utcnow()
    patient = create_patient(staff.clinic, display_name="Tess Treated")
    first = add_session(patient, now - timedelta(days=40), label="Induction")
    add_session(patient, now - timedelta(days=38), course=first.course)
    # A maintenance course: its first two sessions, the latest 3 days ago.
    maintenance = add_session(patient, now - timedelta(days=10), label="Maintenance")
    add_session(patient, now - timedelta(days=3, hours=2), course=maintenance.course)
    # A deleted session does not count and is not the latest.
    latest_deleted = add_session(patient, now - timedelta(hours=5), course=maintenance.course)
    latest_deleted.deleted_at = now
    never = create_patient(staff.clinic, display_name="Nora None")
    db_session.flush()

    rows = rows_of(client)
    treatment = rows[str(patient.id)]["treatment"]
    assert treatment["course_label"] == "Maintenance"
    assert treatment["course_id"] == maintenance.course_id
    assert treatment["session_number"] == 2
    assert treatment["days_since_last_session"] == 3
    assert treatment["last_session_at"].startswith(
        (now - timedelta(days=3, hours=2)).date().isoformat()
    )
    assert treatment["modality"] == "iv"
    assert rows[str(never.id)]["treatment"] is None

    # Deleting a session through the API takes it out of the count at once.
    second = db_session.scalars(
        sa.select(TreatmentSession)
        .where(
            TreatmentSession.course_id == maintenance.course_id,
            TreatmentSession.deleted_at.is_(None),
        )
        .order_by(TreatmentSession.administered_at.desc())
    ).first()
    response = client.delete(
        f"/api/v1/patients/{patient.id}/sessions/{second.id}", headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 204
    treatment = rows_of(client)[str(patient.id)]["treatment"]
    assert (treatment["course_label"], treatment["session_number"]) == ("Maintenance", 1)
    assert treatment["days_since_last_session"] == 10


def test_oldest_open_alert_is_the_earliest_still_open(
    staff_client, create_patient, add_alert, db_session
):
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    add_alert(patient, priority="high", rule="severe", ago=timedelta(hours=2))
    add_alert(patient, priority="urgent", ago=timedelta(minutes=20))
    add_alert(patient, priority="urgent", status="resolved", ago=timedelta(days=2))
    calm = create_patient(staff.clinic)
    db_session.flush()

    rows = rows_of(client)
    waited = rows[str(patient.id)]["oldest_open_alert_at"]
    expected = utcnow() - timedelta(hours=2)
    assert waited.startswith(expected.isoformat()[:16])
    assert rows[str(calm.id)]["oldest_open_alert_at"] is None


def test_routine_signals_have_a_labelled_tier_after_overdue_and_no_row_is_unlabelled(
    staff_client, create_patient, add_alert, add_checkin, db_session
):
    client, _, staff = staff_client
    now = utcnow()
    off_track = create_patient(staff.clinic, display_name="Otto Offtrack")
    add_checkin(off_track, 14, now - timedelta(days=1))
    add_alert(off_track, priority="routine", rule="not_on_track")
    missed = create_patient(staff.clinic, display_name="Mia Missed")
    add_alert(missed, priority="routine", rule="missed_checkins")
    calm = create_patient(staff.clinic, display_name="Cal Calm")
    add_checkin(calm, 20, now - timedelta(days=1))
    high = create_patient(staff.clinic, display_name="Hal High")
    add_alert(high, priority="high", rule="severe")
    add_alert(high, priority="routine", rule="not_on_track")
    db_session.flush()

    response = client.get("/api/v1/patients")
    order = [row["id"] for row in response.json["items"]]
    rows = {row["id"]: row for row in response.json["items"]}
    assert rows[str(off_track.id)]["risk"] == {"tier": 5, "label": "Not on track"}
    assert rows[str(missed.id)]["risk"] == {"tier": 5, "label": "Check-ins missed"}
    # A patient with nothing open is in a tier of its own words, below the routine signals
    # even with a more severe latest score.
    assert rows[str(calm.id)]["risk"] == {"tier": 6, "label": "No open signal"}
    assert order.index(str(off_track.id)) < order.index(str(calm.id))
    # A higher alert sets the tier; the routine one does not lower it.
    assert rows[str(high.id)]["risk"] == {"tier": 1, "label": "High-priority alert"}
    assert order[0] == str(high.id)
    assert all(row["risk"]["label"] for row in rows.values())


def test_an_alert_waits_from_when_its_answer_was_given(
    staff_client, create_patient, add_alert, db_session
):
    """The panel and the inbox count the same wait: an answer kept three hours on an offline
    phone has waited three hours, though its alert was raised a minute ago."""
    client, _, staff = staff_client
    patient = create_patient(staff.clinic)
    alert = add_alert(patient, priority="urgent", ago=timedelta(minutes=1))
    alert.answered_at = utcnow() - timedelta(hours=3)
    db_session.flush()
    waited = rows_of(client)[str(patient.id)]["oldest_open_alert_at"]
    assert waited.startswith(alert.answered_at.isoformat()[:16])
