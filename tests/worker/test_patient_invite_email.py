"""A patient's invite link by email (#17 item 5): the worker sends the live link over real
SMTP after the request committed, checks it again first, and the email names no clinic
and nothing clinical."""

from datetime import timedelta

from api.auth.operations import create_invite
from api.models import Invite
from api.models.base import utcnow
from api.pipeline.routing import SEND_PATIENT_INVITE
from tests.support.worker import https_client, wait_for

PASSWORD = "correct horse battery staple"


def invite_of(db_session, patient, staff):
    """A fresh invite: (its row, its token)."""
    url = create_invite(patient, staff)
    db_session.flush()
    token = url.rsplit("/", 1)[1]
    row = db_session.query(Invite).filter_by(patient_id=patient.id, revoked_at=None).one()
    return row, token


def test_the_email_carries_the_link_and_nothing_clinical(run_task, smtp, team, db_session):
    team.patient.email = "worker-patient@example.org"
    invite, token = invite_of(db_session, team.patient, team.clinician)
    assert run_task(SEND_PATIENT_INVITE, str(team.patient.id), invite.id, token) == "sent"
    (message,) = smtp.to("worker-patient@example.org")
    assert message["subject"] == "Your invitation to Waypoint"
    body = message["body"]
    assert f"https://waypoint.test/join/{token}" in body
    assert invite.expires_at.strftime("%d %B %Y") in body
    for private in (team.clinic.name, team.patient.display_name, team.patient.ref):
        assert private not in body and private not in message["subject"]


def test_a_link_no_longer_live_or_not_the_invites_is_not_sent(run_task, smtp, team, db_session):
    team.patient.email = "worker-patient@example.org"
    invite, token = invite_of(db_session, team.patient, team.clinician)
    patient_id = str(team.patient.id)
    assert run_task(SEND_PATIENT_INVITE, patient_id, invite.id, token + "x") == "no_invite"
    assert run_task(SEND_PATIENT_INVITE, patient_id, 10**9, token) == "no_invite"
    invite.expires_at = utcnow() - timedelta(seconds=1)
    db_session.flush()
    assert run_task(SEND_PATIENT_INVITE, patient_id, invite.id, token) == "not_live"
    newer, newer_token = invite_of(db_session, team.patient, team.clinician)
    team.patient.email = None
    db_session.flush()
    assert run_task(SEND_PATIENT_INVITE, patient_id, newer.id, newer_token) == "no_address"
    assert smtp.messages == []


def test_enrol_then_email_reaches_the_patient_through_a_real_worker(
    committed_team, app_on_broker, fresh_redis, start_worker, smtp
):
    web = app_on_broker(fresh_redis.url)
    client = https_client(web)
    staff = committed_team.clinician
    signed_in = client.post("/api/v1/auth/login", json={"email": staff.email, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.json
    headers = {"X-CSRF-Token": signed_in.json["csrf_token"]}
    enrolled = client.post(
        "/api/v1/patients",
        json={"display_name": "Avery Stone", "email": "avery@example.org"},
        headers=headers,
    )
    assert enrolled.status_code == 201, enrolled.json
    url = enrolled.json["invite_url"]
    patient_id = enrolled.json["patient"]["id"]
    sent = client.post(
        f"/api/v1/patients/{patient_id}/invite/email", json={"invite_url": url}, headers=headers
    )
    assert sent.status_code == 202, sent.json
    start_worker(fresh_redis.url)
    (message,) = wait_for(lambda: smtp.to("avery@example.org"), what="the invite email")
    assert url in message["body"]
    # The emailed link signs the patient in, once.
    phone = https_client(web)
    redeemed = phone.post("/api/v1/auth/redeem", json={"token": url.rsplit("/", 1)[1]})
    assert redeemed.status_code == 200, redeemed.json
