"""A two-clinic world with every kind of caller signed in, for the security tests.

Clinic A holds patient A1 (check-ins, an urgent alert, a treatment session, an invite)
and patient A2; clinic B holds patient B1. Each caller is a signed-in session cookie, so
a test can act as anyone on a fresh client. A1's identifying strings are unique per run,
which lets a test look for them in any answer given to someone who must not see them.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from api.models.base import utcnow
from tests.support.answers import phq9_every
from tests.support.session import COOKIE


@dataclass
class Caller:
    """A signed-in session: its cookie, its CSRF token and who it is."""

    name: str
    cookie: str | None
    csrf: str | None
    kind: str  # anonymous | patient | staff
    role: str | None = None  # clinician | admin for staff


@dataclass
class World:
    clinic_a: object
    clinic_b: object
    clinician_a: object
    admin_a: object
    clinician_b: object
    admin_b: object
    a1: object
    a2: object
    b1: object
    callers: dict = field(default_factory=dict)
    checkin_a1: str = ""
    alert_a1: str = ""
    case_a1: str = ""
    course_a1: int = 0
    dose_a1: str = ""
    treatment_session_a1: str = ""
    rems_record_a1: str = ""
    channel_a: int = 0
    auth_session_a1: int = 0
    risk_flag_a1: int = 0
    #: Strings that identify A1 or A1's data: nobody outside clinic A may ever see them.
    secrets_a1: list = field(default_factory=list)


@pytest.fixture
def as_caller(make_client):
    """A fresh client carrying a caller's session cookie (or none)."""

    def make(caller: Caller):
        client = make_client()
        if caller.cookie:
            client.set_cookie(COOKIE, caller.cookie, domain="localhost")
        return client

    return make


@pytest.fixture
def sign_in(make_client, login, redeem):
    """Sign a staff member or patient in on a new client; return the Caller."""

    def do(name, *, staff=None, patient=None):
        client = make_client()
        if staff is not None:
            csrf = login(client, staff)
            caller = Caller(name, None, csrf, "staff", staff.role)
        else:
            csrf = redeem(client, patient)
            caller = Caller(name, None, csrf, "patient")
        caller.cookie = client.get_cookie(COOKIE).value
        return caller

    return do


