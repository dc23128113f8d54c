"""The staff invite reaches the invitee's email with a link that works (#17 item 5).

The worker makes the link's token and keeps only its hash; it sends after the admin's
request committed, over real SMTP; a redelivered message sends nothing twice.
"""

import re

import pyotp
import pytest
import sqlalchemy as sa

from api.auth.principal import hash_token
from api.models import StaffInvite
from api.pipeline.routing import SEND_STAFF_INVITE
from api.staff.operations import invite_staff, pending_invites
from tests.support.worker import https_client, wait_for
from worker.channels import DeliveryError

LINK = re.compile(r"https://waypoint\.test/clinic/welcome#invite=([A-Za-z0-9_-]{40,})")
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "my own long passphrase here"


def _invite(team, email="new.person@example.org", role="clinician"):
    member = invite_staff(team.admin, email, "Noor Newcomer", role)
    return member, pending_invites([member.id])[member.id]


def test_the_email_holds_a_link_that_works_once(app, run_task, smtp, team, client, db_session):
    member, invite = _invite(team)
    assert run_task(SEND_STAFF_INVITE, invite.id) == "sent"
    (message,) = smtp.to("new.person@example.org")
    assert message["subject"] == f"You are invited to {team.clinic.name} on Waypoint"
    body = message["body"]
    assert "Hello Noor Newcomer" in body and "as a clinician" in body
    assert "works once, until" in body and "two-step sign-in" in body
    # Nothing about patients.
    assert "Worker Patient" not in body and team.patient.ref not in body
    token = LINK.search(body).group(1)
    db_session.expire_all()
    stored = db_session.get(StaffInvite, invite.id)
    assert stored.token_hash == hash_token(token) and stored.sent_at is not None

    # A redelivered message (acks_late) sends nothing and keeps the link working.
    assert run_task(SEND_STAFF_INVITE, invite.id) == "not_sendable"
    assert len(smtp.to("new.person@example.org")) == 1

    accepted = client.post(
        "/api/v1/staff/invite/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["staff"]["email"] == "new.person@example.org"


def test_a_replaced_invite_is_not_sent(run_task, smtp, team):
    member, first = _invite(team)
    _, second = _invite(team)
    assert run_task(SEND_STAFF_INVITE, first.id) == "not_sendable"
    assert run_task(SEND_STAFF_INVITE, second.id) == "sent"
    assert len(smtp.to(member.email)) == 1
    assert "as a clinician" in smtp.to(member.email)[0]["body"]


def test_a_refused_email_leaves_the_invite_unsent_for_a_retry(run_task, smtp, team, db_session):
    member, invite = _invite(team, role="admin")
    smtp.refuse = True
    with pytest.raises(DeliveryError):
        run_task(SEND_STAFF_INVITE, invite.id)
    db_session.expire_all()
    assert db_session.get(StaffInvite, invite.id).sent_at is None
    smtp.refuse = False
    assert run_task(SEND_STAFF_INVITE, invite.id) == "sent"
    (message,) = smtp.to(member.email)
    assert "as an administrator" in message["body"]
    # Only the last token works: the one in the email that left.
    db_session.expire_all()
    token = LINK.search(message["body"]).group(1)
    assert db_session.get(StaffInvite, invite.id).token_hash == hash_token(token)


def test_an_admins_invite_reaches_the_invitee_through_a_real_worker(
    committed_team, app_on_broker, fresh_redis, start_worker, smtp, committed_db
):
    web = app_on_broker(fresh_redis.url)
    client = https_client(web)
    admin = committed_team.admin
    totp = pyotp.TOTP(admin.totp_secret).now()
    signed_in = client.post(
        "/api/v1/auth/login", json={"email": admin.email, "password": PASSWORD, "totp": totp}
    )
    assert signed_in.status_code == 200, signed_in.json
    invited = client.post(
        "/api/v1/staff/invites",
        json={"email": "worker.invitee@example.org", "name": "Wren Worker", "role": "clinician"},
        headers={"X-CSRF-Token": signed_in.json["csrf_token"]},
    )
    assert invited.status_code == 201, invited.json
    start_worker(fresh_redis.url)
    (message,) = wait_for(lambda: smtp.to("worker.invitee@example.org"), what="the invite email")
    token = LINK.search(message["body"]).group(1)
    committed_db.expire_all()
    row = committed_db.scalar(
        sa.select(StaffInvite).where(StaffInvite.staff_id == invited.json["id"])
    )
    assert row.token_hash == hash_token(token)
    listed = client.get("/api/v1/staff").json["items"]
    (member,) = [m for m in listed if m["id"] == invited.json["id"]]
    assert member["invite"]["sent_at"] is not None
