"""A maintenance course with a response and three losses, written straight to the database
(the booster forecast's tests: tests/api/test_forecast_cli.py and
tests/clinician/test_booster_forecast.py)."""

import uuid
from datetime import UTC, datetime, timedelta

from api.models import Checkin, TreatmentCourse, TreatmentSession

START = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
#: Six infusions, then boosters whenever a PHQ-9 had shown the loss (days after START).
SESSIONS = (0, 2, 5, 7, 9, 12, 40, 66, 95)
#: (day, PHQ-9 total): baseline 20, a response, a loss before each booster.
PHQ9 = (
    (-3, 20), (19, 6), (26, 7), (33, 12), (38, 13), (47, 5), (54, 6), (61, 14),
    (73, 6), (80, 5), (87, 7), (94, 15), (102, 6),
)  # fmt: skip


def write_history(db_session, patient) -> TreatmentCourse:
    """The course of SESSIONS and PHQ9 for ``patient``, flushed (no summary refreshed)."""
    course = TreatmentCourse(patient_id=patient.id, label="IV series", started_at=START)
    db_session.add(course)
    db_session.flush()
    for day in SESSIONS:
        db_session.add(
            TreatmentSession(
                patient_id=patient.id,
                course_id=course.id,
                administered_at=START + timedelta(days=day),
                modality="iv",
                dose_mg=35,
            )
        )
    for day, total in PHQ9:
        at = START + timedelta(days=day, hours=3)
        db_session.add(
            Checkin(
                id=uuid.uuid4(),
                patient_id=patient.id,
                clinic_id=patient.clinic_id,
                instrument="phq9",
                instrument_version="1.0.0",
                answers={},
                payload_hash=f"forecast-{day}",
                total=total,
                severity=None,
                safety_endorsed=False,
                safety_level="none",
                completed_at=at,
                received_at=at,
            )
        )
    db_session.flush()
    return course
