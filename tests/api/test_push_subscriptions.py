"""Web Push registration: one operation for patients and clinicians; within a role the
newest owner wins, between a patient and staff the holder keeps it (issue #14, finding 12)."""

import uuid

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, PushSubscription
from tests.support.races import race, racing_staff

KEYS = {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4Yf", "auth": "tBHItJI5svbpez7KI4CCXg"}


def _body(endpoint):
    return {"endpoint": endpoint, "keys": KEYS}


def _subscribe_events(db_session):
    return db_session.execute(
        sa.select(AuditEvent.object_type, AuditEvent.object_id, AuditEvent.detail)
        .where(AuditEvent.action == "push.subscribe")
        .order_by(AuditEvent.id)
    ).all()


def test_an_endpoint_never_moves_silently_between_a_patient_and_staff(
    make_client, create_clinician, create_patient, login, redeem, db_session
):
    patient_app, staff_app = make_client(), make_client()
    patient_csrf = redeem(patient_app, patient := create_patient())
    staff_csrf = login(staff_app, staff := create_clinician())

    def as_patient(endpoint):
        return patient_app.post(
            "/api/v1/me/push-subscription",
            json=_body(endpoint),
            headers={"X-CSRF-Token": patient_csrf},
        )

    def as_staff(endpoint):
        return staff_app.post(
            "/api/v1/staff/me/push-subscription",
            json=_body(endpoint),
            headers={"X-CSRF-Token": staff_csrf},
        )

    patients, clinicians = (f"https://push.example.net/{uuid.uuid4().hex}" for _ in range(2))
    assert as_patient(patients).status_code == 201
    refused = as_staff(patients)
    assert refused.status_code == 409, refused.json
    assert _owners(db_session, patients) == [(None, patient.id)]
    assert as_staff(clinicians).status_code == 201
    refused = as_patient(clinicians)
    assert refused.status_code == 409, refused.json
    # A patient cannot take over a clinician's alert notifications.
    assert _owners(db_session, clinicians) == [(staff.id, None)]
    assert staff_app.get("/api/v1/staff/me/push-subscription").json["subscriptions"] == 1
    denied = db_session.execute(
        sa.select(AuditEvent.object_type, AuditEvent.outcome).where(
            AuditEvent.action == "push.subscribe", AuditEvent.outcome == "denied"
        )
    ).all()
    assert sorted(denied) == [("patient", "denied"), ("staff", "denied")]


def test_a_browser_that_changes_hands_within_a_role_follows_its_newest_owner_and_is_audited(
    make_client, create_clinician, login, db_session
):
    endpoint = f"https://push.example.net/{uuid.uuid4().hex}"
    first, second = create_clinician(), create_clinician()
    apps = []
    for staff in (first, second, first):
        client = make_client()
        csrf = login(client, staff)
        answer = client.post(
            "/api/v1/staff/me/push-subscription",
            json=_body(endpoint),
            headers={"X-CSRF-Token": csrf},
        )
        assert answer.status_code == 201, answer.json
        assert _owners(db_session, endpoint) == [(staff.id, None)]
        apps.append(client)
    assert apps[1].get("/api/v1/staff/me/push-subscription").json["subscriptions"] == 0

    events = _subscribe_events(db_session)
    assert [(kind, object_id) for kind, object_id, _ in events] == [
        ("staff", str(first.id)),
        ("staff", str(second.id)),
        ("staff", str(first.id)),
    ]
    assert "previous_owner" not in events[0][2]
    assert events[1][2]["previous_owner"] == f"staff:{first.id}"
    assert events[2][2]["previous_owner"] == f"staff:{second.id}"
    assert endpoint not in str(events)  # the endpoint is a capability: ids only


def _owners(db_session, endpoint):
    db_session.expire_all()
    return db_session.execute(
        sa.select(PushSubscription.staff_id, PushSubscription.patient_id).where(
            PushSubscription.endpoint == endpoint
        )
    ).all()


@pytest.fixture
def two_clinicians(committed_db):
    """Two committed clinicians (the racing requests run on their own connections)."""
    _, staff = racing_staff(committed_db, "Push clinic")
    return staff


def test_two_registrations_of_one_new_endpoint_racing_both_succeed(
    make_client, login, two_clinicians, committed_db
):
    endpoint = f"https://push.example.net/{uuid.uuid4().hex}"

    def register(staff):
        client = make_client()
        csrf = login(client, staff)
        return lambda: (
            client.post(
                "/api/v1/staff/me/push-subscription",
                json=_body(endpoint),
                headers={"X-CSRF-Token": csrf},
            ).status_code
        )

    answers = race(*[register(staff) for staff in two_clinicians])
    assert answers == [201, 201]
    rows = committed_db.scalars(
        sa.select(PushSubscription.staff_id).where(PushSubscription.endpoint == endpoint)
    ).all()
    assert len(rows) == 1 and rows[0] in {s.id for s in two_clinicians}
