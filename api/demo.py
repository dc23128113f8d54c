"""The demo clinic: a handful of patients whose charts tell the usual ketamine stories.

A responder, a relapse after the last infusion of a course, a non-responder, a recent
item-9 endorsement with its open urgent alert, an overdue patient, and one new patient
whose invite ``make run`` prints. Seeding twice adds nothing.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import surveys
from surveys.intake import SCREEN

from .auth.operations import create_invite
from .auth.passwords import hash_password
from .checkins.operations import scored_checkin
from .config import INSTANCE
from .extensions import db
from .instance import prepare_folder, write_private
from .intake.operations import add_trial, ensure_course_may_start, record_answers
from .models import (
    Checkin,
    CheckinDue,
    Clinic,
    RemsRecord,
    SessionReading,
    StaffUser,
    TreatmentCourse,
    TreatmentSession,
)
from .models.base import utcnow
from .patients.operations import enrol_patient
from .pipeline.alerts import raise_checkin_alerts
from .pipeline.summary import refresh
from .sessions.operations import REMS_DUE
from .sessions.rems import mark_submitted

CLINIC_NAME = "Demo Ketamine Clinic"
CLINICIAN_EMAIL = "clinician@demo.waypoint.test"
ADMIN_EMAIL = "admin@demo.waypoint.test"
NEW_PATIENT = "Taylor (new patient)"


@dataclass
class DemoLogin:
    email: str
    password: str
    invite_url: str
    created: bool


def seed() -> DemoLogin:
    """Create the demo clinic if missing; always issue a fresh invite for the new patient."""
    clinic = db.session.scalar(db.select(Clinic).where(Clinic.name == CLINIC_NAME))
    created = clinic is None
    if created:
        clinic = _create_clinic()
    password = _demo_password(reset=created)
    newcomer = next(p for p in _patients(clinic) if p.display_name == NEW_PATIENT)
    return DemoLogin(CLINICIAN_EMAIL, password, create_invite(newcomer), created)


def _patients(clinic):
    from .models import Patient

    return db.session.scalars(db.select(Patient).where(Patient.clinic_id == clinic.id)).all()


def _demo_password(reset: bool) -> str:
    """The demo clinician's password, kept in instance/ so every run can print it.

    A new demo clinic (or a lost file) gets a new password, so the file never names a
    password that an older database had.
    """
    path = INSTANCE / "demo-login.txt"
    if path.exists() and not reset:
        return path.read_text().strip()
    password = "demo-" + secrets.token_urlsafe(9)
    staff = db.session.scalar(db.select(StaffUser).where(StaffUser.email == CLINICIAN_EMAIL))
    staff.password_hash = hash_password(password)
    prepare_folder()
    write_private(path, password + "\n")
    return password


def _create_clinic() -> Clinic:
    clinic = Clinic(
        name=CLINIC_NAME,
        timezone="America/New_York",
        monitoring_hours="The care team reads check-ins on weekdays, 8am to 6pm.",
    )
    db.session.add(clinic)
    db.session.flush()
    clinician = StaffUser(
        clinic_id=clinic.id,
        email=CLINICIAN_EMAIL,
        name="Dr. Demo Clinician",
        role="clinician",
        on_call=True,
        password_hash=hash_password(secrets.token_urlsafe(16)),
    )
    admin = StaffUser(
        clinic_id=clinic.id,
        email=ADMIN_EMAIL,
        name="Demo Admin",
        role="admin",
        password_hash=hash_password(secrets.token_urlsafe(16)),
    )
    db.session.add_all([clinician, admin])
    db.session.flush()
    now = utcnow()

    def patient(name):
        return enrol_patient(clinic, display_name=name, care_team=[clinician])

    # A responder: six IV infusions over two weeks, PHQ-9 19 -> 4.
    alex = patient("Alex Rivera")
    start = now - timedelta(days=42)
    _course(alex, clinician, start, "iv", [0, 2, 4, 7, 9, 11], dose=35.0, per_kg=0.5)
    _series(alex, start - timedelta(days=1), [19, 16, 13, 10, 8, 6, 5, 4, 4], every_days=5)

    # A relapse: good response in the induction, then the score climbs after the last infusion.
    jordan = patient("Jordan Lee")
    start = now - timedelta(days=45)
    _course(jordan, clinician, start, "iv", [0, 2, 4, 7, 9, 11], dose=40.0, per_kg=0.5)
    _series(jordan, start - timedelta(days=1), [18, 14, 10, 8, 7, 9, 12, 15, 16], every_days=5)

    # A non-responder: esketamine twice weekly for four weeks, barely moving.
    sam = patient("Sam Patel")
    start = now - timedelta(days=35)
    _course(sam, clinician, start, "intranasal", [0, 3, 7, 10, 14, 17, 21, 24], dose=56.0)
    _series(sam, start - timedelta(days=1), [20, 20, 19, 19, 18, 19, 18], every_days=5)

    # A recent item-9 endorsement: an open urgent alert waits in the inbox.
    casey = patient("Casey Morgan")
    start = now - timedelta(days=20)
    _course(casey, clinician, start, "iv", [0, 3, 7], dose=38.0, per_kg=0.5)
    checkins = _series(
        casey,
        start - timedelta(days=1),
        [17, 15, 16, 18],
        every_days=6,
        item9_last=2,
        last_at=now - timedelta(hours=3),
    )
    _raise_safety_alerts(casey, checkins[-1])

    # An overdue patient: the weekly check-in is five days late.
    riley = patient("Riley Chen")
    _series(riley, now - timedelta(days=40), [14, 12, 11, 12], every_days=7)
    db.session.add(
        CheckinDue(
            patient_id=riley.id, instrument="phq9", reason="cadence", due_at=now - timedelta(days=5)
        )
    )

    patient(NEW_PATIENT)
    # The panel's stored summaries of everything seeded above.
    refresh(*(row.id for row in _patients(clinic)))
    return clinic


def _course(
    patient,
    clinician: StaffUser,
    start: datetime,
    modality: str,
    days: list[int],
    *,
    dose: float,
    per_kg: float | None = None,
) -> None:
    _clear_intake(patient, clinician)
    ensure_course_may_start(patient)  # the rule every new course meets
    course = TreatmentCourse(patient_id=patient.id, label="Induction", started_at=start)
    db.session.add(course)
    db.session.flush()
    sessions = []
    for n, day in enumerate(days):
        at = start + timedelta(days=day)
        sessions.append(
            TreatmentSession(
                patient_id=patient.id,
                course_id=course.id,
                modality=modality,
                drug="esketamine" if modality == "intranasal" else "ketamine",
                administered_at=at,
                dose_mg=dose,
                dose_mg_per_kg=per_kg,
                devices=round(dose / 28) if modality == "intranasal" else None,
                readings=[
                    SessionReading(
                        kind="pre_dose",
                        taken_at=at - timedelta(minutes=10),
                        systolic=124 + n % 3,
                        diastolic=78,
                        heart_rate=72,
                        spo2=98,
                    ),
                    SessionReading(
                        kind="post_40",
                        taken_at=at + timedelta(minutes=40),
                        systolic=138 + n % 4,
                        diastolic=86,
                        heart_rate=80,
                        spo2=97,
                    ),
                ],
            )
        )
    db.session.add_all(sessions)
    db.session.flush()
    _rems_records(patient, clinician, sessions)


def _rems_records(patient, clinician: StaffUser, sessions: list[TreatmentSession]) -> None:
    """Each esketamine session's REMS form, as the session form keeps it: all but the last
    marked submitted two days after the session; the last one past its 7 days, on the due list."""
    for n, row in enumerate(sessions):
        if row.drug != "esketamine":
            continue
        record = RemsRecord(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            session_id=row.id,
            due_at=row.administered_at + REMS_DUE,
        )
        db.session.add(record)
        db.session.flush()
        if n < len(sessions) - 1:
            submitted = row.administered_at + timedelta(days=2)
            mark_submitted(record, clinician, {"submitted_at": submitted}, submitted)


def _clear_intake(patient, clinician: StaffUser) -> None:
    """A signed screen with nothing found, and two failed adequate antidepressant trials."""
    record_answers(patient, {item.code: {"answer": "no"} for item in SCREEN}, clinician)
    for drug, dose, weeks, outcome in (
        ("Sertraline", 150, 8, "none"),
        ("Venlafaxine", 225, 12, "partial"),
    ):
        add_trial(
            patient,
            {
                "drug": drug,
                "dose_mg_per_day": dose,
                "duration_weeks": weeks,
                "adequate": True,
                "outcome": outcome,
            },
            clinician,
        )


def _series(
    patient,
    first: datetime,
    totals: list[int],
    *,
    every_days: int,
    item9_last: int = 0,
    last_at: datetime | None = None,
) -> list[Checkin]:
    definition = surveys.get_definition("phq9")
    rows = []
    for n, total in enumerate(totals):
        is_last = n == len(totals) - 1
        at = last_at if (is_last and last_at) else first + timedelta(days=n * every_days)
        answers = _answers_for(total, item9_last if is_last else 0)
        score = surveys.score(definition, answers)
        row = scored_checkin(patient, definition, answers, score, completed_at=at, evaluated_at=at)
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    return rows


def _answers_for(total: int, item9: int) -> dict:
    """A plausible PHQ-9 answer set with the given total and item 9."""
    answers = {"phq9_9": item9}
    remaining = total - item9
    for n in range(1, 9):
        value = min(3, -(-remaining // (9 - n)))  # spread evenly, ceiling first
        answers[f"phq9_{n}"] = value
        remaining -= value
    if total > 0:
        answers["phq9_difficulty"] = 1 if total < 15 else 2
    return answers


def _raise_safety_alerts(patient, checkin: Checkin) -> None:
    definition = surveys.get_definition("phq9")
    score = surveys.score(definition, checkin.answers)
    hits = surveys.evaluate_checkin(
        definition,
        surveys.CheckinFacts(checkin_id=str(checkin.id), at=checkin.completed_at, score=score),
        history=[],
        settings=surveys.RuleSettings(),
    )
    raise_checkin_alerts(patient, hits, checkin)
