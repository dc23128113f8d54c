"""A patient's invite as the clinic hands it over (#17 item 5): its QR code comes in the JSON
answer with the link (never from a GET of its own), and the live link can be emailed; a
refused email request changes nothing and queues nothing."""

import re

import pytest
import sqlalchemy as sa

from api.models import AuditEvent, Invite
from api.pipeline.routing import SEND_PATIENT_INVITE
from api.qr import qr_svg

PASSWORD = "correct horse battery staple"  # the test staff's (tests/conftest.py)


def published_tasks(app):
    """The task names waiting in the test broker's queues (kombu keeps each as JSON)."""
    import json

    import redis

    client = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    try:
        names = []
        for queue in ("default", "urgent"):
            for raw in client.lrange(queue, 0, -1):
                names.append(json.loads(raw)["headers"]["task"])
        return names
    finally:
        client.close()


@pytest.fixture
def empty_queues(app):
    import redis

    client = redis.Redis.from_url(app.config["CELERY"]["broker_url"])
    client.delete("default", "urgent")
    client.close()


def live_invites(db_session, patient_id):
    return db_session.scalars(
        sa.select(Invite.id).where(
            Invite.patient_id == patient_id, Invite.revoked_at.is_(None), Invite.used_at.is_(None)
        )
    ).all()


def test_enrolling_answers_the_link_with_its_qr_code_and_expiry(staff_client):
    client, csrf, _ = staff_client
    response = client.post(
        "/api/v1/patients",
        json={"display_name": "Quinn", "email": "quinn@example.org"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert re.fullmatch(r"https?://[^ ]+/join/[A-Za-z0-9_-]{40,}", body["invite_url"])
    svg = body["invite_qr_svg"]
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and svg.endswith("</svg>\n")
    assert svg == qr_svg(body["invite_url"])  # the code of this very link
    assert body["invite_expires_at"] is not None
    # A fresh invite comes with its own code; the old link stops working.
    again = client.post(
        f"/api/v1/patients/{body['patient']['id']}/invite", headers={"X-CSRF-Token": csrf}
    ).json
    assert again["invite_url"] != body["invite_url"]
    assert again["invite_qr_svg"] == qr_svg(again["invite_url"]) != svg


def test_two_step_set_up_answers_the_otpauth_link_with_its_qr_code(
    make_client, login, create_clinician
):
    staff = create_clinician(totp_enabled=False)
    client = make_client()
    csrf = login(client, staff)
    response = client.post(
        "/api/v1/account/totp",
        json={"current_password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert body["otpauth_qr_svg"] == qr_svg(body["otpauth_uri"])


def test_the_live_invite_is_queued_for_email_after_the_commit(
    staff_client, create_patient, db_session, app, empty_queues
):
    client, csrf, staff = staff_client
    patient = create_patient(staff.clinic, email="robin@example.org")
    headers = {"X-CSRF-Token": csrf}
    url = client.post(f"/api/v1/patients/{patient.id}/invite", headers=headers).json["invite_url"]
    response = client.post(
        f"/api/v1/patients/{patient.id}/invite/email", json={"invite_url": url}, headers=headers
    )
    assert response.status_code == 202, response.json
    assert response.json == {"sent_to": "robin@example.org"}
    assert published_tasks(app) == [SEND_PATIENT_INVITE]
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(patient.id))
    ).all()
    assert "patient.invite_email" in actions


REFUSALS = [
    # (what the patient has, what is sent, status, the field blamed)
    ("no_email", "live", 422, "email"),
    ("email", "replaced", 422, "invite_url"),
    ("email", "other_patient", 422, "invite_url"),
    ("email", "not_a_link", 422, "invite_url"),
    ("email", "missing", 422, "invite_url"),
    # Text no database or hash can take: an unpaired surrogate, a NUL (a 500 once, in fuzzing).
    ("email", "surrogate", 422, "invite_url"),
    ("email", "nul", 422, "invite_url"),
    ("discharged", "live", 409, None),
]


@pytest.mark.parametrize(("patient_kind", "sent", "status", "field"), REFUSALS)
def test_a_refused_email_request_changes_and_queues_nothing(
    staff_client, create_patient, db_session, app, empty_queues, patient_kind, sent, status, field
):
    client, csrf, staff = staff_client
    headers = {"X-CSRF-Token": csrf}
    email = None if patient_kind == "no_email" else "kim@example.org"
    patient = create_patient(staff.clinic, email=email)
    other = create_patient(staff.clinic, email="other@example.org")
    old = client.post(f"/api/v1/patients/{patient.id}/invite", headers=headers).json["invite_url"]
    live = client.post(f"/api/v1/patients/{patient.id}/invite", headers=headers).json["invite_url"]
    theirs = client.post(f"/api/v1/patients/{other.id}/invite", headers=headers).json["invite_url"]
    if patient_kind == "discharged":
        patient.status = "discharged"
        db_session.flush()
    body = {
        "live": {"invite_url": live},
        "replaced": {"invite_url": old},
        "other_patient": {"invite_url": theirs},
        "not_a_link": {"invite_url": "https://evil.example/join/abc"},
        "missing": {},
        "surrogate": {"invite_url": live[:-4] + "\ud800" + live[-3:]},
        "nul": {"invite_url": live + "\x00"},
    }[sent]
    before = live_invites(db_session, patient.id)
    response = client.post(
        f"/api/v1/patients/{patient.id}/invite/email", json=body, headers=headers
    )
    assert response.status_code == status, response.json
    if field:
        assert list(response.json["errors"]) == [field]
    assert published_tasks(app) == []
    db_session.expire_all()
    assert live_invites(db_session, patient.id) == before


def test_another_clinics_patient_is_not_found(
    staff_client, other_clinic, create_patient, empty_queues, app
):
    client, csrf, _ = staff_client
    theirs = create_patient(other_clinic["clinic"], email="far@example.org")
    response = client.post(
        f"/api/v1/patients/{theirs.id}/invite/email",
        json={"invite_url": "https://x/join/y"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404
    assert published_tasks(app) == []