@pytest.fixture
def world(db_session, create_clinic, create_clinician, create_patient, sign_in, as_caller):
    """Two clinics, their staff and patients, A1 with real data, everyone signed in."""
    from api.models import AuthSession, TreatmentCourse, TreatmentSession

    tag = uuid.uuid4().hex[:10]
    clinic_a, clinic_b = create_clinic(), create_clinic()
    w = World(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        clinician_a=create_clinician(clinic_a),
        admin_a=create_clinician(clinic_a, role="admin"),
        clinician_b=create_clinician(clinic_b),
        admin_b=create_clinician(clinic_b, role="admin"),
        a1=create_patient(
            clinic_a, display_name=f"Alpha Secretname {tag}", email=f"alpha-{tag}@example.org"
        ),
        a2=create_patient(clinic_a, display_name=f"Other Person {tag}"),
        b1=create_patient(clinic_b, display_name=f"Bravo Person {tag}"),
    )
    # A1 can be texted their invite: a mobile on file and the clinic's SMS service.
    from api.sealed import seal

    w.a1.phone_sealed = seal("+12025550123")
    clinic_a.reminder_sms_sealed = seal("json://127.0.0.1:9/sms")
    w.callers = {
        "anonymous": Caller("anonymous", None, None, "anonymous"),
        "patient_a1": sign_in("patient_a1", patient=w.a1),
        "patient_a2": sign_in("patient_a2", patient=w.a2),
        "clinician_a": sign_in("clinician_a", staff=w.clinician_a),
        "admin_a": sign_in("admin_a", staff=w.admin_a),
        "clinician_b": sign_in("clinician_b", staff=w.clinician_b),
        "admin_b": sign_in("admin_b", staff=w.admin_b),
    }
    a1 = w.callers["patient_a1"]
    response = as_caller(a1).post(
        "/api/v1/checkins",
        json={
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": phq9_every(item9=2),
            "completed_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        },
        headers={"X-CSRF-Token": a1.csrf},
    )
    assert response.status_code == 201, response.json
    w.checkin_a1 = response.json["id"]
    from api.models import Alert

    w.alert_a1 = str(db_session.scalar(Alert.__table__.select().with_only_columns(Alert.id)))
    w.case_a1 = str(db_session.scalar(Alert.__table__.select().with_only_columns(Alert.case_id)))
    course = TreatmentCourse(patient_id=w.a1.id, label="Induction", started_at=utcnow())
    db_session.add(course)
    db_session.flush()
    w.course_a1 = course.id
    from api.models import ClinicChannel

    channel = ClinicChannel(
        clinic_id=w.a1.clinic_id, label="Pager", kind="paging", url_sealed="sealed",
        url_masked="pagerduty://…", rungs=["on_call"],
    )  # fmt: skip
    db_session.add(channel)
    db_session.flush()
    w.channel_a = channel.id
    from api.dosing.operations import set_plan
    from api.models import HomeDose

    set_plan(w.a1, {"form": "oral", "dose_mg": 200, "doses_prescribed": 6}, w.clinician_a)
    dose = HomeDose(
        id=uuid.uuid4(),
        patient_id=w.a1.id,
        clinic_id=w.a1.clinic_id,
        plan_version=1,
        payload_hash="x",
        checked_at=utcnow(),
        gate_ok=True,
        gate_reasons=[],
        dosed_at=utcnow(),
    )
    db_session.add(dose)
    db_session.flush()
    w.dose_a1 = str(dose.id)
    treatment = TreatmentSession(
        patient_id=w.a1.id,
        course_id=course.id,
        administered_at=utcnow() - timedelta(days=1),
        modality="iv",
        dose_mg=35,
        notes=f"Session note {tag}",
    )
    db_session.add(treatment)
    db_session.flush()
    w.treatment_session_a1 = str(treatment.id)
    from api.intake.operations import add_trial, record_answers

    trial = add_trial(
        w.a1,
        {
            "drug": "Sertraline",
            "duration_weeks": 8,
            "adequate": True,
            "outcome": "none",
            "note": f"Trial note {tag}",
        },
        w.clinician_a,
    )
    w.intake_trial_a1 = trial.id
    # An open contraindication, so that an override has something to override.
    record_answers(w.a1, {"pregnancy": {"answer": "unknown"}}, w.clinician_a)
    from api.models import RemsRecord

    # Another clinic A patient's esketamine session and its REMS record: the REMS routes'
    # owners are clinic A's staff, and A1's own export and erasure counts stay as they were.
    course_a2 = TreatmentCourse(patient_id=w.a2.id, label="Spray", started_at=utcnow())
    db_session.add(course_a2)
    db_session.flush()
    spray = TreatmentSession(
        patient_id=w.a2.id,
        course_id=course_a2.id,
        administered_at=utcnow() - timedelta(days=2),
        modality="intranasal",
        drug="esketamine",
        dose_mg=56,
        devices=2,
    )
    db_session.add(spray)
    db_session.flush()
    rems = RemsRecord(
        clinic_id=clinic_a.id,
        patient_id=w.a2.id,
        session_id=spray.id,
        due_at=spray.administered_at + timedelta(days=7),
    )
    db_session.add(rems)
    db_session.flush()
    w.rems_record_a1 = str(rems.id)
    from api.models import RiskFlag

    flag = RiskFlag(
        clinic_id=clinic_a.id,
        patient_id=w.a1.id,
        kind="relapse",
        instrument="phq9",
        dedupe_key=f"relapse:{w.a1.id}:phq9:test",
        lowest=7,
        lowest_at=utcnow() - timedelta(days=20),
        latest=16,
        latest_at=utcnow() - timedelta(days=1),
    )
    db_session.add(flag)
    db_session.flush()
    w.risk_flag_a1 = flag.id
    w.auth_session_a1 = db_session.scalar(
        AuthSession.__table__.select()
        .with_only_columns(AuthSession.id)
        .where(AuthSession.patient_id == w.a1.id)
    )
    w.secrets_a1 = [
        str(w.a1.id),
        w.a1.ref,
        w.a1.display_name,
        w.a1.email,
        w.checkin_a1,
        w.alert_a1,
        w.case_a1,
        w.treatment_session_a1,
        f"Session note {tag}",
        f"Trial note {tag}",
    ]
    return w
